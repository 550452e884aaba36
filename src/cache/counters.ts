/** The cache's own counters (per process) behind GET /cache/stats. */

export interface CacheCounters {
  requests: number;
  memoryHits: number;
  memoryMisses: number;
  redisHits: number;
  redisMisses: number;
  /** Served past freshUntil while one refresh ran (stale-while-revalidate). */
  stale: number;
  /** Misses that joined a computation already running here. */
  coalesced: number;
  /** Misses answered by another instance's computation (Redis lock lost, then found in L2). */
  peerFills: number;
  computes: number;
  /** Computed answers not stored: invalidated while computing, uncacheable, or TTL 0. */
  unstored: number;
  bypassed: number;
  bucketHits: number;
  bucketMisses: number;
  invalidations: number;
  remoteInvalidations: number;
  memoryInvalidated: number;
  redisInvalidated: number;
  resyncs: number;
  redisErrors: number;
}

export function newCounters(): CacheCounters {
  return {
    requests: 0,
    memoryHits: 0,
    memoryMisses: 0,
    redisHits: 0,
    redisMisses: 0,
    stale: 0,
    coalesced: 0,
    peerFills: 0,
    computes: 0,
    unstored: 0,
    bypassed: 0,
    bucketHits: 0,
    bucketMisses: 0,
    invalidations: 0,
    remoteInvalidations: 0,
    memoryInvalidated: 0,
    redisInvalidated: 0,
    resyncs: 0,
    redisErrors: 0,
  };
}

/** Throttles a repeated warning to one line per interval, with how many were swallowed. */
export class Throttle {
  private last = -Infinity;
  private swallowed = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The count of suppressed calls since the last pass, or null to stay quiet now. */
  pass(): number | null {
    const t = this.now();
    if (t - this.last < this.intervalMs) {
      this.swallowed++;
      return null;
    }
    this.last = t;
    const n = this.swallowed;
    this.swallowed = 0;
    return n;
  }
}
