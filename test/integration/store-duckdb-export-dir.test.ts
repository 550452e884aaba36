import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';

describe('DuckDB file access', () => {
  let dir: string;
  let store: DuckDbStore | null = null;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tally-export-'));
  });

  afterEach(async () => {
    await store?.close();
    store = null;
    await rm(dir, { recursive: true, force: true });
  });

  it('allows COPY TO only inside exportDir', async () => {
    const exportDir = join(dir, 'exports');
    store = await DuckDbStore.open({ path: join(dir, 'tally.duckdb'), exportDir });
    const target = join(exportDir, 'out.parquet');
    await store.execute(`COPY (SELECT 1 AS a) TO '${target}' (FORMAT parquet)`, []);
    expect((await stat(target)).size).toBeGreaterThan(0);
    await expect(store.execute(`COPY (SELECT 1 AS a) TO '${join(dir, 'outside.parquet')}' (FORMAT parquet)`, [])).rejects.toThrow(
      /Permission/,
    );
    await expect(store.execute(`COPY (SELECT 1 AS a) TO '${exportDir}/../escape.parquet' (FORMAT parquet)`, [])).rejects.toThrow(
      /Permission/,
    );
    await expect(store.query(`SELECT * FROM read_csv('/etc/passwd')`, [])).rejects.toThrow(/Permission/);
    await expect(store.execute('SET enable_external_access = true', [])).rejects.toThrow();
  });

  it('allows no file access at all without exportDir', async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    await expect(store.execute(`COPY (SELECT 1 AS a) TO '${join(dir, 'x.parquet')}' (FORMAT parquet)`, [])).rejects.toThrow(
      /Permission/,
    );
    await expect(store.execute(`ATTACH '${join(dir, 'other.duckdb')}'`, [])).rejects.toThrow(/Permission/);
  });
});
