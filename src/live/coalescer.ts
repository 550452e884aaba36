/**
 * Runs an async task at most once per interval however often it is requested: the first request
 * after a quiet period runs at once (lowest latency), later ones fold into one trailing run.
 * Never two runs at the same time; a request during a run schedules exactly one more.
 */
export class Coalescer {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private pending = false;
  private stopped = false;
  private lastStart = -Infinity;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    /** The task should report its own failures; this catches what it did not. */
    private readonly onError: (err: unknown) => void = (err) => console.error('coalesced task failed', err),
  ) {}

  get busy(): boolean {
    return this.running || this.timer !== null;
  }

  /** Asks for a run within the interval rule. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    if (this.timer !== null) return;
    const delay = Math.max(0, this.lastStart + this.intervalMs - this.now());
    if (delay === 0) void this.run(true);
    else this.timer = setTimeout(() => void this.run(true), delay).unref();
  }

  /**
   * Runs now unless a run is already under way (its result will do), ignoring the interval and
   * not counting against it: a demand-driven run (a new subscriber's first answer) must not
   * delay the next data-driven one.
   */
  runNow(): void {
    if (this.stopped || this.running) return;
    if (this.timer !== null) clearTimeout(this.timer);
    void this.run(false);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async run(counts: boolean): Promise<void> {
    this.timer = null;
    this.running = true;
    this.pending = false;
    if (counts) this.lastStart = this.now();
    try {
      await this.task();
    } catch (err) {
      this.onError(err);
    } finally {
      this.running = false;
      if (this.pending) {
        this.pending = false;
        this.request();
      }
    }
  }
}
