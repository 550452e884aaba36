/**
 * The idle trimmer on a real DuckDB file: a trim checkpoints, restores the memory limit and keeps
 * the data; work that arrives during a trim waits for it and then runs normally; nothing is
 * trimmed under running work. How much memory a trim gives back is measured by bench:query
 * (docs/benchmarks.md, "Idle RSS"), not asserted here.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';

let dir: string;
let store: DuckDbStore;

const walBytes = async (): Promise<number> => {
  try {
    return (await stat(join(dir, 't.duckdb.wal'))).size;
  } catch {
    return 0;
  }
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-trim-'));
  // A long idle time: the tests trigger trims themselves.
  store = await DuckDbStore.open({ path: join(dir, 't.duckdb'), memoryLimit: '256MB', idleTrimMs: 3_600_000 });
  await store.execute('CREATE TABLE big AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(3000000)', []);
  // Reads every block (cached afterwards) and builds a large hash table (freed, but kept by DuckDB).
  await store.query('SELECT s, count(*) AS n FROM big GROUP BY s ORDER BY n DESC LIMIT 1', []);
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('DuckDbStore idle trim', () => {
  it('checkpoints, restores the memory limit and keeps the data', async () => {
    await store.execute('INSERT INTO big SELECT range + 3000000, md5(range::VARCHAR) FROM range(1000)', []);
    expect(await walBytes()).toBeGreaterThan(0);
    await store.trimmer?.trimNow();
    // The checkpoint folded the WAL into the file.
    expect(await walBytes()).toBe(0);
    expect(store.trimmer?.trims).toBe(1);
    const [limit] = await store.query("SELECT current_setting('memory_limit') AS v, format_bytes(256000000) AS want", []);
    expect(limit?.['v']).toBe(limit?.['want']);
    // The data is all still there.
    expect((await store.query('SELECT count(*) AS n, sum(i) AS total FROM big', []))[0]).toEqual({ n: 3_001_000, total: (3_000_999 * 3_001_000) / 2 });
  });

  it('makes work that arrives during a trim wait, then run under the full limit', async () => {
    const trimming = store.trimmer?.trimNow();
    const reading = store.query("SELECT current_setting('memory_limit') AS v, format_bytes(256000000) AS want, count(*) AS n FROM big", []);
    await trimming;
    const [row] = await reading;
    expect(row?.['v']).toBe(row?.['want']);
    expect(row?.['n']).toBe(3_000_000);
  });

  it('does not trim while work is running', async () => {
    await store.trimmer?.enter();
    await store.trimmer?.trimNow();
    expect(store.trimmer?.trims).toBe(0);
    store.trimmer?.leave();
  });

  it('is off for an in-memory database', async () => {
    const memory = await DuckDbStore.open({ path: ':memory:' });
    expect(memory.trimmer).toBeNull();
    await memory.close();
  });
});
