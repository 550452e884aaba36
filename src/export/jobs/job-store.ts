/**
 * The `export_jobs` table: one row per asynchronous export. Every read names the org, so a job
 * of another org is indistinguishable from one that does not exist. Times go in and out as epoch
 * milliseconds through the dialect's hooks.
 */
import type { Dialect } from '../../query/index.js';
import type { SqlRow, Store } from '../../store/port.js';
import type { ExportFormat, ExportRequest } from '../types.js';

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'expired'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface ExportJob {
  id: string;
  org: string;
  /** The `sub` of the user who asked for it. */
  user: string;
  status: JobStatus;
  format: ExportFormat;
  request: ExportRequest;
  fileName: string | null;
  filePath: string | null;
  rowsWritten: number;
  totalEstimate: number | null;
  bytes: number | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  expiresAt: number | null;
}

const COLUMNS =
  'id, org_id, user_sub, status, format, spec, file_name, file_path, rows_written, total_estimate, bytes, error, ' +
  'created_at, started_at, finished_at, expires_at';

/** Lost races for a slot tolerated beyond the cap before a submission gives up. */
const SLOT_RACES = 10;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export class ExportJobStore {
  private readonly select: string;

  constructor(
    private readonly store: Store,
    private readonly dialect: Dialect,
  ) {
    const ms = (c: string): string => `${dialect.epochMs(c)} AS ${c}`;
    this.select = `SELECT ${COLUMNS.replace(/(created_at|started_at|finished_at|expires_at)/g, (c) => ms(c))} FROM export_jobs`;
  }

  private time(placeholder: string): string {
    return this.dialect.timeParam(placeholder);
  }

  private row(r: SqlRow): ExportJob {
    return {
      id: String(r['id']),
      org: String(r['org_id']),
      user: String(r['user_sub']),
      status: String(r['status']) as JobStatus,
      format: String(r['format']) as ExportFormat,
      request: JSON.parse(String(r['spec'])) as ExportRequest,
      fileName: str(r['file_name']),
      filePath: str(r['file_path']),
      rowsWritten: Number(r['rows_written'] ?? 0),
      totalEstimate: num(r['total_estimate']),
      bytes: num(r['bytes']),
      error: str(r['error']),
      createdAt: Number(r['created_at']),
      startedAt: num(r['started_at']),
      finishedAt: num(r['finished_at']),
      expiresAt: num(r['expires_at']),
    };
  }

  /**
   * Inserts the job as `queued` in one of its org's `cap` slots, or returns false when every slot
   * is held by a queued or running job. A slot is a unique (org, slot) pair, so when submissions
   * on several instances pick the same free slot at once exactly one insert lands; the others
   * look again (and find the next slot, or none). Also false after SLOT_RACES lost races beyond
   * the cap (slots freed and taken again meanwhile).
   */
  async insertInFreeSlot(job: Pick<ExportJob, 'id' | 'org' | 'user' | 'format' | 'request' | 'createdAt'>, cap: number): Promise<boolean> {
    for (let attempt = 0; attempt < cap + SLOT_RACES; attempt++) {
      const held = await this.store.query('SELECT slot FROM export_jobs WHERE org_id = $1 AND slot IS NOT NULL', [job.org]);
      const taken = new Set(held.map((r) => Number(r['slot'])));
      let slot = 0;
      while (taken.has(slot)) slot++;
      if (slot >= cap) return false;
      await this.store.execute(
        `INSERT INTO export_jobs (id, org_id, user_sub, status, format, spec, rows_written, created_at, slot)
         VALUES ($1, $2, $3, 'queued', $4, $5, 0, ${this.time('$6')}, $7) ON CONFLICT DO NOTHING`,
        [job.id, job.org, job.user, job.format, JSON.stringify(job.request), job.createdAt, slot],
      );
      if ((await this.store.query('SELECT 1 AS x FROM export_jobs WHERE id = $1', [job.id])).length > 0) return true;
    }
    // Slots kept being taken under our hands: the org is as busy as its cap allows.
    return false;
  }

  async get(org: string, id: string): Promise<ExportJob | null> {
    const rows = await this.store.query(`${this.select} WHERE org_id = $1 AND id = $2`, [org, id]);
    return rows[0] ? this.row(rows[0]) : null;
  }

  /** Any org's job: for the runner only, never for a request. */
  async byId(id: string): Promise<ExportJob | null> {
    const rows = await this.store.query(`${this.select} WHERE id = $1`, [id]);
    return rows[0] ? this.row(rows[0]) : null;
  }

  async list(org: string, limit: number): Promise<ExportJob[]> {
    const rows = await this.store.query(`${this.select} WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [org, limit]);
    return rows.map((r) => this.row(r));
  }

  /** Queued and running jobs of the org (what the per-org cap counts). */
  async active(org: string): Promise<number> {
    const rows = await this.store.query(`SELECT count(*) AS n FROM export_jobs WHERE org_id = $1 AND status IN ('queued', 'running')`, [org]);
    return Number(rows[0]?.['n'] ?? 0);
  }

  /** Every job in one of `statuses`, oldest first (recovery at start). */
  async withStatus(statuses: readonly JobStatus[]): Promise<ExportJob[]> {
    const list = statuses.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await this.store.query(`${this.select} WHERE status IN (${list}) ORDER BY created_at, id`, [...statuses]);
    return rows.map((r) => this.row(r));
  }

  /** Finished jobs whose file is past its expiry. */
  async expired(now: number): Promise<ExportJob[]> {
    const rows = await this.store.query(`${this.select} WHERE status = 'done' AND expires_at <= ${this.time('$1')}`, [now]);
    return rows.map((r) => this.row(r));
  }

  /**
   * Takes a queued job for `runner`: true when this runner got it. Of several instances trying at
   * once, the conditional UPDATE lets exactly one through (the others find it no longer queued),
   * and the read-back says which.
   */
  async claim(id: string, runner: string, now: number): Promise<boolean> {
    await this.store.execute(
      `UPDATE export_jobs SET status = 'running', runner = $2, started_at = ${this.time('$3')}, heartbeat_at = ${this.time('$3')}
       WHERE id = $1 AND status = 'queued'`,
      [id, runner, now],
    );
    const rows = await this.store.query(`SELECT runner FROM export_jobs WHERE id = $1 AND status = 'running'`, [id]);
    return rows[0]?.['runner'] === runner;
  }

  /** Where a claimed job's file goes, once its export is prepared. */
  async setFile(id: string, filePath: string, fileName: string): Promise<void> {
    await this.store.execute(`UPDATE export_jobs SET file_path = $2, file_name = $3 WHERE id = $1 AND status = 'running'`, [id, filePath, fileName]);
  }

  /** The runner is alive: its running jobs are not orphans. */
  async heartbeat(runner: string, now: number): Promise<void> {
    await this.store.execute(`UPDATE export_jobs SET heartbeat_at = ${this.time('$2')} WHERE runner = $1 AND status = 'running'`, [runner, now]);
  }

  /**
   * Running jobs whose runner stopped saying it is alive before `staleBefore` (or never did): the
   * process that ran them is gone. `runner`'s own jobs are never among them.
   */
  async orphaned(runner: string, staleBefore: number): Promise<ExportJob[]> {
    const rows = await this.store.query(
      `${this.select} WHERE status = 'running' AND (runner IS NULL OR runner <> $1) AND (heartbeat_at IS NULL OR heartbeat_at < ${this.time('$2')})
       ORDER BY created_at, id`,
      [runner, staleBefore],
    );
    return rows.map((r) => this.row(r));
  }

  async progress(id: string, rows: number, total: number | null): Promise<void> {
    await this.store.execute(`UPDATE export_jobs SET rows_written = $2, total_estimate = $3 WHERE id = $1 AND status = 'running'`, [id, rows, total]);
  }

  async markDone(id: string, now: number, rows: number, bytes: number, expiresAt: number): Promise<void> {
    await this.store.execute(
      `UPDATE export_jobs SET status = 'done', slot = NULL, rows_written = $2, bytes = $3, finished_at = ${this.time('$4')}, expires_at = ${this.time('$5')}
       WHERE id = $1 AND status = 'running'`,
      [id, rows, bytes, now, expiresAt],
    );
  }

  /** Fails a queued or running job; returns nothing either way (a finished job keeps its state). */
  async markFailed(id: string, now: number, error: string): Promise<void> {
    await this.store.execute(
      `UPDATE export_jobs SET status = 'failed', slot = NULL, error = $2, finished_at = ${this.time('$3')} WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, error, now],
    );
  }

  async markExpired(id: string): Promise<void> {
    await this.store.execute(`UPDATE export_jobs SET status = 'expired' WHERE id = $1 AND status = 'done'`, [id]);
  }
}
