/**
 * The `received_at` of each appended group: the wall clock, but strictly later than the previous
 * group's, so two groups committed within one millisecond, or after the clock was set back, still
 * keep their arrival order. The activity feed pages events of one timestamp in arrival order and
 * counts how many it served; a later group that sorted before an earlier one would shift that count.
 */
export class ArrivalClock {
  private last = 0;

  constructor(private readonly now: () => number = Date.now) {}

  next(): number {
    this.last = Math.max(this.now(), this.last + 1);
    return this.last;
  }
}
