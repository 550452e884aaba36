/**
 * `npm run bench:views`: the dashboard views that must stay interactive on large data — summary,
 * leaderboard and per-actor insights — over the 10M-event file of `bench:query` (built the same
 * way when missing). Each view is called as its route calls it (view function, no HTTP, no
 * cache: there is none in front of the engine, so every run is uncached). Target: p50 < 250 ms.
 */
import os from 'node:os';
import { join } from 'node:path';
import { QueryEngine } from '../src/engine/query-engine.js';
import type { ViewContext } from '../src/engine/views/context.js';
import { insights } from '../src/engine/views/insights.js';
import { leaderboard } from '../src/engine/views/leaderboard.js';
import { summary } from '../src/engine/views/summary.js';
import { defaultModelPaths, loadCatalog } from '../src/model/load.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { int, ms, progress, seconds } from './lib/format.js';
import { machineInfo, machineMarkdown, warnIfBusy } from './lib/machine.js';
import { markdownTable, replaceSection } from './lib/markdown.js';
import { DATA_DIR } from './lib/paths.js';
import { DAYS, END, ORG, ensureQueryDataset } from './lib/query-dataset.js';
import { summarize } from './lib/stats.js';
import type { Summary } from './lib/stats.js';

const DB = join(DATA_DIR, 'bench-10m.duckdb');
const THREADS = os.availableParallelism();
const WARMUP = 3;
const MEASURED = 20;
const TARGET_MS = 250;

interface Case {
  name: string;
  run: () => Promise<unknown>;
}

interface Row {
  name: string;
  stats: Summary;
  /** Process CPU time per run (all DuckDB threads and JS), ms. */
  cpu: Summary;
}

/**
 * Wall time and CPU time per run. On a machine shared with other work, wall time mostly measures
 * the queue for a core; CPU time / threads is what the same run takes on an idle machine when
 * DuckDB keeps its threads busy, so both are reported.
 */
async function measure(c: Case): Promise<Row> {
  for (let i = 0; i < WARMUP; i++) await c.run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < MEASURED; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await c.run();
    wall.push(performance.now() - t0);
    const used = process.cpuUsage(c0);
    cpu.push((used.user + used.system) / 1000);
  }
  return { name: c.name, stats: summarize(wall), cpu: summarize(cpu) };
}

/** A typical participant: the actor in the middle of the 30-day ranking of `metric`. */
async function medianActor(ctx: ViewContext, metric: string): Promise<string> {
  const top = await leaderboard(ctx, { metric, range: '30d', limit: 1 }, null);
  const half = Math.max(0, Math.floor(top.participants / 2) - 1);
  const mid = await leaderboard(ctx, { metric, range: '30d', limit: 1, offset: half }, null);
  const actor = mid.entries[0]?.actor;
  if (actor === undefined) throw new Error(`no participants for ${metric}`);
  return actor;
}

function cases(ctx: ViewContext, learner: string, customer: string, shopper: string): Case[] {
  return [
    { name: 'summary — learning KPIs, 7d vs previous, daily sparklines', run: () => summary(ctx, { range: '7d' }) },
    { name: 'summary — commerce KPIs, 30d vs previous, daily sparklines', run: () => summary(ctx, { model: 'commerce', range: '30d' }) },
    { name: 'summary — support KPIs, 7d, Europe/Berlin', run: () => summary(ctx, { model: 'support', range: '7d', timezone: 'Europe/Berlin' }) },
    { name: 'leaderboard — xp_earned, 7d, top 10 + me', run: () => leaderboard(ctx, { range: '7d', limit: 10 }, learner) },
    { name: 'leaderboard — revenue, 30d, top 100 + me', run: () => leaderboard(ctx, { model: 'commerce', range: '30d', limit: 100 }, shopper) },
    { name: 'insights — a median learner, 30d', run: () => insights(ctx, learner, { range: '30d' }) },
    { name: 'insights — a median support customer, 30d, Europe/Berlin', run: () => insights(ctx, customer, { model: 'support', range: '30d', timezone: 'Europe/Berlin' }) },
  ];
}

function table(rows: readonly Row[]): string {
  return markdownTable(
    ['view', 'wall p50', 'wall p95', 'CPU p50', `CPU p50 / ${THREADS} threads`, `wall p50 < ${TARGET_MS} ms?`],
    rows.map((r) => [
      r.name,
      ms(r.stats.p50),
      ms(r.stats.p95),
      ms(r.cpu.p50),
      ms(r.cpu.p50 / THREADS),
      r.stats.p50 < TARGET_MS ? 'yes' : `**no**${r.cpu.p50 / THREADS < TARGET_MS ? ' (CPU estimate under target)' : ''}`,
    ]),
    ['l', 'r', 'r', 'r', 'r', 'l'],
  );
}

function markdown(rows: readonly Row[], actors: string): string {
  return [
    '## Dashboard views (summary, leaderboard, insights)',
    '',
    machineMarkdown(machineInfo()),
    '',
    `Dataset: the 10M-event file of \`bench:query\` (org "${ORG}", ${DAYS} days ending ${new Date(END).toISOString().slice(0, 10)}; ` +
      'rows in time order, as time-ordered ingest leaves them, so zone maps skip row groups outside a window).',
    '',
    `Method: each view function is called as its route calls it (\`src/engine/views/*\`: parameter checks, ` +
      `their statements and shaping; no HTTP and no cache, so every run is uncached), ` +
      `${WARMUP} warm-up + ${MEASURED} measured sequential runs per case, DuckDB threads=${THREADS}, engine clock = dataset end. ` +
      `${actors} Target: p50 < ${TARGET_MS} ms. **CPU** is the process's CPU time per run (DuckDB's threads and JS). ` +
      `When other work holds a core, wall ≈ CPU (the run gets one core); CPU / threads is what the run would take on an ` +
      `idle machine if DuckDB kept every thread busy — an estimate, not a measurement.`,
    '',
    table(rows),
    '',
    'Where the time goes (CPU, measured with `EXPLAIN ANALYZE` and per-statement timings on this file):',
    '',
    '- **summary**: one statement (src/query/views/period-summary.ts). Rows are in time order, so a 7- or 30-day window ' +
      '(plus the previous one) reads only its row groups. Every KPI of the three shipped models rolls up, so the rows are ' +
      'aggregated once — per bucket of the range and once for the previous period — and the range\'s totals merge its ' +
      'buckets. Distinct actors (commerce: buyers and visitors, 117k shoppers over 2.25M page views) are counted exactly ' +
      'as bitmaps of dense integer actor keys that ingest assigns per org (`events.actor_id`); the range\'s count is the ' +
      'OR of its days\' bitmaps. A model whose KPIs do not roll up (percentiles) or whose bitmaps would pass 64 MiB gets ' +
      'GROUPING SETS per period and per bucket, with distinct counts hashed over the integer keys.',
    '- The commerce summary before this design (GROUPING SETS, distinct counts over actor strings) took 409–437 ms on ' +
      'this file: the rows were aggregated twice (per period and per day) with two hashed distinct counts of FSST-compressed ' +
      'strings, ≈ 0.30 s of CPU. Measured on 2026-11-24, same statement and file, medians of interleaved runs: integer ' +
      'keys instead of strings 458 → 344 ms; bitmaps instead of hashing, still per grouping set, 293 ms; aggregating once ' +
      'and merging bitmaps 174 ms. Ingest pays for the keys with one dictionary lookup per event in memory (new actors: ' +
      'one INSERT per batch); the file build below appends at the same rate as before (≈ 185k events/s).',
    '- **insights**: two statements — the actor\'s whole history in one scan (a string comparison on every row ' +
      'of the org, no index) and its rank (XP per actor over the range, counted rather than sorted).',
    '- **Europe/Berlin**: local buckets come from a table of 15-minute slots over the window (one ICU conversion ' +
      'per slot, `zoneSlotBuckets` in src/query/build/time-bucket.ts) that rows join on; converting every row ' +
      'instead made the Berlin summary about 3× slower.',
  ].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const info = machineInfo();
  warnIfBusy(info);
  progress(`bench:views — ${THREADS} DuckDB threads, ${WARMUP} warm-up + ${MEASURED} measured runs per case`);
  const catalog = await loadCatalog(defaultModelPaths());
  await ensureQueryDataset(DB, catalog, THREADS);
  const store = await DuckDbStore.open({ path: DB, threads: THREADS });
  const rows: Row[] = [];
  let actors: string;
  try {
    await store.migrate(catalog);
    const engine = new QueryEngine(store, catalog, { now: () => END });
    const ctx: ViewContext = { engine, org: ORG };
    const [learner, customer, shopper] = await Promise.all([
      medianActor(ctx, 'xp_earned'),
      medianActor(ctx, 'tickets'),
      medianActor(ctx, 'revenue'),
    ]);
    actors = `Actors: the median of the 30-day ranking (learner ${learner} by xp_earned, customer ${customer} by tickets, shopper ${shopper} by revenue).`;
    for (const c of cases(ctx, learner, customer, shopper)) {
      const row = await measure(c);
      progress(`  ${c.name}: wall p50 ${ms(row.stats.p50)}, p95 ${ms(row.stats.p95)}; CPU p50 ${ms(row.cpu.p50)}`);
      rows.push(row);
    }
  } finally {
    await store.close();
  }
  console.log(`\n${table(rows)}\n`);
  await replaceSection('views', markdown(rows, actors));
  progress(`wrote docs/benchmarks.md (section bench:views); ${int(rows.length)} cases in ${seconds(performance.now() - started)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
