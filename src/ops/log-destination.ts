/**
 * Where log lines go: lines are encoded into one buffer as they are logged and written out
 * together — at most `maxDelayMs` (10 ms) after the first of them, or as soon as `maxBufferBytes`
 * (16 KiB) are waiting — instead of one write (a system call) per line.
 *
 * Every request logs its access line; measured under bench:middleware, a write per line (or per
 * event-loop turn, which under load answers only a few requests) cost more than building the
 * line. The price is a line reaching the file or terminal up to 10 ms late. Nothing is held back
 * longer: the timer does not keep the process alive, and whatever is waiting is written
 * synchronously on exit (process.exit after a graceful shutdown, or a crash) and on pino's
 * `logger.flush()`.
 */
import pino from 'pino';

/** What the bytes are written to: pino's synchronous destination (sonic-boom) or any sync writer. */
export interface ByteSink {
  /** Takes ownership of `chunk` (it may hold on to it until a partial write completes). */
  write(chunk: Buffer): unknown;
  flushSync?(): void;
}

export interface BufferedDestinationOptions {
  maxDelayMs?: number;
  maxBufferBytes?: number;
}

const DEFAULT_MAX_DELAY_MS = 10;
const DEFAULT_MAX_BUFFER_BYTES = 16 * 1024;

export class BufferedDestination {
  private readonly bytes: Buffer;
  private length = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly maxDelayMs: number;
  private readonly writeOut = (): void => {
    this.timer = null;
    this.drain();
  };

  constructor(
    private readonly sink: ByteSink,
    options: BufferedDestinationOptions = {},
  ) {
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.bytes = Buffer.allocUnsafe(options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES);
  }

  /** pino calls this with one serialized line (newline included). */
  write(line: string): boolean {
    // Encoded straight into the buffer; a line that might not fit first writes out what waits
    // (UTF-8 takes at most 3 bytes per UTF-16 code unit, so no measuring pass is needed).
    const room = line.length * 3;
    if (this.bytes.length - this.length < room) {
      this.drain();
      if (this.bytes.length < room) {
        this.sink.write(Buffer.from(line));
        return true;
      }
    }
    this.length += this.bytes.write(line, this.length);
    if (this.timer === null) {
      this.timer = setTimeout(this.writeOut, this.maxDelayMs);
      this.timer.unref();
    }
    return true;
  }

  /** Bytes not written yet (tests). */
  get pendingBytes(): number {
    return this.length;
  }

  /** Writes what is waiting now (pino's logger.flush(), shutdown, exit). */
  flush(done?: (err?: Error) => void): void {
    try {
      this.drain();
      this.sink.flushSync?.();
      done?.();
    } catch (err) {
      if (done === undefined) throw err;
      done(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private drain(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.length === 0) return;
    // A copy: the sink may keep it until a partial write completes, while the buffer refills.
    const chunk = Buffer.from(this.bytes.subarray(0, this.length));
    this.length = 0;
    this.sink.write(chunk);
  }
}

/** pino's synchronous destination in byte mode (its typings only know the string mode). */
function byteSink(target: string | number): ByteSink {
  const boom = pino.destination({ dest: target, sync: true, contentMode: 'buffer' });
  const write = boom.write.bind(boom) as unknown as (chunk: Buffer) => boolean;
  return { write, flushSync: () => boom.flushSync() };
}

const destinations = new Map<string | number, BufferedDestination>();
let exitHookInstalled = false;

/**
 * The process's destination for a file path or file descriptor (1 = stdout): one per target, so
 * every logger of the process shares it and its lines stay in order. Written out on exit.
 */
export function bufferedDestination(target: string | number): BufferedDestination {
  let destination = destinations.get(target);
  if (destination === undefined) {
    destination = new BufferedDestination(byteSink(target));
    destinations.set(target, destination);
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const d of destinations.values()) d.flush(() => undefined);
    });
  }
  return destination;
}
