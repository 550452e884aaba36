/**
 * What every store adapter does around its calls: refuse work once close() began, and let
 * close() wait for the work already started (so no connection is closed under a running call).
 */
import type { DialectName } from './port.js';
import { StoreError } from './store-error.js';

export class StoreLifecycle {
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;

  constructor(private readonly store: DialectName) {}

  get isClosing(): boolean {
    return this.closing !== null;
  }

  /** Runs `shutdown` on the first call; every call gets the same promise. */
  close(shutdown: () => Promise<void>): Promise<void> {
    this.closing ??= shutdown();
    return this.closing;
  }

  assertOpen(): void {
    if (this.closing) throw new StoreError(this.store, 'use', new Error('the store is closed'));
  }

  /** Refuses work after close() and lets close() wait for work already started. */
  guard<T>(start: () => Promise<T>): Promise<T> {
    try {
      this.assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.hold(start());
  }

  /** Counts `work` as running until it settles. */
  hold<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    const forget = (): void => {
      this.inflight.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  /** Waits until everything held has settled. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }
}
