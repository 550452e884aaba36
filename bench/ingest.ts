/**
 * `npm run bench:ingest`: NDJSON over HTTP into a real Tally server (without and with idempotency
 * ids) against a bare DuckDB Appender writing the same events into the same table layout.
 * When HTTP misses a target (or with --profile) it also reports where a request's time goes:
 * the server's steps timed one by one, and a CPU profile of the server during a real HTTP run.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { IngestKeys } from '../src/auth/ingest-keys.js';
import { QueryEngine } from '../src/engine/query-engine.js';
import { IngestService } from '../src/ingest/ingest-service.js';
import { defaultModelPaths, loadCatalog } from '../src/model/load.js';
import type { Catalog } from '../src/model/types.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import type { ProfileSummary } from './lib/cpu-profile.js';
import { CpuProfiler } from './lib/cpu-profile.js';
import { int, ms, progress, rate, ratio, seconds } from './lib/format.js';
import { runWorker } from './lib/fork.js';
import { BATCH_EVENTS, ingestBatches, toNdjson } from './lib/ingest-events.js';
import type { PhaseTimes } from './lib/ingest-phases.js';
import { appendSteps, serverSteps } from './lib/ingest-phases.js';
import type { MachineInfo } from './lib/machine.js';
import { machineInfo, machineMarkdown, warnIfBusy } from './lib/machine.js';
import { markdownTable, replaceSection } from './lib/markdown.js';
import { fsyncMs } from './lib/disk.js';
import { DATA_DIR, removeDatabase } from './lib/paths.js';
import type { RawAppendResult } from './lib/raw-appender.js';
import { APPEND_METHODS, rawAppend } from './lib/raw-appender.js';
import type { ClientRequest, ClientResult } from './workers/ingest-client.js';

const ORG = 'bench';
const REQUESTS = Number(process.env['BENCH_INGEST_REQUESTS'] ?? 2000);
const WARMUP = 30;
const CONCURRENCY = 6;
const PROFILE_REQUESTS = 300;
const PHASE_REQUESTS = 100;
const PHASE_WARMUP = 10;
const TARGET_RATIO = 0.3;
const TARGET_RATE = 100_000;
/** Presets and validation are relative to now; whole minutes keep client and server batches identical. */
const END = Math.floor(Date.now() / 60_000) * 60_000;

interface Server {
  app: FastifyInstance;
  store: DuckDbStore;
  url: string;
  key: string;
}

async function startServer(path: string, catalog: Catalog): Promise<Server> {
  await removeDatabase(path);
  const store = await DuckDbStore.open({ path });
  await store.migrate(catalog);
  const engine = new QueryEngine(store, catalog);
  const ingest = new IngestService(store, catalog, { maxBatchEvents: 10_000 });
  const keys = new IngestKeys(store);
  const app = await buildApp({ store, engine, ingest, keys, jwt: null, bodyLimitBytes: 10 * 1024 * 1024, logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const key = (await keys.create(ORG, 'bench')).key;
  return { app, store, url: `${address}/api/v1/events`, key };
}

async function stopServer(server: Server): Promise<void> {
  await server.app.close();
  await server.store.close();
}

interface HttpRun {
  label: string;
  withIds: boolean;
  client: ClientResult;
  eventsPerSecond: number;
  stored: number;
  /** Server process CPU (all threads) per 1,000 events, over the client's whole life (warm-up included). */
  cpuMsPer1k: number;
  /** Share of the run the server's event loop was busy. */
  loopBusy: number;
  profile?: ProfileSummary;
}

async function httpRun(label: string, withIds: boolean, requests: number, profile: boolean, catalog: Catalog): Promise<HttpRun> {
  const file = join(DATA_DIR, `ingest-http-${withIds ? 'ids' : 'plain'}${profile ? '-profile' : ''}.duckdb`);
  const server = await startServer(file, catalog);
  try {
    progress(`HTTP ${label}: ${int(requests)} requests × ${int(BATCH_EVENTS)} events, concurrency ${CONCURRENCY} (+${WARMUP} warm-up requests)`);
    const profiler = profile ? new CpuProfiler() : null;
    await profiler?.start();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const request: ClientRequest = { url: server.url, key: server.key, withIds, requests, warmup: WARMUP, concurrency: CONCURRENCY, end: END };
    const client = await runWorker<ClientResult>(new URL('./workers/ingest-client.ts', import.meta.url), request);
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const summary = await profiler?.stop();
    const rows = await server.store.query('SELECT count(*) AS n FROM events WHERE org_id = $1', [ORG]);
    const stored = Number(rows[0]?.['n'] ?? 0);
    const expected = (requests + WARMUP) * BATCH_EVENTS;
    if (stored !== expected) throw new Error(`HTTP ${label}: ${stored} events stored, expected ${expected}`);
    if (client.accepted !== client.events) throw new Error(`HTTP ${label}: ${client.accepted} of ${client.events} accepted`);
    const run: HttpRun = {
      label,
      withIds,
      client,
      eventsPerSecond: (client.events / client.elapsedMs) * 1000,
      stored,
      cpuMsPer1k: ((cpu.user + cpu.system) / 1000 / expected) * 1000,
      loopBusy: elu.utilization,
      ...(summary ? { profile: summary } : {}),
    };
    progress(`  ${rate(run.eventsPerSecond)} (${seconds(client.elapsedMs)}, request p50 ${ms(client.latency.p50)}, p95 ${ms(client.latency.p95)})`);
    return run;
  } finally {
    await stopServer(server);
  }
}

async function rawRuns(catalog: Catalog): Promise<RawAppendResult[]> {
  const distinct = ingestBatches(END);
  const batches = Array.from({ length: WARMUP + REQUESTS }, (_, i) => distinct[i % distinct.length] ?? []);
  const results: RawAppendResult[] = [];
  for (const method of APPEND_METHODS) {
    progress(`raw Appender (${method}): ${int(REQUESTS)} batches × ${int(BATCH_EVENTS)} events, flush per batch (+${WARMUP} warm-up)`);
    const r = await rawAppend(join(DATA_DIR, 'ingest-raw.duckdb'), catalog, ORG, batches, WARMUP, method);
    progress(`  ${rate((r.events / r.elapsedMs) * 1000)} (${seconds(r.elapsedMs)})`);
    results.push(r);
  }
  await removeDatabase(join(DATA_DIR, 'ingest-raw.duckdb'));
  return results;
}

interface Phases {
  server: { plain: PhaseTimes; ids: PhaseTimes };
  append: { plain: PhaseTimes; ids: PhaseTimes };
}

async function phases(catalog: Catalog): Promise<Phases> {
  const distinct = ingestBatches(END);
  const count = PHASE_WARMUP + PHASE_REQUESTS;
  const plain = Array.from({ length: count }, (_, i) => toNdjson(distinct[i % distinct.length] ?? [], false));
  const ids = Array.from({ length: count }, (_, i) => toNdjson(distinct[i % distinct.length] ?? [], true));
  const file = join(DATA_DIR, 'ingest-phases.duckdb');
  progress(`phases: ${PHASE_REQUESTS} requests one at a time, no HTTP (parse, validate, append; then append step by step)`);
  const result: Phases = {
    server: { plain: await serverSteps(file, catalog, ORG, plain, PHASE_WARMUP), ids: await serverSteps(file, catalog, ORG, ids, PHASE_WARMUP) },
    append: { plain: await appendSteps(file, catalog, ORG, plain, PHASE_WARMUP), ids: await appendSteps(file, catalog, ORG, ids, PHASE_WARMUP) },
  };
  await removeDatabase(file);
  return result;
}

// --- report -----------------------------------------------------------------------------------

function best(raw: readonly RawAppendResult[]): RawAppendResult {
  return raw.reduce((a, b) => (b.events / b.elapsedMs > a.events / a.elapsedMs ? b : a));
}

function rawRate(r: RawAppendResult): number {
  return (r.events / r.elapsedMs) * 1000;
}

function resultTable(http: readonly HttpRun[], raw: readonly RawAppendResult[]): string {
  const baseline = rawRate(best(raw));
  const rows = http.map((h) => {
    const met = h.eventsPerSecond >= TARGET_RATIO * baseline && h.eventsPerSecond >= TARGET_RATE;
    return [
      `HTTP POST /events, ${h.label}`,
      int(h.client.events),
      seconds(h.client.elapsedMs),
      int(h.eventsPerSecond),
      ratio(h.eventsPerSecond / baseline),
      `${ms(h.client.latency.p50)} / ${ms(h.client.latency.p95)}`,
      `${ms(h.cpuMsPer1k)}, loop ${(h.loopBusy * 100).toFixed(0)} % busy`,
      met ? 'yes' : '**no**',
    ];
  });
  for (const r of raw) {
    rows.push([
      `raw Appender, ${r.method}${r === best(raw) ? ' (baseline)' : ''}`,
      int(r.events),
      seconds(r.elapsedMs),
      int(rawRate(r)),
      ratio(rawRate(r) / baseline),
      '',
      '',
      '',
    ]);
  }
  return markdownTable(
    ['path', 'events', 'time', 'events/s', '× raw', 'request p50 / p95', 'server CPU per 1k events', `≥ ${TARGET_RATIO} × raw and ≥ ${int(TARGET_RATE)}/s?`],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
}

function phaseTable(p: Phases): string {
  const rows: string[][] = [];
  const add = (group: string, plain: PhaseTimes, ids: PhaseTimes): void => {
    const names = [...new Set([...plain.steps.map((s) => s.name), ...ids.steps.map((s) => s.name)])];
    const plainTotal = plain.steps.reduce((a, s) => a + s.ms, 0);
    const idsTotal = ids.steps.reduce((a, s) => a + s.ms, 0);
    for (const name of names) {
      const a = plain.steps.find((s) => s.name === name)?.ms;
      const b = ids.steps.find((s) => s.name === name)?.ms;
      rows.push([group, name, a === undefined ? '–' : ms(a), b === undefined ? '–' : ms(b)]);
    }
    rows.push([group, '**total**', `**${ms(plainTotal)}** (${int((BATCH_EVENTS / plainTotal) * 1000)} ev/s)`, `**${ms(idsTotal)}** (${int((BATCH_EVENTS / idsTotal) * 1000)} ev/s)`]);
  };
  add('server steps (src functions)', p.server.plain, p.server.ids);
  add('inside append (replica of EventWriter)', p.append.plain, p.append.ids);
  return markdownTable(['', 'step', 'no ids, ms per 1k-event request', 'with ids, ms per 1k-event request'], rows, ['l', 'l', 'r', 'r']);
}

function profileTables(run: HttpRun): string {
  const profile = run.profile;
  if (!profile) return '';
  const table = (title: string, entries: ProfileSummary['byFile']): string =>
    markdownTable([title, 'self time', 'share'], entries.map((e) => [`\`${e.name}\``, ms(e.selfMs), `${(e.share * 100).toFixed(1)} %`]), ['l', 'r', 'r']);
  return [
    `CPU profile of the server's main thread during a separate HTTP run (${run.label}, ${int(run.client.events)} events, ` +
      `${rate(run.eventsPerSecond)} with the profiler on; ${ms(profile.totalMs)} of non-idle samples). Native calls made ` +
      'synchronously from JS (Appender flush, data chunk fill) count as the calling JS function.',
    '',
    table('by file', profile.byFile),
    '',
    table('by function', profile.byFunction),
  ].join('\n');
}

function markdown(machine: MachineInfo, fsync: number, http: readonly HttpRun[], raw: readonly RawAppendResult[], p: Phases | null, profiled: HttpRun | null): string {
  const parts = [
    '## Ingest: HTTP vs raw Appender',
    '',
    machineMarkdown(machine),
    `- Disk: a 64 KiB write + fsync in \`bench/.data\` takes ${ms(fsync)} (p50), the floor under each COMMIT`,
    '',
    `Method: a real Tally server (\`buildApp\`, fresh DuckDB file per run, logger off) listens on 127.0.0.1; a client in ` +
      `a separate process pre-builds NDJSON bodies of ${int(BATCH_EVENTS)} events (learning, support and commerce demo ` +
      `events as API event JSON) and POSTs them with \`fetch\` at concurrency ${CONCURRENCY}: ${WARMUP} warm-up requests, ` +
      `then ${int(REQUESTS)} timed from the first send to the last 200. "with ids": every event carries a fresh UUID ` +
      `idempotency key. Raw: a bare \`DuckDBAppender\` on a fresh file with the same events table (created by ` +
      `\`DuckDbStore.migrate\`), the same events in batches of ${int(BATCH_EVENTS)}, \`flushSync()\` per batch ` +
      `(autocommit), no HTTP, validation, explicit transaction or ids. "server CPU" is the server process's CPU time ` +
      `(all threads) per 1,000 events; "loop busy" its event-loop utilisation during the run.`,
    '',
    resultTable(http, raw),
  ];
  if (p) parts.push('', '### Where the time goes', '', phaseTable(p));
  if (profiled) parts.push('', profileTables(profiled));
  return parts.join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const forceProfile = process.argv.includes('--profile');
  const machine = machineInfo();
  warnIfBusy(machine);
  const catalog = await loadCatalog(defaultModelPaths());
  await mkdir(DATA_DIR, { recursive: true });
  const fsync = fsyncMs(DATA_DIR);
  progress(`disk: 64 KiB write + fsync p50 ${ms(fsync)}`);

  const http = [await httpRun('no ids', false, REQUESTS, false, catalog), await httpRun('with ids', true, REQUESTS, false, catalog)];
  const raw = await rawRuns(catalog);
  const baseline = rawRate(best(raw));
  const missed = http.some((h) => h.eventsPerSecond < TARGET_RATIO * baseline || h.eventsPerSecond < TARGET_RATE);

  let p: Phases | null = null;
  let profiled: HttpRun | null = null;
  if (missed || forceProfile) {
    progress(missed ? 'a target was missed: measuring where the time goes' : '--profile: measuring where the time goes');
    p = await phases(catalog);
    profiled = await httpRun('no ids, profiled', false, PROFILE_REQUESTS, true, catalog);
  }
  for (const file of ['ingest-http-plain', 'ingest-http-ids', 'ingest-http-plain-profile']) await removeDatabase(join(DATA_DIR, `${file}.duckdb`));

  console.log(`\n${resultTable(http, raw)}\n`);
  if (p) console.log(`${phaseTable(p)}\n`);
  if (profiled) console.log(`${profileTables(profiled)}\n`);
  await replaceSection('ingest', markdown(machine, fsync, http, raw, p, profiled));
  progress(`wrote docs/benchmarks.md (section bench:ingest); total ${seconds(performance.now() - started)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
