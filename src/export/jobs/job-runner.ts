/**
 * Runs asynchronous exports in this process, a few at a time, each into
 * `<jobs dir>/<id>.<ext>.partial`, renamed to its final name only once complete.
 *
 * Lifecycle decisions:
 * - Submitting takes one of the org's slots (its cap of queued + running jobs, exact across
 *   instances) and inserts the job as `queued`, releasing the slot when the job ends; the
 *   request and its submission time are stored, so a preset like `7d` means the same range
 *   whenever the job runs.
 * - A runner takes a queued job by claiming it in the table (job-store.ts `claim`), so with
 *   several instances on one store each job runs once. While it runs a job the runner writes a
 *   heartbeat every `heartbeatMs`; a job left `running` whose heartbeat is older than
 *   `orphanAfterMs` (or that never had one) belonged to a process that died: on start and at
 *   every sweep it is marked `failed` ("interrupted…"), as its partial file cannot be trusted and
 *   re-running a job that may have brought a process down could repeat that. Jobs still `queued`
 *   (they never began) are taken up on start and at every sweep, by whichever instance claims
 *   them first. Either way no job is lost silently. On shutdown running jobs are stopped and
 *   marked failed the same way; queued ones stay queued for the next start.
 * - A job cancelled through another instance is stopped at this runner's next heartbeat.
 * - Finished files expire after a TTL: a sweeper deletes them and marks the job `expired`.
 *   Files in the directory that no finished or running job owns are removed at start. Several
 *   instances share files (downloads from any instance) when the directory is shared storage.
 * - Progress (rows written, the expected total when cheap to know) is kept in memory and
 *   written to the table about once a second.
 *
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, isAppError } from '../../domain/errors.js';
import type { WriteContext } from '../formats/writer.js';
import { FORMAT_INFO } from '../formats/writer.js';
import type { PreparedExport } from '../prepare.js';
import type { ExportRequest } from '../types.js';
import type { ExportJob, ExportJobStore } from './job-store.js';

export interface JobLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobRunnerOptions {
  /** Where job files live (created when missing). */
  dir: string;
  maxPerOrg: number;
  concurrency: number;
  ttlMs: number;
  sweepIntervalMs: number;
  progressIntervalMs: number;
  /** How often a runner says its running jobs are alive; default 5 s. */
  heartbeatMs?: number;
  /** A running job without a heartbeat for this long is an orphan; default 30 s (at least 3 heartbeats). */
  orphanAfterMs?: number;
  now: () => number;
  prepare(job: ExportJob): Promise<PreparedExport>;
  write(prepared: PreparedExport, ctx: WriteContext): Promise<number>;
}

export interface LiveProgress {
  rows: number;
  total: number | null;
}

const INTERRUPTED = 'interrupted: the server stopped while this export was running; submit it again';
const SHUTDOWN = new Error('server shutdown');
const CANCELLED_ELSEWHERE = new Error('cancelled through another instance');

export const JOB_RUNNER_DEFAULTS = { heartbeatMs: 5_000, orphanAfterMs: 30_000 } as const;

export class JobRunner {
  /** This process's name in the table's `runner` column. */
  readonly id = randomUUID();
  private readonly queue: string[] = [];
  /** Jobs this runner claimed and has not finished. */
  private readonly claimed = new Set<string>();
  private heartbeats: NodeJS.Timeout | null = null;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly live = new Map<string, LiveProgress>();
  private readonly submitting = new Map<string, Promise<unknown>>();
  private sweeper: NodeJS.Timeout | null = null;
  private started = false;
  private log: JobLogger = { info: () => {}, error: () => {} };

  constructor(
    private readonly jobs: ExportJobStore,
    private readonly o: JobRunnerOptions,
  ) {}

  async start(log?: JobLogger): Promise<void> {
    if (log) this.log = log;
    if (this.started) return;
    this.started = true;
    await mkdir(this.o.dir, { recursive: true });
    await this.failOrphans();
    await this.adoptQueued();
    await this.removeOrphans();
    this.sweeper = setInterval(() => void this.sweep(), this.o.sweepIntervalMs);
    this.sweeper.unref();
    this.heartbeats = setInterval(() => void this.heartbeat(), this.o.heartbeatMs ?? JOB_RUNNER_DEFAULTS.heartbeatMs);
    this.heartbeats.unref();
    this.pump();
  }

  /** Marks `failed` the running jobs whose runner stopped beating (see the lifecycle above). */
  private async failOrphans(): Promise<void> {
    const staleBefore = this.o.now() - (this.o.orphanAfterMs ?? JOB_RUNNER_DEFAULTS.orphanAfterMs);
    for (const job of await this.jobs.orphaned(this.id, staleBefore)) {
      // Its files first: once the job reads failed, nothing of it is left.
      if (job.filePath !== null) await Promise.all([rm(job.filePath, { force: true }), rm(`${job.filePath}.partial`, { force: true })]);
      await this.jobs.markFailed(job.id, this.o.now(), INTERRUPTED);
      this.log.info({ job: job.id, org: job.org }, 'export job interrupted (its process stopped): marked failed');
    }
  }

  /** Queues the table's queued jobs this runner does not know yet (submitted elsewhere, or before a restart). */
  private async adoptQueued(): Promise<void> {
    for (const job of await this.jobs.withStatus(['queued'])) {
      if (!this.queue.includes(job.id) && !this.running.has(job.id)) this.queue.push(job.id);
    }
  }

  /** Says this runner's jobs are alive, and stops the ones cancelled through another instance. */
  private async heartbeat(): Promise<void> {
    if (this.claimed.size === 0) return;
    try {
      await this.jobs.heartbeat(this.id, this.o.now());
      for (const id of [...this.claimed]) {
        const job = await this.jobs.byId(id);
        if (job !== null && job.status !== 'running' && this.claimed.has(id)) this.running.get(id)?.controller.abort(CANCELLED_ELSEWHERE);
      }
    } catch (err) {
      this.log.error({ err }, 'export heartbeat failed');
    }
  }

  /** Stops running jobs (marked failed), the sweeper and the heartbeat; queued jobs stay queued in the table. */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    if (this.heartbeats) clearInterval(this.heartbeats);
    this.heartbeats = null;
    this.queue.length = 0;
    const runs = [...this.running.values()];
    for (const r of runs) r.controller.abort(SHUTDOWN);
    await Promise.allSettled(runs.map((r) => r.done));
    this.started = false;
  }

  /**
   * Inserts a job unless the org is at its cap (queued + running, counted across instances: the
   * job takes one of the org's slots, job-store.ts). Submissions of one org in this process go one
   * at a time, so they do not race each other for slots.
   */
  async submit(org: string, user: string, request: ExportRequest, createdAt: number): Promise<ExportJob> {
    const previous = this.submitting.get(org) ?? Promise.resolve();
    const attempt = previous.catch(() => undefined).then(async () => {
      const id = randomUUID();
      if (!(await this.jobs.insertInFreeSlot({ id, org, user, format: request.format, request, createdAt }, this.o.maxPerOrg))) {
        const active = await this.jobs.active(org);
        throw new AppError('TOO_MANY_EXPORT_JOBS', `Org "${org}" already has ${active} export jobs queued or running (at most ${this.o.maxPerOrg}); wait for one to finish.`);
      }
      // Read before it can start: the reply shows the job as submitted, whatever the runner does next.
      const job = (await this.jobs.get(org, id)) as ExportJob;
      if (!this.queue.includes(id)) this.queue.push(id);
      this.pump();
      return job;
    });
    this.submitting.set(org, attempt);
    try {
      return await attempt;
    } finally {
      if (this.submitting.get(org) === attempt) this.submitting.delete(org);
    }
  }

  progressOf(id: string): LiveProgress | null {
    return this.live.get(id) ?? null;
  }

  /** Cancels a queued or running job, or deletes a finished job's file. */
  async cancel(job: ExportJob): Promise<void> {
    if (job.status === 'queued') {
      const at = this.queue.indexOf(job.id);
      if (at !== -1) this.queue.splice(at, 1);
      await this.jobs.markFailed(job.id, this.o.now(), 'cancelled');
    } else if (job.status === 'running') {
      const run = this.running.get(job.id);
      run?.controller.abort(new AppError('CONFLICT', 'cancelled'));
      await run?.done;
      if (!run) await this.jobs.markFailed(job.id, this.o.now(), 'cancelled');
    } else if (job.status === 'done') {
      if (job.filePath) await rm(job.filePath, { force: true });
      await this.jobs.markExpired(job.id);
    }
  }

  private pump(): void {
    if (!this.started) return;
    while (this.running.size < this.o.concurrency && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      // Queued twice (submitted here and adopted by a sweep): it runs once.
      if (this.running.has(id)) continue;
      const controller = new AbortController();
      const done = this.run(id, controller.signal).finally(() => {
        this.running.delete(id);
        this.live.delete(id);
        this.pump();
      });
      this.running.set(id, { controller, done });
    }
  }

  private async run(id: string, signal: AbortSignal): Promise<void> {
    // Cancelled meanwhile, or taken by another instance.
    if (!(await this.jobs.claim(id, this.id, this.o.now()))) return;
    this.claimed.add(id);
    try {
      await this.runClaimed(id, signal);
    } finally {
      this.claimed.delete(id);
    }
  }

  private async runClaimed(id: string, signal: AbortSignal): Promise<void> {
    const job = await this.jobs.byId(id);
    if (job?.status !== 'running') return;
    const extension = FORMAT_INFO[job.format].extension;
    const file = join(this.o.dir, `${job.id}.${extension}`);
    const partial = `${file}.partial`;
    let lastFlush = 0;
    const progress: LiveProgress = { rows: 0, total: null };
    this.live.set(id, progress);
    try {
      const prepared = await this.o.prepare(job);
      await this.jobs.setFile(id, file, prepared.fileName);
      progress.total = await prepared.source.estimate(signal);
      await this.jobs.progress(id, 0, progress.total);
      const out = createWriteStream(partial);
      const onRows = (rows: number): void => {
        progress.rows = rows;
        const now = this.o.now();
        if (now - lastFlush < this.o.progressIntervalMs) return;
        lastFlush = now;
        this.jobs.progress(id, rows, progress.total).catch((err: unknown) => this.log.error({ err, job: id }, 'export progress update failed'));
      };
      let rows: number;
      try {
        rows = await this.o.write(prepared, { out, signal, onRows });
      } finally {
        out.destroy();
      }
      await rename(partial, file);
      const bytes = (await stat(file)).size;
      const now = this.o.now();
      await this.jobs.markDone(id, now, rows, bytes, now + this.o.ttlMs);
      this.log.info({ job: id, org: job.org, rows, bytes }, 'export job done');
    } catch (err) {
      const reason = signal.aborted ? (signal.reason === SHUTDOWN ? INTERRUPTED : 'cancelled') : isAppError(err) ? err.message : 'internal error; the server log has the details';
      if (!signal.aborted && !isAppError(err)) this.log.error({ err, job: id, org: job.org }, 'export job failed');
      try {
        await Promise.all([rm(partial, { force: true }), rm(file, { force: true })]);
        await this.jobs.markFailed(id, this.o.now(), reason);
      } catch (cleanup) {
        // The store may be closing; the next start marks a job left `running` as failed.
        this.log.error({ err: cleanup, job: id }, 'could not record the failure of an export job');
      }
    }
  }

  /** Deletes expired files and marks their jobs `expired`; fails orphaned jobs and takes up queued ones. */
  async sweep(): Promise<void> {
    try {
      await this.failOrphans();
      await this.adoptQueued();
      this.pump();
      for (const job of await this.jobs.expired(this.o.now())) {
        if (job.filePath) await rm(job.filePath, { force: true });
        await this.jobs.markExpired(job.id);
      }
    } catch (err) {
      this.log.error({ err }, 'export sweep failed');
    }
  }

  private async removeOrphans(): Promise<void> {
    // A running job (here or on another instance sharing the directory) owns its partial file too.
    const owned = new Set((await this.jobs.withStatus(['done', 'running'])).flatMap((j) => (j.filePath === null ? [] : [j.filePath, `${j.filePath}.partial`])));
    for (const name of await readdir(this.o.dir)) {
      const path = join(this.o.dir, name);
      if (!owned.has(path)) await rm(path, { force: true, recursive: true });
    }
  }
}
