/**
 * `npm run bench:query`: five dashboard queries through QueryEngine.run against the same SQL run
 * directly on DuckDB, over a 10M-event file; then the idle RSS of a `tally serve`-like process.
 *
 * DuckDbStore does not expose its DuckDB instance, so the raw side gets its own instance on the
 * same file with the same settings, opened READ_ONLY: DuckDB's file lock is per process, so a
 * read-only second instance can sit beside the store's while nothing writes. That lets every
 * engine run be followed by a raw run (order flipped each iteration), so background load hits
 * both sides alike. `--phases` instead runs the sides in alternating phases, one instance at a
 * time (engine, raw, raw, engine), for when the double open is not wanted.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { QueryEngine } from '../src/engine/query-engine.js';
import { defaultModelPaths, loadCatalog } from '../src/model/load.js';
import type { Catalog } from '../src/model/types.js';
import type { CompiledSql, QueryPlan } from '../src/query/types.js';
import { DUCKDB_DEFAULTS, DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { COMPILED_CLI, compileCli } from './lib/compile.js';
import type { DashboardQuery } from './lib/dashboard-queries.js';
import { DASHBOARD_QUERIES, endingAt } from './lib/dashboard-queries.js';
import { openWhenUnlocked } from './lib/file-lock.js';
import { int, mib, ms, progress, ratio, seconds } from './lib/format.js';
import type { MachineInfo } from './lib/machine.js';
import { machineInfo, machineMarkdown, warnIfBusy } from './lib/machine.js';
import { markdownTable, replaceSection } from './lib/markdown.js';
import { DATA_DIR } from './lib/paths.js';
import type { DatasetReport } from './lib/query-dataset.js';
import { DAYS, END, ORG, ensureQueryDataset } from './lib/query-dataset.js';
import { connectUtc, openRawInstance } from './lib/raw-duckdb.js';
import { summarize } from './lib/stats.js';
import type { Summary } from './lib/stats.js';
import { adminToken, rssOf, startServe } from './lib/serve-process.js';

const DB = join(DATA_DIR, 'bench-10m.duckdb');
const THREADS = os.availableParallelism();
const WARMUP = 5;
const MEASURED = 30;
/** Slow queries get fewer runs so the whole benchmark stays within a few minutes. */
const WARMUP_BUDGET_MS = 3_000;
const MEASURE_BUDGET_MS = 12_000;
const MIN_WARMUP = 2;
const MIN_MEASURED = 5;
const RSS_TARGET = 200 * 1024 * 1024;
const SLACK_MS = 3;
const SLOPE = 1.15;

type Mode = 'interleaved' | 'phases';

interface Samples {
  engine: number[];
  raw: number[];
  engineRows: number;
  rawRows: number;
}

/** One side of the comparison: runs dashboard query i and returns how many rows it got. */
interface Side {
  name: 'engine' | 'raw';
  run(i: number): Promise<number>;
  close(): Promise<void>;
}

async function openEngineSide(catalog: Catalog, plans: QueryPlan[]): Promise<Side> {
  const store = await openWhenUnlocked(DB, () => DuckDbStore.open({ path: DB, threads: THREADS }));
  try {
    await store.migrate(catalog);
  } catch (err) {
    await store.close();
    throw err;
  }
  const engine = new QueryEngine(store, catalog, { now: () => END });
  for (const [i, q] of DASHBOARD_QUERIES.entries()) plans[i] ??= await engine.plan(q.spec, { org: ORG });
  return {
    name: 'engine',
    run: async (i) => (await engine.run((DASHBOARD_QUERIES[i] as DashboardQuery).spec, { org: ORG })).rows.length,
    close: () => store.close(),
  };
}

/** What a hand-written client does: prepare, bind, run, read every row into JS values. */
async function runRaw(conn: DuckDBConnection, statement: CompiledSql): Promise<number> {
  const prepared = await conn.prepare(statement.sql);
  try {
    prepared.bind([...statement.params]);
    const reader = await prepared.runAndReadAll();
    return reader.getRowObjectsJS().length;
  } finally {
    prepared.destroySync();
  }
}

async function openRawSide(plans: readonly QueryPlan[], readOnly: boolean): Promise<Side> {
  const instance: DuckDBInstance = await openWhenUnlocked(DB, () => openRawInstance(DB, { threads: THREADS, readOnly }));
  // Two connections: the compare query runs current and previous period concurrently, as the engine does.
  const conns = [await connectUtc(instance), await connectUtc(instance)];
  return {
    name: 'raw',
    run: async (i) => {
      const plan = plans[i] as QueryPlan;
      const statements = plan.previous ? [plan.main, plan.previous.sql] : [plan.main];
      const counts = await Promise.all(statements.map((st, k) => runRaw(conns[k] as DuckDBConnection, st)));
      return counts[0] ?? 0;
    },
    close: async () => {
      for (const conn of conns) conn.closeSync();
      instance.closeSync();
    },
  };
}

async function timed(side: Side, i: number, s: Samples): Promise<number> {
  const t0 = performance.now();
  const rows = await side.run(i);
  const elapsed = performance.now() - t0;
  if (side.name === 'engine') s.engineRows = rows;
  else s.rawRows = rows;
  return elapsed;
}

/** Warm-up: 5 runs per side (at least 2 once past 3 s); returns a typical duration. */
async function warmUp(sides: readonly Side[], i: number, s: Samples): Promise<number> {
  const last: number[] = [];
  let spent = 0;
  for (let n = 0; n < MIN_WARMUP || (n < WARMUP && spent < WARMUP_BUDGET_MS); n++) {
    for (const side of sides) {
      const t = await timed(side, i, s);
      spent += t / sides.length;
      last.push(t);
    }
  }
  return Math.max(1, summarize(last.slice(-2 * sides.length)).p50);
}

/** 30 measured runs per side (at least 10 once past ~12 s). */
function measuredRuns(typical: number, share: number): number {
  const runs = Math.min(MEASURED, Math.max(MIN_MEASURED, Math.floor(MEASURE_BUDGET_MS / typical)));
  return Math.ceil(runs * share);
}

async function interleaved(catalog: Catalog, samples: Samples[]): Promise<void> {
  const plans: QueryPlan[] = [];
  const engine = await openEngineSide(catalog, plans);
  try {
    const raw = await openRawSide(plans, true);
    try {
      for (const [i, q] of DASHBOARD_QUERIES.entries()) {
        progress(`  ${i + 1}/${DASHBOARD_QUERIES.length} ${q.name}`);
        const s = samples[i] as Samples;
        const runs = measuredRuns(await warmUp([engine, raw], i, s), 1);
        for (let n = 0; n < runs; n++) {
          const order = n % 2 === 0 ? [engine, raw] : [raw, engine];
          for (const side of order) (side.name === 'engine' ? s.engine : s.raw).push(await timed(side, i, s));
        }
      }
    } finally {
      await raw.close();
    }
  } finally {
    await engine.close();
  }
}

async function phases(catalog: Catalog, samples: Samples[]): Promise<void> {
  const plans: QueryPlan[] = [];
  // The first phase compiles the plans, so it is the engine's; then raw, raw, engine.
  for (const name of ['engine', 'raw', 'raw', 'engine'] as const) {
    progress(`  ${name} phase`);
    const side = name === 'engine' ? await openEngineSide(catalog, plans) : await openRawSide(plans, false);
    try {
      for (const i of DASHBOARD_QUERIES.keys()) {
        const s = samples[i] as Samples;
        const runs = measuredRuns(await warmUp([side], i, s), 0.5);
        for (let n = 0; n < runs; n++) (name === 'engine' ? s.engine : s.raw).push(await timed(side, i, s));
      }
    } finally {
      await side.close();
    }
  }
}

interface Row {
  query: DashboardQuery;
  engine: Summary;
  raw: Summary;
  ratio: number;
  met: boolean;
  engineRows: number;
  rawRows: number;
}

function resultRows(samples: readonly Samples[]): Row[] {
  return DASHBOARD_QUERIES.map((query, i) => {
    const s = samples[i] as Samples;
    const engine = summarize(s.engine);
    const raw = summarize(s.raw);
    return {
      query,
      engine,
      raw,
      ratio: engine.p50 / raw.p50,
      met: engine.p50 <= SLOPE * raw.p50 + SLACK_MS,
      engineRows: s.engineRows,
      rawRows: s.rawRows,
    };
  });
}

function queryTable(rows: readonly Row[]): string {
  return markdownTable(
    ['query', 'runs', 'engine p50', 'engine p95', 'raw p50', 'raw p95', 'ratio p50', 'target met?'],
    rows.map((r, i) => [
      `${i + 1}. ${r.query.name}`,
      r.engine.n === r.raw.n ? String(r.engine.n) : `${r.engine.n} / ${r.raw.n}`,
      ms(r.engine.p50),
      ms(r.engine.p95),
      ms(r.raw.p50),
      ms(r.raw.p95),
      ratio(r.ratio),
      r.met ? 'yes' : `**no** (limit ${ms(SLOPE * r.raw.p50 + SLACK_MS)})`,
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
}

// --- idle RSS ---------------------------------------------------------------------------------

/** DuckDB settings tried beside the defaults. None is settable through `tally serve` today. */
/** `tally serve` settings compared; each row is a fresh server process on the benchmark file. */
const RSS_VARIANTS: ReadonlyArray<{ label: string; env: Record<string, string> }> = [
  { label: '`tally serve`, defaults (idle trim after 10 s)', env: {} },
  { label: '`tally serve`, idle trim off (TALLY_DUCKDB_IDLE_TRIM_SECONDS=0)', env: { TALLY_DUCKDB_IDLE_TRIM_SECONDS: '0' } },
  { label: '`tally serve`, idle trim off, TALLY_DUCKDB_MEMORY_LIMIT=64MB', env: { TALLY_DUCKDB_IDLE_TRIM_SECONDS: '0', TALLY_DUCKDB_MEMORY_LIMIT: '64MB' } },
];
/** Quiet time before the "after queries" reading: the default idle trim (10 s) plus a margin. */
const IDLE_WAIT_MS = DUCKDB_DEFAULTS.idleTrimMs + 3_000;
const SERVE_SECRET = 'bench-only-secret-0123456789-0123456789';

interface RssRow {
  label: string;
  cold: number;
  warm: number;
  queryMs: number;
}

/** The real CLI: `node dist/cli/entry.js serve` on the benchmark file, queried over HTTP. */
async function serveRss(variant: (typeof RSS_VARIANTS)[number]): Promise<RssRow> {
  progress(`idle RSS: ${variant.label} (compiled CLI, plain node)`);
  const serve = await openWhenUnlocked(DB, () =>
    startServe(COMPILED_CLI, {
      TALLY_DB: DB,
      TALLY_JWT_SECRET: SERVE_SECRET,
      TALLY_EXPORT_DIR: join(DATA_DIR, 'exports'),
      NODE_ENV: 'production',
      ...variant.env,
    }),
  );
  try {
    await sleep(2000);
    const cold = await rssOf(serve.pid);
    const token = await adminToken(SERVE_SECRET, ORG);
    let queryMs = 0;
    for (const q of DASHBOARD_QUERIES) {
      const t0 = performance.now();
      const res = await fetch(`${serve.baseUrl}/api/v1/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(endingAt(q.spec, END)),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`POST /query (${q.name}) answered ${res.status}: ${text.slice(0, 300)}`);
      queryMs += performance.now() - t0;
    }
    await sleep(IDLE_WAIT_MS);
    return { label: variant.label, cold, warm: await rssOf(serve.pid), queryMs };
  } finally {
    await serve.stop();
  }
}

async function idleRss(): Promise<RssRow[]> {
  progress('idle RSS: compiling the CLI with tsc (plain node, as after `npm run build`)');
  await compileCli();
  const rows: RssRow[] = [];
  for (const variant of RSS_VARIANTS) rows.push(await serveRss(variant));
  return rows;
}

function rssTable(rows: readonly RssRow[]): string {
  const verdict = (r: RssRow): string =>
    r.cold < RSS_TARGET && r.warm < RSS_TARGET ? 'yes' : r.cold < RSS_TARGET ? 'after open only' : '**no**';
  return markdownTable(
    ['process and settings', 'RSS after open', 'RSS after queries and idle', '5 queries, first run each', '< 200 MB?'],
    rows.map((r) => [r.label, mib(r.cold), mib(r.warm), ms(r.queryMs), verdict(r)]),
    ['l', 'r', 'r', 'r', 'l'],
  );
}

// --- report -----------------------------------------------------------------------------------

function datasetLine(d: DatasetReport): string {
  const build =
    d.built && d.buildMs !== undefined && d.appendMs !== undefined
      ? ` Built in this run in ${seconds(d.buildMs)}: ${int(((d.events + d.noiseEvents) / d.buildMs) * 1000)} events/s including generation, ` +
        `${int(((d.events + d.noiseEvents) / d.appendMs) * 1000)} events/s in DuckDbStore.append (10k-event batches).`
      : ' Reused from an earlier run.';
  return (
    `Dataset: \`bench/.data/bench-10m.duckdb\`, ${int(d.events)} events for org "${ORG}" (learning 3.4M, support 3.3M, ` +
    `commerce 3.3M over ${DAYS} days ending ${new Date(END).toISOString().slice(0, 10)}) plus ${int(d.noiseEvents)} for org "noise".` +
    build
  );
}

function methodText(mode: Mode): string {
  const how =
    mode === 'interleaved'
      ? `Engine and raw runs alternate (order flipped every iteration) on two instances of the same file with the same ` +
        `settings (threads=${THREADS}, DuckDbStore's config map; the raw one opened READ_ONLY beside the store's). `
      : `Run with \`--phases\`: the sides run in phases (engine, raw, raw, engine), each on a freshly opened instance ` +
        `with the same settings (threads=${THREADS}, DuckDbStore's config map) and its own warm-up. `;
  return (
    `Method: ${WARMUP} warm-up + ${MEASURED} measured runs per query per side; a query slower than ` +
    `~${MEASURE_BUDGET_MS / MEASURED} ms gets fewer (≥ ${MIN_WARMUP} warm-up, ≥ ${MIN_MEASURED} measured; column "runs"). ` +
    how +
    `Engine = \`QueryEngine.run\` (compile, pooled connection, row conversion, shaping). Raw = the SQL and params from ` +
    `\`engine.plan()\` on a bare \`DuckDBConnection\`: prepare, bind, run, \`getRowObjectsJS()\`. The compare query runs ` +
    `both periods concurrently on both sides. Target: engine p50 ≤ ${SLOPE} × raw p50 + ${SLACK_MS} ms.`
  );
}

function markdown(machine: MachineInfo, mode: Mode, d: DatasetReport, rows: readonly Row[], rss: readonly RssRow[]): string {
  return [
    '## Query engine vs raw DuckDB',
    '',
    machineMarkdown(machine),
    '',
    datasetLine(d),
    'Rows are in time order, as ingest leaves a real file (events arrive about when they happen), so DuckDB\'s zone maps skip the row groups outside a query\'s window.',
    '',
    methodText(mode),
    '',
    queryTable(rows),
    '',
    '### Idle RSS',
    '',
    'Each row is the real `tally serve` (the CLI compiled with tsc into `bench/.data/dist`, plain node, ' +
      '`NODE_ENV=production`, logger on) on the 10M-event file, a fresh process per row; RSS from `/proc` 2 s after ' +
      'it answers `/health/live` ("after open"), then after the five queries over HTTP (each once, fixed windows ' +
      `ending at the dataset end) and ${IDLE_WAIT_MS / 1000} s without requests ("after queries and idle"). The idle ` +
      'trim (src/store/duckdb/idle-trim.ts) checkpoints and briefly lowers DuckDB\'s memory limit once the store has ' +
      'been quiet for 10 s, which evicts cached blocks and hands freed query memory back to the OS. Query times are ' +
      'single first runs: a rough guide to what a setting costs.',
    '',
    rssTable(rss),
  ].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const mode: Mode = process.argv.includes('--phases') ? 'phases' : 'interleaved';
  const machine = machineInfo();
  warnIfBusy(machine);
  progress(`bench:query — ${THREADS} DuckDB threads, ${WARMUP} warm-up + ${MEASURED} measured runs per query per side`);
  const catalog = await loadCatalog(defaultModelPaths());
  const dataset = await ensureQueryDataset(DB, catalog, THREADS);

  const samples: Samples[] = DASHBOARD_QUERIES.map(() => ({ engine: [], raw: [], engineRows: 0, rawRows: 0 }));
  progress(`measuring (${mode})`);
  // --rss-only (with --no-write) is for working on the RSS part without the long query runs.
  if (!process.argv.includes('--rss-only')) {
    if (mode === 'interleaved') await interleaved(catalog, samples);
    else await phases(catalog, samples);
  }
  const rows = resultRows(samples);
  for (const r of rows) {
    progress(`  ${r.query.name}: engine p50 ${ms(r.engine.p50)}, raw p50 ${ms(r.raw.p50)} (${r.engineRows} / ${r.rawRows} rows)`);
  }
  console.log(`\n${queryTable(rows)}\n`);

  const rss = await idleRss();
  console.log(`\n${rssTable(rss)}\n`);
  if (process.argv.includes('--no-write')) return;

  await replaceSection('query', markdown(machine, mode, dataset, rows, rss));
  progress(`wrote docs/benchmarks.md (section bench:query); total ${seconds(performance.now() - started)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
