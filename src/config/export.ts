/**
 * The export part of the configuration (docs/exports.md): where Parquet temp files and job files
 * go (the only directory DuckDB may write), how long job files are kept, and the job limits.
 */
import path from 'node:path';
import type { Env } from './readers.js';
import { readInt } from './readers.js';

export interface ExportConfig {
  /** TALLY_EXPORT_DIR, resolved; default `exports/` beside the database file (./data/exports). */
  dir: string;
  /** TALLY_EXPORT_TTL_SECONDS: a finished job's file is deleted this long after it was written. */
  fileTtlSeconds: number;
  /** TALLY_EXPORT_MAX_JOBS_PER_ORG: queued + running jobs per org; more answer 429. */
  maxJobsPerOrg: number;
  /** TALLY_EXPORT_JOB_CONCURRENCY: jobs running at once in this process. */
  jobConcurrency: number;
}

/** `dataDir`: the database's folder; exports go to `<dataDir>/exports` unless TALLY_EXPORT_DIR says otherwise. */
export function readExportConfig(env: Env, dataDir: string): ExportConfig {
  const dir = env['TALLY_EXPORT_DIR']?.trim();
  return {
    dir: path.resolve(dir === undefined || dir === '' ? path.join(dataDir, 'exports') : dir),
    fileTtlSeconds: readInt(env, 'TALLY_EXPORT_TTL_SECONDS', 24 * 3600, 60, 365 * 24 * 3600),
    maxJobsPerOrg: readInt(env, 'TALLY_EXPORT_MAX_JOBS_PER_ORG', 5, 1, 1000),
    jobConcurrency: readInt(env, 'TALLY_EXPORT_JOB_CONCURRENCY', 2, 1, 64),
  };
}
