import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';

describe('export configuration', () => {
  it('defaults: exports/ beside the database, 24 h files, 5 jobs per org, 2 at once', () => {
    const config = loadConfig({ TALLY_DB: '/srv/tally/db.duckdb' });
    expect(config.exports).toEqual({ dir: '/srv/tally/exports', fileTtlSeconds: 86_400, maxJobsPerOrg: 5, jobConcurrency: 2 });
    expect(loadConfig({}).exports.dir).toBe(path.resolve('data/exports'));
  });

  it('reads every variable', () => {
    const config = loadConfig({ TALLY_EXPORT_DIR: 'out/x', TALLY_EXPORT_TTL_SECONDS: '3600', TALLY_EXPORT_MAX_JOBS_PER_ORG: '1', TALLY_EXPORT_JOB_CONCURRENCY: '4' });
    expect(config.exports).toEqual({ dir: path.resolve('out/x'), fileTtlSeconds: 3600, maxJobsPerOrg: 1, jobConcurrency: 4 });
  });

  it.each([
    ['TALLY_EXPORT_TTL_SECONDS', '10', /TALLY_EXPORT_TTL_SECONDS must be between 60/],
    ['TALLY_EXPORT_MAX_JOBS_PER_ORG', 'many', /TALLY_EXPORT_MAX_JOBS_PER_ORG must be an integer/],
    ['TALLY_EXPORT_JOB_CONCURRENCY', '0', /TALLY_EXPORT_JOB_CONCURRENCY must be between 1/],
  ])('names the variable of a bad value: %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
