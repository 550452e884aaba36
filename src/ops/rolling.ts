/**
 * A time-sliced ring: the last `windowMs` split into `slots` slices, each holding a value that is
 * created fresh when its slice comes round again. Cheap to record into (no timers), and reading
 * only ever sees the recent window — what "the last 5 minutes" panels need.
 */
export class Rolling<T> {
  private readonly ring: Array<{ index: number; value: T } | undefined>;
  readonly sliceMs: number;

  constructor(
    readonly windowMs: number,
    slots: number,
    private readonly create: () => T,
    private readonly now: () => number = Date.now,
  ) {
    this.sliceMs = Math.max(1, Math.floor(windowMs / slots));
    this.ring = new Array(slots).fill(undefined);
  }

  /** The value of the current slice. */
  current(): T {
    const index = Math.floor(this.now() / this.sliceMs);
    const at = index % this.ring.length;
    const slot = this.ring[at];
    if (slot && slot.index === index) return slot.value;
    const fresh = { index, value: this.create() };
    this.ring[at] = fresh;
    return fresh.value;
  }

  /** Values of the slices inside the window, oldest first. */
  values(): T[] {
    const newest = Math.floor(this.now() / this.sliceMs);
    const oldest = newest - this.ring.length + 1;
    return this.ring
      .filter((s): s is { index: number; value: T } => s !== undefined && s.index >= oldest && s.index <= newest)
      .sort((a, b) => a.index - b.index)
      .map((s) => s.value);
  }

  /** How much time the window covers so far (shorter right after start). */
  coveredMs(startedAt: number): number {
    return Math.min(this.windowMs, Math.max(this.sliceMs, this.now() - startedAt));
  }
}
