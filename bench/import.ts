/**
 * `npm run bench:import`: `tally import` of an NDJSON file (plain and gzip) into a fresh DuckDB
 * file, against DuckDB's own NDJSON reader loading the same file into a table in the same run.
 * The import is what `tally import` runs (importEvents with the store, the ingest service and
 * the file source), minus process start-up; the peer does no validation, no prop typing against
 * a model, no dedupe and no all-or-nothing check pass, on DuckDB's threads.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { fileSource } from '../src/cli/import.js';
import { importEvents, orgTarget } from '../src/ingest/import/import-events.js';
import { IngestService } from '../src/ingest/ingest-service.js';
import { defaultModelPaths, loadCatalog } from '../src/model/load.js';
import type { Catalog } from '../src/model/types.js';
import { DUCKDB_DEFAULTS, DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { int, mib, progress, rate, ratio, seconds } from './lib/format.js';
import { ingestBatches, toNdjson } from './lib/ingest-events.js';
import { machineInfo, machineMarkdown, warnIfBusy } from './lib/machine.js';
import { markdownTable, replaceSection } from './lib/markdown.js';
import { DATA_DIR, removeDatabase } from './lib/paths.js';

const ORG = 'bench';
/** The 300,000 distinct benchmark events, written this many times (no ids: every copy is stored). */
const COPIES = Number(process.env['BENCH_IMPORT_COPIES'] ?? 3);
const ROUNDS = 2;
const END = Math.floor(Date.now() / 60_000) * 60_000;

interface Lane {
  name: string;
  events: number;
  /** Best of the rounds (the machine is shared; the best run is the least disturbed one). */
  ms: number;
}

async function writeFiles(): Promise<{ plain: string; gzip: string; events: number }> {
  await mkdir(DATA_DIR, { recursive: true });
  const plain = join(DATA_DIR, 'import.ndjson');
  const gzip = `${plain}.gz`;
  const batches = ingestBatches(END);
  const chunks = function* (): Generator<string> {
    for (let c = 0; c < COPIES; c++) for (const batch of batches) yield toNdjson(batch, false);
  };
  await pipeline(Readable.from(chunks()), createWriteStream(plain));
  await pipeline(Readable.from(chunks()), createGzip({ level: 6 }), createWriteStream(gzip));
  return { plain, gzip, events: batches.reduce((n, b) => n + b.length, 0) * COPIES };
}

async function tallyImport(catalog: Catalog, file: string): Promise<number> {
  const path = join(DATA_DIR, 'import-tally.duckdb');
  await removeDatabase(path);
  const store = await DuckDbStore.open({ path });
  try {
    await store.migrate(catalog);
    const ingest = new IngestService(store, catalog, { maxBatchEvents: 10_000 });
    const started = performance.now();
    const report = await importEvents(fileSource(file, 'ndjson'), { target: orgTarget(ingest, ORG), catalog }, { batchSize: 5_000, dryRun: false, fromLine: 1 });
    const elapsed = performance.now() - started;
    if (report.accepted !== report.rows) throw new Error(`imported ${report.accepted} of ${report.rows} rows`);
    return elapsed;
  } finally {
    await store.close();
    await removeDatabase(path);
  }
}

async function tallyCheck(catalog: Catalog, file: string): Promise<number> {
  const started = performance.now();
  await importEvents(fileSource(file, 'ndjson'), { target: { append: () => Promise.reject(new Error('dry run')) }, catalog }, { batchSize: 5_000, dryRun: true, fromLine: 1 });
  return performance.now() - started;
}

async function duckdbReader(file: string): Promise<number> {
  const path = join(DATA_DIR, 'import-peer.duckdb');
  await removeDatabase(path);
  const instance = await DuckDBInstance.create(path, { memory_limit: DUCKDB_DEFAULTS.memoryLimit, checkpoint_threshold: DUCKDB_DEFAULTS.checkpointThreshold });
  const conn = await instance.connect();
  try {
    const started = performance.now();
    await conn.run(`CREATE TABLE events AS SELECT * FROM read_ndjson_auto('${file.replace(/'/g, "''")}')`);
    return performance.now() - started;
  } finally {
    conn.closeSync();
    instance.closeSync();
    await removeDatabase(path);
  }
}

async function best(name: string, events: number, run: () => Promise<number>): Promise<Lane> {
  let fastest = Infinity;
  for (let round = 1; round <= ROUNDS; round++) {
    const elapsed = await run();
    progress(`  ${name}, round ${round}: ${seconds(elapsed)} (${rate((events / elapsed) * 1000)})`);
    fastest = Math.min(fastest, elapsed);
  }
  return { name, events, ms: fastest };
}

async function main(): Promise<void> {
  const machine = machineInfo();
  warnIfBusy(machine);
  const catalog = await loadCatalog(defaultModelPaths());
  progress('writing the files…');
  const files = await writeFiles();
  const sizes = { plain: (await stat(files.plain)).size, gzip: (await stat(files.gzip)).size };
  const peer = await best('DuckDB read_ndjson_auto → table (peer)', files.events, () => duckdbReader(files.plain));
  const lanes = [
    await best('tally import, NDJSON', files.events, () => tallyImport(catalog, files.plain)),
    await best('tally import, NDJSON gzip', files.events, () => tallyImport(catalog, files.gzip)),
    await best('its check pass alone (--dry-run), NDJSON', files.events, () => tallyCheck(catalog, files.plain)),
  ];
  await replaceSection('import', markdown(machineMarkdown(machine), files.events, sizes, peer, lanes));
  progress('docs/benchmarks.md updated (section bench:import)');
}

function markdown(machine: string, events: number, sizes: { plain: number; gzip: number }, peer: Lane, lanes: readonly Lane[]): string {
  const row = (lane: Lane): string[] => [lane.name, int(lane.events), seconds(lane.ms), rate((lane.events / lane.ms) * 1000), ratio(peer.ms / lane.ms)];
  return `## Bulk import (\`npm run bench:import\`)

${machine}

Method: ${int(events)} demo events (learning, support, commerce; the events of bench:ingest, ${COPIES} copies, no ids) as one NDJSON file of ${mib(sizes.plain)} (gzip: ${mib(sizes.gzip)}). **tally import** = what the command runs after start-up: \`importEvents\` with the file source, the ingest service and a fresh DuckDB file — the whole file checked first (parse, map, validate), then read again and appended in batches of 5,000 (one transaction each, the next batch read while one commits). **Peer**: DuckDB's own reader in the same run, \`CREATE TABLE … AS SELECT * FROM read_ndjson_auto(file)\` into a fresh file with the store's memory settings and DuckDB's threads: no validation, no typing against a model, no check pass, no dedupe. Best of ${ROUNDS} rounds per lane. **× peer** = peer time / lane time.

${markdownTable(['lane', 'events', 'time', 'events/s', '× peer'], [row(peer), ...lanes.map(row)], ['l', 'r', 'r', 'r', 'r'])}

How to read it: an import is its check pass (last row: read, JSON.parse, map and validate every row, on the one JavaScript thread) plus a store pass that does what \`POST /events\` does without HTTP (parse and validate again, then append through the group commit). The check pass is the price of "a bad row stores nothing" on files too large to hold in memory; the peer pays neither pass's validation and parses on DuckDB's threads. No target is set for this path.
`;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
