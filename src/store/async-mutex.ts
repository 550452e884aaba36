/**
 * Serialises async critical sections. A connection holds one open transaction at a time, so
 * every write on a store's single writer connection must finish (COMMIT/ROLLBACK) before the next starts.
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // The next caller waits for this one to settle, whether it failed or not.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
