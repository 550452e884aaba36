import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DUCKDB_DEFAULTS, DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { storeContract } from './store.contract.js';

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

storeContract('duckdb :memory:', () => DuckDbStore.open({ path: ':memory:' }));

storeContract('duckdb file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tally-store-'));
  dirs.push(dir);
  return DuckDbStore.open({ path: join(dir, 'nested', 'tally.duckdb') });
});

describe('DuckDbStore settings', () => {
  const setting = async (store: DuckDbStore, name: string): Promise<unknown> =>
    (await store.query('SELECT current_setting($1) AS v', [name]))[0]?.['v'];

  it("gives a database file Tally's memory and checkpoint defaults, and takes overrides", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-store-'));
    dirs.push(dir);
    const defaults = await DuckDbStore.open({ path: join(dir, 'a.duckdb') });
    try {
      // DuckDB reports sizes in its own units (MiB), so compare bytes.
      expect(await setting(defaults, 'checkpoint_threshold')).toBe(await sizeText(defaults, DUCKDB_DEFAULTS.checkpointThreshold));
      expect(await setting(defaults, 'memory_limit')).toBe(await sizeText(defaults, DUCKDB_DEFAULTS.memoryLimit));
    } finally {
      await defaults.close();
    }
    const tuned = await DuckDbStore.open({ path: join(dir, 'b.duckdb'), memoryLimit: '96MB', checkpointThreshold: '8MB', threads: 1 });
    try {
      expect(await setting(tuned, 'memory_limit')).toBe(await sizeText(tuned, '96MB'));
      expect(await setting(tuned, 'checkpoint_threshold')).toBe(await sizeText(tuned, '8MB'));
      expect(Number(await setting(tuned, 'threads'))).toBe(1);
    } finally {
      await tuned.close();
    }
  });
});

/** How DuckDB prints a size it was given as `size` ('96MB': decimal megabytes, shown in MiB). */
async function sizeText(store: DuckDbStore, size: string): Promise<unknown> {
  const match = /^(\d+)MB$/.exec(size);
  if (!match) throw new Error(`sizeText takes whole MB, got ${size}`);
  const rows = await store.query('SELECT format_bytes(CAST($1 AS BIGINT)) AS t', [Number(match[1]) * 1_000_000]);
  return rows[0]?.['t'];
}
