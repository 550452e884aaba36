import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
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
