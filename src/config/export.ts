/**
 * The export part of the configuration (docs/exports.md): where Parquet temp files and job files
 * go (the only directory DuckDB may write), how long job files are kept, and the job limits.
 */
import path from 'node:path';
import { ConfigError } from './config-error.js';

type Env = Record<string, string | undefined>;

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

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** `dataDir`: the database's folder; exports go to `<dataDir>/exports` unless TALLY_EXPORT_DIR says otherwise. */
export function readExportConfig(env: Env, dataDir: string): ExportConfig {
  const dir = env['TALLY_EXPORT_DIR']?.trim();
  return {
    dir: path.resolve(dir === undefined || dir === '' ? path.join(dataDir, 'exports') : dir),
    fileTtlSeconds: int(env, 'TALLY_EXPORT_TTL_SECONDS', 24 * 3600, 60, 365 * 24 * 3600),
    maxJobsPerOrg: int(env, 'TALLY_EXPORT_MAX_JOBS_PER_ORG', 5, 1, 1000),
    jobConcurrency: int(env, 'TALLY_EXPORT_JOB_CONCURRENCY', 2, 1, 64),
  };
}
