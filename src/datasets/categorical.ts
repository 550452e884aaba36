/** Weighted choice by inverse CDF: the CDF is built once, each draw is a binary search. */
import type { Rng } from './random.js';

export class Categorical<T> {
  readonly values: readonly T[];
  private readonly cdf: Float64Array;

  constructor(values: readonly T[], weights: ArrayLike<number>) {
    if (values.length === 0 || values.length !== weights.length) {
      throw new RangeError('Categorical needs one weight per value and at least one value');
    }
    this.values = values;
    this.cdf = cumulative(weights);
  }

  /** Index for a uniform u in [0, 1): the first i whose cumulative share exceeds u. */
  indexAt(u: number): number {
    return searchCdf(this.cdf, u);
  }

  index(rng: Rng): number {
    return searchCdf(this.cdf, rng.next());
  }

  sample(rng: Rng): T {
    return this.values[searchCdf(this.cdf, rng.next())] as T;
  }

  at(u: number): T {
    return this.values[searchCdf(this.cdf, u)] as T;
  }
}

export function cumulative(weights: ArrayLike<number>): Float64Array {
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] ?? 0;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} is not a finite non-negative number`);
    sum += w;
    cdf[i] = sum;
  }
  if (sum <= 0) throw new RangeError('weights must not all be zero');
  for (let i = 0; i < cdf.length; i++) cdf[i] = (cdf[i] ?? 0) / sum;
  cdf[cdf.length - 1] = 1;
  return cdf;
}

export function searchCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cdf[mid] ?? 1) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Zipf weights 1/k^s for ranks 1..n: a few very popular items and a long tail. */
export function zipfWeights(n: number, s: number): Float64Array {
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) w[k] = 1 / Math.pow(k + 1, s);
  return w;
}

/** Zipf over indices 0..n-1 without keeping a values array (used for large actor pools). */
export class ZipfIndex {
  private readonly cdf: Float64Array;

  constructor(n: number, s: number) {
    this.cdf = cumulative(zipfWeights(n, s));
  }

  index(rng: Rng): number {
    return searchCdf(this.cdf, rng.next());
  }
}
