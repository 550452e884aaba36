/**
 * Bulk import of a file of events into one org, with the guarantee of POST /events scaled to a
 * file: a file with any invalid row stores nothing. The file is read twice — first every row is
 * mapped and validated (problems listed with their line), then, only if none was found, the
 * rows are appended in batches through the ingest service (dedupe by id, cache invalidation),
 * the next batch read while the previous one commits.
 *
 * A store failure during the second pass leaves the batches committed before it; the error says
 * through which line the file is stored, and `fromLine` resumes after it. Rows with ids are
 * stored once however often they are imported.
 */
import type { Readable } from 'node:stream';
import type { FieldError } from '../../domain/errors.js';
import type { OldestAllowed } from '../../domain/retention.js';
import type { Catalog } from '../../model/types.js';
import type { IngestReply, IngestService } from '../ingest-service.js';
import { validateEvent } from '../validate.js';
import type { ImportFormat, NumberedRow } from './read-rows.js';
import { readRows } from './read-rows.js';
import type { RawEvent } from './row-event.js';
import { rowToEvent } from './row-event.js';

export interface ImportSource {
  format: ImportFormat;
  /** Opens the file from its start (once per pass). */
  open(): Readable;
}

export interface ImportProgress {
  phase: 'check' | 'import';
  rows: number;
  /** Events committed (import phase). */
  stored: number;
}

export interface ImportOptions {
  /** Events per append (one transaction each); at most the ingest's maxBatchEvents. */
  batchSize: number;
  /** Check the file only. */
  dryRun: boolean;
  /** Rows on earlier lines are skipped: resumes an import that stopped. 1 = the whole file. */
  fromLine: number;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportReport {
  rows: number;
  accepted: number;
  duplicates: number;
  dryRun: boolean;
}

export interface ImportProblem {
  line: number;
  /** JSON pointer into the row's event (`/props/amount`); `/` for the row itself. */
  path: string;
  message: string;
}

/** Problems listed in full; beyond this the file has a systematic problem anyway. */
export const PROBLEMS_LISTED = 20;

/** The file has invalid rows: nothing was stored. */
export class ImportRejected extends Error {
  constructor(
    readonly problems: readonly ImportProblem[],
    readonly total: number,
  ) {
    super(`${total} problem(s) in the file; nothing was stored`);
    this.name = 'ImportRejected';
  }
}

/** The store failed during the import: the file is stored through `storedThroughLine`, not after it. */
export class ImportStopped extends Error {
  constructor(
    readonly storedThroughLine: number,
    readonly accepted: number,
    readonly duplicates: number,
    cause: unknown,
  ) {
    super(`the import stopped: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ImportStopped';
  }
}

/** Where the batches go: one org's ingest service (orgTarget), or a running server (cli/http-target.ts). */
export interface ImportTarget {
  /** Appends one batch all-or-nothing, as one POST /events. */
  append(batch: RawEvent[]): Promise<IngestReply>;
}

export function orgTarget(ingest: Pick<IngestService, 'ingest'>, org: string): ImportTarget {
  return { append: (batch) => ingest.ingest(org, batch) };
}

export interface ImportDeps {
  target: ImportTarget;
  /** The model the rows are checked against (its declared props). */
  catalog: Pick<Catalog, 'props'>;
  /** The target org's retention (rows older are problems, as POST /events refuses them); absent = keep all. */
  oldestAllowed?: (now: number) => OldestAllowed | null;
  now?: () => number;
}

/** Rows of the file from `fromLine` on, each mapped to an event or to its problems. */
async function* eventsOf(rows: AsyncGenerator<NumberedRow>, fromLine: number): AsyncGenerator<{ line: number; event: RawEvent | null; errors: FieldError[]; stop: boolean }> {
  for await (const item of rows) {
    if (item.line < fromLine && !('problem' in item && item.stop)) continue;
    if ('problem' in item) {
      yield { line: item.line, event: null, errors: [{ path: '/', message: item.problem }], stop: item.stop };
      continue;
    }
    const errors: FieldError[] = [];
    if (typeof item.row !== 'object' || item.row === null || Array.isArray(item.row)) {
      yield { line: item.line, event: null, errors: [{ path: '/', message: 'must be an event object' }], stop: false };
      continue;
    }
    const event = rowToEvent(item.row as Record<string, unknown>, errors);
    yield { line: item.line, event, errors, stop: false };
  }
}

/** One pass over the file from its start. */
function readEvents(source: ImportSource, deps: ImportDeps, options: ImportOptions): ReturnType<typeof eventsOf> {
  return eventsOf(readRows(source.format, source.open(), deps.catalog.props), options.fromLine);
}

async function check(source: ImportSource, deps: ImportDeps, options: ImportOptions): Promise<number> {
  const problems: ImportProblem[] = [];
  let total = 0;
  let rows = 0;
  const now = deps.now ?? Date.now;
  const at = now();
  const ctx = { props: deps.catalog.props, now: at, oldest: deps.oldestAllowed?.(at) ?? null };
  for await (const { line, event, errors, stop } of readEvents(source, deps, options)) {
    rows++;
    if (event !== null) validateEvent(event, '', ctx, errors);
    total += errors.length;
    for (const e of errors) if (problems.length < PROBLEMS_LISTED) problems.push({ line, path: e.path, message: e.message });
    if (stop) break;
    if (rows % 100_000 === 0) options.onProgress?.({ phase: 'check', rows, stored: 0 });
  }
  if (total === 0 && rows === 0) {
    problems.push({ line: 0, path: '/', message: options.fromLine > 1 ? `the file holds no rows from line ${options.fromLine} on` : 'the file holds no events' });
    total = 1;
  }
  if (total > 0) throw new ImportRejected(problems, total);
  return rows;
}

/** Appends batches one at a time, the next one read while the previous one commits. */
class BatchCommits {
  accepted = 0;
  duplicates = 0;
  storedThroughLine: number;
  private failure: { cause: unknown } | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly deps: ImportDeps,
    private readonly options: ImportOptions,
    private readonly rows: number,
  ) {
    this.storedThroughLine = options.fromLine - 1;
  }

  /** Waits for the batch in flight; throws ImportStopped if it (or an earlier one) failed. */
  async settle(): Promise<void> {
    await this.inFlight;
    this.inFlight = null;
    if (this.failure !== null) throw this.stopped(this.failure.cause);
  }

  async start(batch: RawEvent[], lastLine: number): Promise<void> {
    await this.settle();
    this.inFlight = this.deps.target.append(batch).then(
      (reply) => {
        this.accepted += reply.accepted;
        this.duplicates += reply.duplicates;
        this.storedThroughLine = lastLine;
        this.options.onProgress?.({ phase: 'import', rows: this.rows, stored: this.accepted + this.duplicates });
      },
      (cause: unknown) => {
        this.failure = { cause };
      },
    );
  }

  stopped(cause: unknown): ImportStopped {
    return new ImportStopped(this.storedThroughLine, this.accepted, this.duplicates, cause);
  }
}

async function store(source: ImportSource, deps: ImportDeps, options: ImportOptions, rows: number): Promise<ImportReport> {
  const commits = new BatchCommits(deps, options, rows);
  let batch: RawEvent[] = [];
  let lastLine = 0;
  for await (const { line, event, errors } of readEvents(source, deps, options)) {
    if (event === null || errors.length > 0) {
      // The file passed the check: a problem now means it changed since.
      await commits.settle();
      throw commits.stopped(new Error(`line ${line} changed since the check: ${errors[0]?.message ?? 'unreadable'}`));
    }
    batch.push(event);
    lastLine = line;
    if (batch.length < options.batchSize) continue;
    await commits.start(batch, lastLine);
    batch = [];
  }
  if (batch.length > 0) await commits.start(batch, lastLine);
  await commits.settle();
  return { rows, accepted: commits.accepted, duplicates: commits.duplicates, dryRun: false };
}

export async function importEvents(source: ImportSource, deps: ImportDeps, options: ImportOptions): Promise<ImportReport> {
  const rows = await check(source, deps, options);
  if (options.dryRun) return { rows, accepted: 0, duplicates: 0, dryRun: true };
  return store(source, deps, options, rows);
}
