/**
 * The recent invalidations, numbered. A computation remembers the number when it starts; before
 * storing its answer it asks whether a matching invalidation came in meanwhile. Without this, an
 * answer read before an ingest committed could be stored after that ingest's invalidation ran
 * and be served, stale, until its TTL.
 */
import type { EntryTags, InvalidationRule } from './tags.js';
import { matches } from './tags.js';

export class InvalidationLog {
  private readonly rules: InvalidationRule[] = [];
  /** Sequence number of rules[0]. */
  private first = 1;
  private next = 1;

  constructor(private readonly capacity = 4096) {}

  /** The number a computation starting now remembers. */
  get mark(): number {
    return this.next;
  }

  push(rule: InvalidationRule): void {
    this.rules.push(rule);
    this.next++;
    if (this.rules.length > this.capacity) {
      this.rules.splice(0, this.rules.length - this.capacity);
      this.first = this.next - this.rules.length;
    }
  }

  /** True when an invalidation since `mark` matches `tags`, or when the log no longer reaches back that far. */
  stale(mark: number, tags: EntryTags): boolean {
    if (mark >= this.next) return false;
    if (mark < this.first) return true;
    for (let i = mark - this.first; i < this.rules.length; i++) {
      if (matches(tags, this.rules[i] as InvalidationRule)) return true;
    }
    return false;
  }
}
