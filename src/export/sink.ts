/**
 * Writing with backpressure: a writer never has more than one chunk in flight beyond the
 * destination's buffer, so memory stays flat however slowly the client reads. A destination that
 * closes early (client gone) or an aborted export rejects the wait instead of hanging it.
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';

function gone(): Error {
  return new Error('the export destination closed before the export finished');
}

/**
 * Resolves when the event `arm` listens for fires (`arm` returns what stops listening); rejects
 * when `out` closes or errors first, or `signal` aborts. Every listener is removed either way.
 */
function until(out: Writable, signal: AbortSignal, arm: (fire: () => void) => () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let disarm = (): void => undefined;
    const cleanup = (): void => {
      disarm();
      out.off('close', onClose);
      out.off('error', onError);
      signal.removeEventListener('abort', onAbort);
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
    disarm = arm(() => {
      cleanup();
      resolve();
    });
    out.on('close', onClose);
    out.on('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves once `out` has drained below its high-water mark. */
export function waitForDrain(out: Writable, signal: AbortSignal): Promise<void> {
  if (!out.writableNeedDrain) return Promise.resolve();
  return until(out, signal, (fire) => {
    out.on('drain', fire);
    return () => out.off('drain', fire);
  });
}

/** Throws when the export was aborted or `out` can take no more. */
function assertWritable(out: Writable, signal: AbortSignal): void {
  signal.throwIfAborted();
  if (out.destroyed || out.writableEnded) throw gone();
}

/** Writes `data`, then waits while the destination's buffer is full. */
export async function put(out: Writable, data: string | Buffer, signal: AbortSignal): Promise<void> {
  assertWritable(out, signal);
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

/** Reused read buffers of putFile: a file read stream would allocate a fresh one per chunk, left for the GC. */
const FILE_CHUNK_BYTES = 256 * 1024;
const FILE_BUFFERS = 4;

/** Up to FILE_BUFFERS buffers; one is handed out again once the write that held it called back. */
class BufferPool {
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private wake: (() => void) | null = null;

  take(): Buffer | null {
    const buffer = this.free.pop();
    if (buffer !== undefined) return buffer;
    if (this.allocated >= FILE_BUFFERS) return null;
    this.allocated++;
    return Buffer.allocUnsafe(FILE_CHUNK_BYTES);
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Resolves when a buffer comes back; rejects when `out` closes or errors first, or `signal` aborts. */
  released(out: Writable, signal: AbortSignal): Promise<void> {
    return until(out, signal, (fire) => {
      this.wake = fire;
      return () => {
        this.wake = null;
      };
    });
  }
}

/**
 * Copies the file at `path` into `out` with backpressure through a few reused buffers, so a
 * multi-gigabyte part costs the same memory as a small one. A buffer is read into again only
 * after `out` called back for the write that held it.
 */
export async function putFile(out: Writable, path: string, signal: AbortSignal): Promise<void> {
  const file = await open(path, 'r');
  const pool = new BufferPool();
  try {
    for (;;) {
      assertWritable(out, signal);
      const buffer = pool.take();
      if (buffer === null) {
        await pool.released(out, signal);
        continue;
      }
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      if (!out.write(buffer.subarray(0, bytesRead), () => pool.give(buffer))) await waitForDrain(out, signal);
    }
  } finally {
    await file.close();
  }
}
