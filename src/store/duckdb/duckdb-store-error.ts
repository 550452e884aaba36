/**
 * A DuckDB failure with the store operation that hit it; the driver's error stays as `cause`
 * so logs keep DuckDB's own message while callers can tell what the store was doing.
 */
export class DuckDbStoreError extends Error {
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`duckdb ${operation} failed: ${detail}`, { cause });
    this.name = 'DuckDbStoreError';
    this.operation = operation;
  }
}

/** Runs `fn`, rethrowing any failure as a DuckDbStoreError that names `operation`. */
export async function withContext<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof DuckDbStoreError ? err : new DuckDbStoreError(operation, err);
  }
}
