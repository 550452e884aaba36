/**
 * Writing with backpressure: a writer never has more than one chunk in flight beyond the
 * destination's buffer, so memory stays flat however slowly the client reads. A destination that
 * closes early (client gone) or an aborted export rejects the wait instead of hanging it.
 */
import type { Writable } from 'node:stream';

function gone(): Error {
  return new Error('the export destination closed before the export finished');
}

/** Resolves once `out` has drained below its high-water mark. */
export function waitForDrain(out: Writable, signal: AbortSignal): Promise<void> {
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(gone());
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    if (out.destroyed) return onClose();
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Writes `data`, then waits while the destination's buffer is full. */
export async function put(out: Writable, data: string | Buffer, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (out.destroyed || out.writableEnded) throw gone();
  if (!out.write(data)) await waitForDrain(out, signal);
}

/** Ends `out` and waits until everything written was flushed. */
export function finish(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (out.writableFinished) return resolve();
    const onError = (err: Error): void => reject(err);
    out.once('error', onError);
    out.end(() => {
      out.off('error', onError);
      resolve();
    });
  });
}
