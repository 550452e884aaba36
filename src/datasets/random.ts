/**
 * Seeded randomness for the demo generators. Math.random cannot be seeded, and the same seed must
 * give the same dataset on every machine so demos and tests are reproducible.
 */

const TWO_32 = 4294967296;

/** mulberry32: one 32-bit state, a handful of integer ops per draw; plenty for synthetic data. */
export class Rng {
  private state: number;
  private spare = Number.NaN;

  constructor(seed: number) {
    this.state = hash32(seed | 0) | 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / TWO_32;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median; sigma is the spread of its logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Number of failures before the first success, for "how many more pages/lessons" counts. */
  geometric(pStop: number, max: number): number {
    let n = 0;
    while (n < max && this.next() >= pStop) n++;
    return n;
  }
}

/** A well-mixed 32-bit hash (murmur3 finaliser): stable per-entity traits without stored arrays. */
export function hash32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform in [0, 1) derived from an entity number and a salt naming the trait. */
export function traitUnit(entity: number, salt: number): number {
  return hash32(Math.imul(entity + 1, 0x9e3779b1) ^ hash32(salt)) / TWO_32;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Rounds to 2 decimals, as amounts and hours are shown. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
