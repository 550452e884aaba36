/**
 * Gives memory back when the store goes quiet. DuckDB keeps table blocks and the memory of
 * finished queries (hash tables, sorts) up to its memory limit and holds on to it: a server that
 * answered a few dashboard queries on a 10M-event file sat at ~350 MB doing nothing. After
 * `idleMs` without work the trimmer checkpoints (folds the WAL into the file while nobody waits
 * on it), lowers DuckDB's memory limit to `trimTo` for an instant, which evicts cached blocks and
 * releases freed memory to the OS, and restores the limit. Work that arrives meanwhile waits for
 * the few milliseconds this takes, so no query ever runs under the lowered limit.
 */

export interface IdleTrimOptions {
  /** Quiet time before trimming. */
  idleMs: number;
  /** The memory limit while trimming (DuckDB syntax). */
  trimTo: string;
  /** The memory limit to restore (DuckDB syntax). */
  restoreTo: string;
  /** Runs one statement on the writer connection, serialised with writes. */
  run: (sql: string) => Promise<void>;
  onError?: (err: unknown) => void;
}

export class IdleTrimmer {
  private active = 0;
  private lastActive = performance.now();
  /** Nothing was done since the last trim. */
  private trimmed = false;
  private gate: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  trims = 0;

  constructor(private readonly options: IdleTrimOptions) {
    this.timer = setInterval(() => this.tick(), Math.max(250, Math.floor(options.idleMs / 4)));
    this.timer.unref();
  }

  /** Call before a unit of work (waits while a trim runs); pair with `leave()`. */
  async enter(): Promise<void> {
    while (this.gate !== null) await this.gate;
    this.active++;
    this.trimmed = false;
  }

  leave(): void {
    this.active--;
    this.lastActive = performance.now();
  }

  /** Runs `work` as one unit of work. */
  async around<T>(work: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  /** Trims now if nothing is running (tests, and the timer once the store is quiet). */
  trimNow(): Promise<void> {
    if (this.gate !== null) return this.gate;
    if (this.active > 0) return Promise.resolve();
    this.gate = this.trim().finally(() => {
      this.gate = null;
    });
    return this.gate;
  }

  /** Stops the timer and waits for a trim in progress (the store closes its connections next). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.gate !== null) await this.gate;
  }

  private tick(): void {
    if (this.trimmed || this.active > 0 || this.gate !== null) return;
    if (performance.now() - this.lastActive < this.options.idleMs) return;
    void this.trimNow();
  }

  private async trim(): Promise<void> {
    const { run, trimTo, restoreTo, onError } = this.options;
    try {
      await run('CHECKPOINT');
      await run(`SET memory_limit = '${trimTo}'`);
    } catch (err) {
      onError?.(err);
    } finally {
      try {
        await run(`SET memory_limit = '${restoreTo}'`);
      } catch (err) {
        onError?.(err);
      }
    }
    this.trimmed = true;
    this.trims++;
  }
}
