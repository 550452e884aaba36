/**
 * `tally import FILE|- --org ORG`: bulk-loads a file of events — NDJSON or CSV, gzip-compressed
 * or not, from a file or standard input — through the ingest path (ingest/import/); with
 * `--url` instead of `--org`, through a running server's POST /events (http-target.ts).
 */
import { closeSync, createReadStream, createWriteStream, openSync, readSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { ImportDeps, ImportProgress, ImportReport, ImportSource } from '../ingest/import/import-events.js';
import { importEvents, ImportRejected, ImportStopped } from '../ingest/import/import-events.js';
import type { ImportFormat } from '../ingest/import/read-rows.js';
import { IMPORT_FORMATS } from '../ingest/import/read-rows.js';
import type { OptionValues } from './args.js';
import { optionalInt, parseWithOperands, UsageError } from './args.js';

export const IMPORT_USAGE = 'import FILE|- (--org ORG | --url URL) [--format ndjson|csv] [--batch N] [--from-line N] [--dry-run]';

/** Exit status for a file with invalid rows (sysexits' EX_DATAERR). */
export const EXIT_INVALID_FILE = 65;
const DEFAULT_BATCH = 5_000;
const PROGRESS_EVERY_MS = 5_000;

/** Into an org of the store this process opens, or through a running server (the ingest key's org). */
export type ImportDestination = { kind: 'org'; org: string } | { kind: 'url'; url: string };

export interface ImportArgs {
  /** A path, or `-` for standard input. */
  file: string;
  destination: ImportDestination;
  format: ImportFormat;
  batchSize: number;
  fromLine: number;
  dryRun: boolean;
}

function formatOf(file: string, values: OptionValues): ImportFormat {
  const given = values['format'];
  if (typeof given === 'string') {
    if (!(IMPORT_FORMATS as readonly string[]).includes(given)) throw new UsageError(`--format must be one of ${IMPORT_FORMATS.join(', ')}`);
    return given as ImportFormat;
  }
  if (file === '-') return 'ndjson';
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  throw new UsageError(`cannot tell the format of "${file}" from its name: give --format ndjson or --format csv`);
}

function destinationOf(values: OptionValues): ImportDestination {
  const org = values['org'];
  const url = values['url'];
  if (typeof url !== 'string') {
    if (typeof org !== 'string' || org === '') throw new UsageError('give --org ORG (into the store this process opens) or --url URL (through a running server)');
    return { kind: 'org', org };
  }
  if (org !== undefined) throw new UsageError('give --org or --url, not both: with --url the ingest key (TALLY_INGEST_KEY) decides the org');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be the server's address, like http://localhost:8080; got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--url must start with http:// or https://');
  return { kind: 'url', url };
}

export function importArgs(argv: string[], maxBatchEvents: number): ImportArgs {
  const { values, operands } = parseWithOperands(
    argv,
    { org: { type: 'string' }, url: { type: 'string' }, format: { type: 'string' }, batch: { type: 'string' }, 'from-line': { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
    1,
  );
  const file = operands[0] as string;
  const batchSize = optionalInt(values, 'batch', Math.min(DEFAULT_BATCH, maxBatchEvents));
  if (batchSize < 1 || batchSize > maxBatchEvents) throw new UsageError(`--batch must be from 1 to ${maxBatchEvents} (TALLY_MAX_BATCH_EVENTS)`);
  const fromLine = optionalInt(values, 'from-line', 1);
  if (fromLine < 1) throw new UsageError('--from-line must be 1 or more');
  return { file, destination: destinationOf(values), format: formatOf(file, values), batchSize, fromLine, dryRun: values['dry-run'] === true };
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** A file as an import source, decompressed on the fly when it is gzip (by its first bytes, not its name). */
export function fileSource(file: string, format: ImportFormat): ImportSource {
  const gzip = isGzip(file);
  return {
    format,
    open(): Readable {
      const raw = createReadStream(file);
      if (!gzip) return raw;
      // pipeline destroys the gunzip stream with the file's error, so the reader sees it.
      return pipeline(raw, createGunzip(), () => undefined);
    },
  };
}

/** Standard input, kept in a temporary file: the import reads its input twice. */
async function spoolStdin(): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tally-import-'));
  const file = path.join(dir, 'stdin');
  await pipelineAsync(process.stdin, createWriteStream(file));
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

function progressPrinter(print: (line: string) => void): (p: ImportProgress) => void {
  let last = Date.now();
  return (p) => {
    const now = Date.now();
    if (now - last < PROGRESS_EVERY_MS) return;
    last = now;
    print(p.phase === 'check' ? `checked ${p.rows.toLocaleString('en')} rows…` : `stored ${p.stored.toLocaleString('en')} of ${p.rows.toLocaleString('en')} events…`);
  };
}

export interface ImportOutput {
  out(line: string): void;
  err(line: string): void;
}

function reportLines(report: ImportReport, args: ImportArgs, seconds: number): string {
  if (report.dryRun) return `checked ${report.rows.toLocaleString('en')} rows: all valid; nothing stored (--dry-run)`;
  const into = args.destination.kind === 'org' ? `into org "${args.destination.org}"` : `through ${args.destination.url}`;
  return `imported ${report.rows.toLocaleString('en')} events ${into} in ${seconds.toFixed(1)} s: ${report.accepted.toLocaleString('en')} stored, ${report.duplicates.toLocaleString('en')} duplicates (ids already stored)`;
}

/** Runs an import and prints its outcome; returns the process exit status. */
export async function runImport(args: ImportArgs, deps: ImportDeps, output: ImportOutput): Promise<number> {
  const started = Date.now();
  const spooled = args.file === '-' ? await spoolStdin() : null;
  try {
    const source = fileSource(spooled?.file ?? args.file, args.format);
    const report = await importEvents(source, deps, { ...args, onProgress: progressPrinter(output.err) });
    output.out(reportLines(report, args, (Date.now() - started) / 1000));
    return 0;
  } catch (err) {
    if (err instanceof ImportRejected) {
      for (const p of err.problems) output.err(p.line > 0 ? `line ${p.line}: ${p.path === '/' ? '' : p.path + ': '}${p.message}` : p.message);
      if (err.total > err.problems.length) output.err(`… and ${err.total - err.problems.length} more problem(s)`);
      output.err(`${err.total} problem(s) in ${args.file === '-' ? 'the input' : args.file}; nothing was stored`);
      return EXIT_INVALID_FILE;
    }
    if (err instanceof ImportStopped) {
      output.err(err.message);
      output.err(
        err.storedThroughLine >= args.fromLine
          ? `stored: lines ${args.fromLine}–${err.storedThroughLine} (${err.accepted.toLocaleString('en')} events, ${err.duplicates.toLocaleString('en')} duplicates); continue with --from-line ${err.storedThroughLine + 1}`
          : `nothing was stored; run the same command again`,
      );
      return 1;
    }
    throw err;
  } finally {
    await spooled?.remove();
  }
}
