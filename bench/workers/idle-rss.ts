/**
 * Child process for the idle-RSS settings comparison (bench/query.ts runs it compiled, on plain
 * node with --expose-gc): opens the benchmark file through DuckDbStore.open with the DuckDB
 * settings under test, serves a minimal app, idles, and reports its RSS before and after running
 * the dashboard queries once. `tally serve` itself cannot pass these settings, so its own RSS is
 * measured separately (bench/lib/serve-process.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../../src/app.js';
import { IngestKeys } from '../../src/auth/ingest-keys.js';
import { QueryEngine } from '../../src/engine/query-engine.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { defaultModelPaths, loadCatalog } from '../../src/model/load.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import type { Store } from '../../src/store/port.js';
import { DASHBOARD_QUERIES } from '../lib/dashboard-queries.js';
import { openWhenUnlocked } from '../lib/file-lock.js';
import { END, ORG } from '../lib/query-dataset.js';

export interface IdleRssRequest {
  db: string;
  label: string;
  threads?: number;
  memoryLimit?: string;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  /** DuckDB's own accounting (duckdb_memory()): buffer pool and friends. */
  duckdb: number;
}

export interface IdleRssResult {
  label: string;
  cold: MemorySample;
  warm: MemorySample;
  /** Per dashboard query: the duration in ms of its first run in this process. */
  queryMs: number[];
}

async function sample(store: Store): Promise<MemorySample> {
  await sleep(2000);
  const gc = globalThis.gc;
  if (gc) {
    gc();
    gc();
  }
  await sleep(250);
  const rows = await store.query('SELECT sum(memory_usage_bytes) AS b FROM duckdb_memory()', []);
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, duckdb: Number(rows[0]?.['b'] ?? 0) };
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as IdleRssRequest;
  const catalog = await loadCatalog(defaultModelPaths());
  const store = await openWhenUnlocked(request.db, () =>
    DuckDbStore.open({ path: request.db, threads: request.threads, memoryLimit: request.memoryLimit }),
  );
  await store.migrate(catalog);
  const engine = new QueryEngine(store, catalog, { now: () => END });
  const ingest = new IngestService(store, catalog, { maxBatchEvents: 10_000 });
  const keys = new IngestKeys(store);
  const app = await buildApp({ store, engine, ingest, keys, jwt: null, bodyLimitBytes: 10 * 1024 * 1024, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const cold = await sample(store);
  const queryMs: number[] = [];
  for (const q of DASHBOARD_QUERIES) {
    const t0 = performance.now();
    await engine.run(q.spec, { org: ORG });
    queryMs.push(performance.now() - t0);
  }
  const warm = await sample(store);
  await app.close();
  await store.close();
  const result: IdleRssResult = { label: request.label, cold, warm, queryMs };
  // Disconnecting once the message is out lets the child exit on its own.
  if (process.send) process.send(result, undefined, {}, () => process.disconnect());
  else console.log(JSON.stringify(result));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
