import type { DialectName } from './port.js';

/**
 * A store failure with the adapter and the operation that hit it; the driver's error stays as
 * `cause` so logs keep the database's own message while callers can tell what the store was doing.
 */
export class StoreError extends Error {
  readonly store: DialectName;
  readonly operation: string;

  constructor(store: DialectName, operation: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`${store} ${operation} failed: ${detail}`, { cause });
    this.name = 'StoreError';
    this.store = store;
    this.operation = operation;
  }
}

/** Runs `fn`, rethrowing any failure as a StoreError that names `operation`. */
export type WithContext = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

export function storeContext(store: DialectName): WithContext {
  return async (operation, fn) => {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof StoreError ? err : new StoreError(store, operation, err);
    }
  };
}
