/**
 * The live-ingest experiment of bench/cache.ts: 200 events/s arrive (20 every 100 ms) while
 * viewers poll the summary dashboard; counts how many dashboard reads the cache answered.
 */
import { summarize } from './stats.js';
import type { Summary } from './stats.js';
import { startServer } from './cache-load.js';

export interface LiveOptions {
  /** default: the shipped settings (summary answers stale ≤ 5 s while refreshing); strict: TALLY_CACHE_SWRS=summary=0. */
  mode: 'default' | 'strict';
  seconds: number;
  events: number;
  days: number;
  viewers?: number;
  pollMs?: number;
}

export interface LiveResult {
  mode: string;
  seconds: number;
  reads: number;
  hits: number;
  stale: number;
  hitRate: number;
  latency: Summary;
  events: number;
  bucketHitRate: number | null;
  computes: number;
}

const EVENT_NAMES = ['product.viewed', 'cart.added', 'checkout.started', 'payment.completed', 'payment.failed'];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function batch(n: number): string {
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const event = EVENT_NAMES[i % EVENT_NAMES.length] as string;
    const props = event.startsWith('payment') ? { amount: 10 + (i % 90), currency: 'EUR', channel: 'web', product: 'Course bundle' } : { product: 'Course bundle', channel: 'web' };
    lines.push(JSON.stringify({ event, timestamp: new Date(now - (i % 5) * 1000).toISOString(), actor: `live_${i % 500}`, props }));
  }
  return lines.join('\n');
}

export async function liveIngestExperiment(options: LiveOptions): Promise<LiveResult> {
  const viewers = options.viewers ?? 20;
  const pollMs = options.pollMs ?? 2000;
  const server = await startServer({
    kind: 'tally',
    events: options.events,
    days: options.days,
    redisUrl: null,
    cache: options.mode === 'strict' ? { swrs: { summary: 0 } } : {},
  });
  const { url, token, key } = server.info;
  const read = async (): Promise<{ hit: boolean; stale: boolean; ms: number }> => {
    const t0 = performance.now();
    const res = await fetch(`${url}/api/v1/dashboard/summary?range=30d&model=commerce`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`summary answered ${res.status}`);
    const cache = res.headers.get('x-cache') ?? 'miss';
    return { hit: cache.startsWith('hit'), stale: cache.includes('stale'), ms: performance.now() - t0 };
  };
  try {
    await read(); // the first, cold read is not part of the experiment
    const before = await server.stats();
    const deadline = Date.now() + options.seconds * 1000;
    let events = 0;
    const ingestLoop = async (): Promise<void> => {
      for (let next = Date.now(); next < deadline; next += 100) {
        const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body: batch(20) });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
        events += 20;
        await sleep(Math.max(0, next + 100 - Date.now()));
      }
    };
    const samples: Array<{ hit: boolean; stale: boolean; ms: number }> = [];
    const viewer = async (i: number): Promise<void> => {
      await sleep((pollMs / viewers) * i); // spread the viewers over the polling interval
      while (Date.now() < deadline) {
        const t0 = Date.now();
        samples.push(await read());
        await sleep(Math.max(0, pollMs - (Date.now() - t0)));
      }
    };
    await Promise.all([ingestLoop(), ...Array.from({ length: viewers }, (_, i) => viewer(i))]);
    const after = await server.stats();
    const bucketHits = (after?.buckets.hits ?? 0) - (before?.buckets.hits ?? 0);
    const bucketMisses = (after?.buckets.misses ?? 0) - (before?.buckets.misses ?? 0);
    const hits = samples.filter((s) => s.hit).length;
    return {
      mode: options.mode,
      seconds: options.seconds,
      reads: samples.length,
      hits,
      stale: samples.filter((s) => s.stale).length,
      hitRate: hits / Math.max(1, samples.length),
      latency: summarize(samples.map((s) => s.ms)),
      events,
      bucketHitRate: bucketHits + bucketMisses === 0 ? null : bucketHits / (bucketHits + bucketMisses),
      computes: (after?.computes ?? 0) - (before?.computes ?? 0),
    };
  } finally {
    await server.stop();
  }
}
