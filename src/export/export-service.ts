/**
 * The export service: synchronous (streamed) exports and asynchronous jobs over one set of
 * sources and writers. Routes call it; it reads through the store port with SQL built by the
 * query compiler, and never goes through the answer cache (an export is one-off and large).
 *
 * Limits: one running synchronous export per user (EXPORT_IN_PROGRESS, 409) — a second click
 * must not double the load of a multi-gigabyte download — and a cap of queued + running jobs per
 * org (TOO_MANY_EXPORT_JOBS, 429).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { AppError } from '../domain/errors.js';
import type { QueryEngine } from '../engine/query-engine.js';
import type { Store } from '../store/port.js';
import { writeCsv } from './formats/csv.js';
import { writeJson } from './formats/json.js';
import { nativeTextWriter } from './formats/native-text.js';
import { writeNdjson } from './formats/ndjson.js';
import { parquetWriter } from './formats/parquet.js';
import type { FormatWriter, WriteContext } from './formats/writer.js';
import { writeXlsx } from './formats/xlsx.js';
import type { JobLogger } from './jobs/job-runner.js';
import { JobRunner } from './jobs/job-runner.js';
import { ExportJobStore } from './jobs/job-store.js';
import type { ExportJob } from './jobs/job-store.js';
import type { PreparedExport } from './prepare.js';
import { prepareExport } from './prepare.js';
import type { ExportFormat, ExportRequest } from './types.js';

export interface ExportSettings {
  /** Parquet temp files and job files; null = no Parquet and no jobs (501). */
  dir: string | null;
  maxJobsPerOrg: number;
  jobConcurrency: number;
  fileTtlSeconds: number;
}

export interface ExportServiceOptions extends Partial<ExportSettings> {
  store: Store;
  engine: QueryEngine;
  /** Defaults to the engine's clock. */
  now?: () => number;
  chunkRows?: number;
  /** Most rows per store statement of a raw export (sorted at once for order `time`). */
  windowRows?: number;
  /** Raw events as CSV / NDJSON rendered by DuckDB (default on DuckDB with a dir); false = in JavaScript. */
  nativeText?: boolean;
  sweepIntervalMs?: number;
  /** Job runner liveness (job-runner.ts): heartbeat period and how long a silent running job lives. */
  heartbeatMs?: number;
  orphanAfterMs?: number;
}

export const DEFAULT_EXPORT_SETTINGS: Readonly<ExportSettings> = { dir: null, maxJobsPerOrg: 5, jobConcurrency: 2, fileTtlSeconds: 24 * 3600 };

export interface SyncExport {
  prepared: PreparedExport;
  /** The bytes; reply with it. */
  stream: Transform;
  /** Stops the export (the client went away). */
  abort(reason: unknown): void;
}

export interface User {
  org: string;
  sub: string;
}

/** Pass-through that reports its first byte: headers go out only once the export really started. */
function gatedStream(): { stream: Transform; firstByte: Promise<void> } {
  let opened: () => void = () => {};
  const firstByte = new Promise<void>((resolve) => (opened = resolve));
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      opened();
      callback(null, chunk);
    },
  });
  return { stream, firstByte };
}

export class ExportService {
  private readonly settings: ExportSettings;
  private readonly now: () => number;
  private readonly syncs = new Map<string, AbortController>();
  private readonly writers: Record<ExportFormat, FormatWriter | null>;
  private readonly jobStore: ExportJobStore;
  readonly runner: JobRunner | null;

  constructor(private readonly o: ExportServiceOptions) {
    const d = DEFAULT_EXPORT_SETTINGS;
    this.settings = {
      dir: o.dir ?? d.dir,
      maxJobsPerOrg: o.maxJobsPerOrg ?? d.maxJobsPerOrg,
      jobConcurrency: o.jobConcurrency ?? d.jobConcurrency,
      fileTtlSeconds: o.fileTtlSeconds ?? d.fileTtlSeconds,
    };
    this.now = o.now ?? (() => o.engine.clock());
    const dir = this.settings.dir;
    // Parquet is written by DuckDB's COPY into the export directory (on PostgreSQL by a scratch
    // DuckDB); raw events as CSV / NDJSON are rendered by the DuckDB store itself
    // (formats/native-text.ts), else JavaScript writes them.
    const duck = dir !== null && o.store.dialect === 'duckdb';
    const parquet = dir === null ? null : parquetWriter(o.store, dir);
    const native = duck && (o.nativeText ?? true);
    const text = (format: 'csv' | 'ndjson', js: FormatWriter): FormatWriter => {
      if (!native) return js;
      const fast = nativeTextWriter(o.store, dir, format);
      return (source, ctx) => (source.meta.kind === 'events' ? fast(source, ctx) : js(source, ctx));
    };
    this.writers = { csv: text('csv', writeCsv), ndjson: text('ndjson', writeNdjson), json: writeJson, xlsx: writeXlsx, parquet };
    this.jobStore = new ExportJobStore(o.store, o.engine.dialect);
    this.runner =
      dir === null
        ? null
        : new JobRunner(this.jobStore, {
            dir: join(dir, 'jobs'),
            maxPerOrg: this.settings.maxJobsPerOrg,
            concurrency: this.settings.jobConcurrency,
            ttlMs: this.settings.fileTtlSeconds * 1000,
            sweepIntervalMs: o.sweepIntervalMs ?? Math.min(60_000, Math.max(1000, this.settings.fileTtlSeconds * 250)),
            progressIntervalMs: 1000,
            ...(o.heartbeatMs === undefined ? {} : { heartbeatMs: o.heartbeatMs }),
            ...(o.orphanAfterMs === undefined ? {} : { orphanAfterMs: o.orphanAfterMs }),
            now: () => Date.now(),
            prepare: (job) => this.prepare(job.request, job.org, job.createdAt),
            write: (prepared, ctx) => this.write(prepared, ctx),
          });
  }

  /** The export directory (Parquet and native-text temp files, job files); null when not configured. */
  get directory(): string | null {
    return this.settings.dir;
  }

  /** Validates the request and builds its source; nothing runs yet. */
  async prepare(request: ExportRequest, org: string, now = this.now()): Promise<PreparedExport> {
    if (this.writers[request.format] === null) {
      throw new AppError('NOT_CONFIGURED', 'Parquet exports need an export directory (TALLY_EXPORT_DIR).');
    }
    return prepareExport(request, {
      store: this.o.store,
      catalog: this.o.engine.catalog,
      dialect: this.o.engine.dialect,
      org,
      now,
      chunkRows: this.o.chunkRows ?? 4096,
      windowRows: this.o.windowRows ?? 250_000,
    });
  }

  /** Writes a prepared export into ctx.out (ended when done); resolves with the row count. */
  write(prepared: PreparedExport, ctx: WriteContext): Promise<number> {
    const writer = this.writers[prepared.format];
    if (writer === null) return Promise.reject(new AppError('NOT_CONFIGURED', `${prepared.format} exports are not available here.`));
    return writer(prepared.source, ctx);
  }

  /**
   * Starts a streamed export for `user`. Resolves once the first byte exists, so a failure of the
   * statement itself is still an ordinary error reply; later failures cut the stream.
   */
  async startSync(request: ExportRequest, user: User): Promise<SyncExport> {
    const key = `${user.org}\u0000${user.sub}`;
    if (this.syncs.has(key)) {
      throw new AppError('EXPORT_IN_PROGRESS', 'You already have an export downloading; wait for it to finish, or use ?async=true for a background job.');
    }
    const controller = new AbortController();
    this.syncs.set(key, controller);
    const release = (): void => {
      if (this.syncs.get(key) === controller) this.syncs.delete(key);
    };
    try {
      const prepared = await this.prepare(request, user.org);
      const { stream, firstByte } = gatedStream();
      // The export counts as running until its last byte was handed to the reply (or it was cut).
      stream.once('close', release);
      const done = this.write(prepared, { out: stream, signal: controller.signal });
      done.catch((err: unknown) => {
        release();
        stream.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      await Promise.race([firstByte, done]);
      return { prepared, stream, abort: (reason) => controller.abort(reason) };
    } catch (err) {
      controller.abort(err);
      release();
      throw err;
    }
  }

  private jobs(): JobRunner {
    if (this.runner === null) throw new AppError('NOT_CONFIGURED', 'Export jobs need an export directory (TALLY_EXPORT_DIR).');
    return this.runner;
  }

  /** Validates now (400s come back at once), then queues the job. */
  async submit(request: ExportRequest, user: User): Promise<ExportJob> {
    const runner = this.jobs();
    // The engine's clock: the job's presets resolve against it whenever it runs.
    const createdAt = this.now();
    await this.prepare(request, user.org, createdAt);
    return runner.submit(user.org, user.sub, request, createdAt);
  }

  async job(org: string, id: string): Promise<ExportJob> {
    this.jobs();
    const job = await this.jobStore.get(org, id);
    if (!job) throw new AppError('NOT_FOUND', 'No such export job.');
    return job;
  }

  async list(org: string, limit = 100): Promise<ExportJob[]> {
    this.jobs();
    return this.jobStore.list(org, limit);
  }

  liveProgress(id: string): ReturnType<JobRunner['progressOf']> {
    return this.runner?.progressOf(id) ?? null;
  }

  /** The finished file of a job: 409 while it is not done, 410 once it expired. */
  async file(org: string, id: string): Promise<ExportJob & { filePath: string }> {
    const job = await this.job(org, id);
    if (job.status === 'expired') throw new AppError('EXPORT_EXPIRED', 'This export file has expired and was deleted; run the export again.');
    if (job.status !== 'done' || job.filePath === null) {
      const why = job.status === 'failed' ? `it failed: ${job.error ?? 'unknown error'}` : `it is ${job.status}`;
      throw new AppError('EXPORT_NOT_READY', `The export file is not available: ${why}.`);
    }
    return { ...job, filePath: job.filePath };
  }

  async cancel(org: string, id: string): Promise<ExportJob> {
    await this.jobs().cancel(await this.job(org, id));
    return this.job(org, id);
  }

  async start(log?: JobLogger): Promise<void> {
    const dir = this.settings.dir;
    if (dir === null) return;
    // Parquet temp files of a process that stopped mid-export.
    for (const name of await readdir(dir).catch(() => [])) if (name.startsWith('.tmp-')) await rm(join(dir, name), { force: true });
    await this.runner?.start(log);
  }

  /** Stops streamed exports (their clients see a cut stream) and running jobs. */
  async stop(): Promise<void> {
    for (const controller of this.syncs.values()) controller.abort(new Error('server shutdown'));
    this.syncs.clear();
    await this.runner?.stop();
  }
}
