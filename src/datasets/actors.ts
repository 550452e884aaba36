/**
 * The people behind the events: a Zipf-ranked pool (a few heavy users, a long tail of occasional
 * ones) whose members join over the range, so later periods have new users and cohorts differ.
 */
import { ZipfIndex } from './categorical.js';
import { traitUnit } from './random.js';
import type { Rng } from './random.js';

/**
 * A random 30 % of actors (at every activity level) exist from day one; the rest join evenly over
 * the first 85 % of the range. Joining is independent of rank so it does not sharpen the Zipf head.
 */
const INITIAL_SHARE = 0.3;
const LATEST_JOIN = 0.85;
const JOIN_TRIES = 8;
const T_JOIN = 0x101;

export class ActorPool {
  readonly size: number;
  private readonly zipf: ZipfIndex;
  private readonly ids: string[];
  /** Ranks of the initial actors: the fallback when rejection sampling keeps drawing newcomers. */
  private readonly initial: Int32Array;

  /** `prefix` + a zero-padded number; numbers are shuffled so rank 0 is not `u_000001`. */
  constructor(size: number, zipfExponent: number, rng: Rng, prefix = 'u_') {
    this.size = Math.max(1, Math.floor(size));
    this.zipf = new ZipfIndex(this.size, zipfExponent);
    const initial: number[] = [];
    for (let r = 0; r < this.size; r++) if (this.joinsAt(r) === 0) initial.push(r);
    this.initial = Int32Array.from(initial.length > 0 ? initial : [0]);
    const numbers = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) numbers[i] = i + 1;
    for (let i = this.size - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const tmp = numbers[i] ?? 0;
      numbers[i] = numbers[j] ?? 0;
      numbers[j] = tmp;
    }
    this.ids = Array.from(numbers, (n) => prefix + String(n).padStart(6, '0'));
  }

  /** The fraction of the range at which an actor first appears. */
  joinsAt(rank: number): number {
    const u = traitUnit(rank, T_JOIN);
    return u < INITIAL_SHARE ? 0 : ((u - INITIAL_SHARE) / (1 - INITIAL_SHARE)) * LATEST_JOIN;
  }

  /** A rank (0 = most active) of an actor who has joined by `fraction` of the range. */
  pick(rng: Rng, fraction: number): number {
    for (let i = 0; i < JOIN_TRIES; i++) {
      const r = this.zipf.index(rng);
      if (this.joinsAt(r) <= fraction) return r;
    }
    return this.initial[rng.int(this.initial.length)] ?? 0;
  }

  id(rank: number): string {
    return this.ids[rank] ?? this.ids[0] ?? 'u_000001';
  }

  /** A stable uniform trait of an actor (preferred course, plan, currency…), one salt per trait. */
  trait(rank: number, salt: number): number {
    return traitUnit(rank, salt);
  }
}
