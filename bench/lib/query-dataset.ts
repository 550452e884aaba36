/**
 * The query benchmark's dataset: 10M events for org "bench" from the three shipped demo datasets,
 * plus a little of a second org so the tenant filter has something to exclude. Written once
 * through DuckDbStore.append (the adapter's real write path), then put in time order as
 * ingest leaves a real file (events arrive roughly when they happen; the generator draws times
 * at random), and reused while its counts and layout version match.
 */
import { existsSync } from 'node:fs';
import { generateEvents } from '../../src/datasets/index.js';
import type { DatasetName } from '../../src/datasets/index.js';
import type { Catalog } from '../../src/model/types.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { int, progress, rate, seconds } from './format.js';
import { openWhenUnlocked } from './file-lock.js';
import { removeDatabase } from './paths.js';

/** Every preset ends here (the engine runs with now = END), so results are the same on every run. */
export const END = Date.UTC(2026, 10, 20);
export const DAYS = 90;
export const ORG = 'bench';
export const NOISE_ORG = 'noise';
const BATCH = 10_000;
/** Bump when the file's layout changes, so an older file is rebuilt. 2: rows in time order; 3: actor keys assigned at ingest. */
const LAYOUT_VERSION = 3;
/** Sorting 10M rows wants more than the store's default 256MB (it would spill to disk). */
const BUILD_MEMORY = '4GB';

interface Part {
  org: string;
  dataset: DatasetName;
  events: number;
  seed: number;
}

const PARTS: readonly Part[] = [
  { org: ORG, dataset: 'learning', events: 3_400_000, seed: 1 },
  { org: ORG, dataset: 'support', events: 3_300_000, seed: 2 },
  { org: ORG, dataset: 'commerce', events: 3_300_000, seed: 3 },
  { org: NOISE_ORG, dataset: 'learning', events: 35_000, seed: 11 },
  { org: NOISE_ORG, dataset: 'support', events: 30_000, seed: 12 },
  { org: NOISE_ORG, dataset: 'commerce', events: 35_000, seed: 13 },
];

export interface DatasetReport {
  built: boolean;
  events: number;
  noiseEvents: number;
  /** Only when built now. */
  buildMs?: number;
  appendMs?: number;
}

function expectedCount(org: string): number {
  return PARTS.filter((p) => p.org === org).reduce((n, p) => n + p.events, 0);
}

async function countOf(store: DuckDbStore, org: string): Promise<number> {
  const rows = await store.query('SELECT count(*) AS n FROM events WHERE org_id = $1', [org]);
  return Number(rows[0]?.['n'] ?? 0);
}

async function layoutOf(store: DuckDbStore): Promise<number> {
  const tables = await store.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'bench_dataset'", []);
  if (Number(tables[0]?.['n']) === 0) return 1;
  return Number((await store.query('SELECT max(layout) AS v FROM bench_dataset', []))[0]?.['v'] ?? 1);
}

/** Rewrites the events table in time order (keeping its definition) and records the layout. */
async function putInTimeOrder(store: DuckDbStore): Promise<void> {
  progress('putting the events in time order (as time-ordered ingest leaves them)');
  await store.execute('CREATE TABLE events_by_time AS SELECT * FROM events ORDER BY ts', []);
  await store.execute('DELETE FROM events', []);
  await store.execute('INSERT INTO events SELECT * FROM events_by_time', []);
  await store.execute('DROP TABLE events_by_time', []);
  await store.execute('CREATE TABLE bench_dataset (layout INTEGER)', []);
  await store.execute('INSERT INTO bench_dataset VALUES ($1)', [LAYOUT_VERSION]);
  await store.execute('CHECKPOINT', []);
}

async function isComplete(path: string, catalog: Catalog, threads: number): Promise<boolean> {
  if (!existsSync(path)) return false;
  const store = await openWhenUnlocked(path, () => DuckDbStore.open({ path, threads }));
  try {
    await store.migrate(catalog);
    const [bench, noise, layout] = await Promise.all([countOf(store, ORG), countOf(store, NOISE_ORG), layoutOf(store)]);
    progress(`found ${path}: ${int(bench)} "${ORG}" + ${int(noise)} "${NOISE_ORG}" events, layout ${layout}`);
    return bench === expectedCount(ORG) && noise === expectedCount(NOISE_ORG) && layout === LAYOUT_VERSION;
  } finally {
    await store.close();
  }
}

/** Makes sure `path` holds the dataset; builds it (printing the rate) when missing or incomplete. */
export async function ensureQueryDataset(path: string, catalog: Catalog, threads: number): Promise<DatasetReport> {
  const report = { events: expectedCount(ORG), noiseEvents: expectedCount(NOISE_ORG) };
  if (await isComplete(path, catalog, threads)) return { built: false, ...report };

  await removeDatabase(path);
  const total = report.events + report.noiseEvents;
  progress(`building ${path}: ${int(total)} events through DuckDbStore.append in batches of ${int(BATCH)}`);
  const store = await DuckDbStore.open({ path, threads, memoryLimit: BUILD_MEMORY });
  const started = performance.now();
  let appendMs = 0;
  let written = 0;
  let nextReport = 1_000_000;
  try {
    await store.migrate(catalog);
    for (const part of PARTS) {
      const batches = generateEvents({ dataset: part.dataset, events: part.events, days: DAYS, end: END, seed: part.seed, batchSize: BATCH });
      for (const batch of batches) {
        const t0 = performance.now();
        const result = await store.append(part.org, batch);
        appendMs += performance.now() - t0;
        written += result.accepted;
        if (written >= nextReport) {
          const elapsed = performance.now() - started;
          progress(`  ${int(written)} / ${int(total)} events, ${seconds(elapsed)}, ${rate((written / elapsed) * 1000)} overall, ${rate((written / appendMs) * 1000)} in append`);
          nextReport += 1_000_000;
        }
      }
    }
    await putInTimeOrder(store);
  } finally {
    await store.close();
  }
  const buildMs = performance.now() - started;
  progress(
    `built ${int(written)} events in ${seconds(buildMs)}: ${rate((written / buildMs) * 1000)} including generation, ` +
      `${rate((written / appendMs) * 1000)} in DuckDbStore.append alone`,
  );
  return { built: true, ...report, buildMs, appendMs };
}
