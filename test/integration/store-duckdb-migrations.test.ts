import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { MIGRATIONS, applyMigrations } from '../../src/store/duckdb/schema-migrations.js';
import type { Migration } from '../../src/store/duckdb/schema-migrations.js';
import { storeCatalog } from '../fixtures/store-catalog.js';

const ORG = 'org_m';
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const V1 = storeCatalog({ amount: 'number', plan: 'string' }, 'v1');
const V2 = storeCatalog({ amount: 'number', plan: 'string', foo: 'number', vip: 'boolean', seen_at: 'time' }, 'v2');

function ev(id: string, props: StoredEvent['props']): StoredEvent {
  return { event: 'thing.done', timestamp: T0, actor: 'u_1', id, props };
}

async function columns(store: DuckDbStore): Promise<string[]> {
  const rows = await store.query(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position`,
    [],
  );
  return rows.map((r) => String(r['column_name']));
}

describe('DuckDB schema migrations', () => {
  let dir: string;
  let path: string;
  let store: DuckDbStore | null = null;

  async function reopen(catalog = V2): Promise<DuckDbStore> {
    await store?.close();
    store = await DuckDbStore.open({ path });
    await store.migrate(catalog);
    return store;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tally-migrations-'));
    path = join(dir, 'tally.duckdb');
    const v1 = await reopen(V1);
    await v1.append(ORG, [
      ev('a', { amount: 1, plan: 'x', foo: 42, vip: true, seen_at: '2026-11-19T08:00:00Z' }),
      ev('b', { foo: 'not a number', vip: 'yes', seen_at: T0 }),
      ev('c', { foo: 7.5, other: 'kept' }),
      ev('d', {}),
    ]);
    await v1.close();
  });

  afterEach(async () => {
    await store?.close();
    store = null;
    await rm(dir, { recursive: true, force: true });
  });

  it('adds newly declared props as typed columns, backfilled from extra', async () => {
    const s = await reopen(V2);
    expect(await columns(s)).toEqual(expect.arrayContaining(['p_amount', 'p_plan', 'p_foo', 'p_vip', 'p_seen_at']));
    const rows = await s.query('SELECT id, p_foo, p_vip, p_seen_at, extra FROM events WHERE org_id = $1 ORDER BY id', [ORG]);
    expect(rows.map((r) => [r['id'], r['p_foo'], r['p_vip'], r['p_seen_at']])).toEqual([
      ['a', 42, true, Date.UTC(2026, 10, 19, 8, 0, 0)],
      ['b', null, true, T0],
      ['c', 7.5, null, null],
      ['d', null, null, null],
    ]);
    // The typed column is what queries use now; the original text stays readable in extra.
    const [typed] = await s.query('SELECT sum(p_foo) AS total FROM events WHERE org_id = $1 AND p_foo > $2', [ORG, 10]);
    expect(typed?.['total']).toBe(42);
    expect(JSON.parse(String(rows[2]?.['extra']))).toMatchObject({ other: 'kept' });

    // New events put declared props in their columns and not in extra.
    await s.append(ORG, [ev('e', { foo: 3, other: 'x' })]);
    const [e] = await s.query('SELECT p_foo, extra FROM events WHERE id = $1', ['e']);
    expect(e).toEqual({ p_foo: 3, extra: '{"other":"x"}' });
  });

  it('is a no-op when reopened with the same catalog', async () => {
    const first = await reopen(V2);
    const before = await columns(first);
    await first.execute('UPDATE events SET p_foo = 99 WHERE id = $1', ['a']);
    const again = await reopen(V2);
    expect(await columns(again)).toEqual(before);
    const [a] = await again.query('SELECT p_foo FROM events WHERE id = $1', ['a']);
    expect(a?.['p_foo']).toBe(99);
    const versions = await again.query('SELECT version FROM schema_migrations ORDER BY version', []);
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
  });

  it('refuses a changed prop type, naming the prop and both types, and alters nothing', async () => {
    await reopen(V2);
    const changed = storeCatalog({ amount: 'number', foo: 'string', brand_new: 'string' }, 'v3');
    await expect(reopen(changed)).rejects.toThrow(/"foo".*DOUBLE.*string/);
    const s = await reopen(V2);
    expect(await columns(s)).not.toContain('p_brand_new');
  });

  it('applies pending versioned migrations once each, and none of a failing one', async () => {
    await store?.close();
    store = null;
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    try {
      // Relative to the newest shipped migration, so adding a migration does not break this test.
      const latest = Math.max(...MIGRATIONS.map((m) => m.version));
      const v2: Migration = {
        version: latest + 1,
        name: 'add jobs',
        up: async (c) => {
          await c.run('CREATE TABLE jobs (id VARCHAR PRIMARY KEY)');
        },
      };
      const broken: Migration = {
        version: latest + 2,
        name: 'broken',
        up: async (c) => {
          await c.run('CREATE TABLE half_done (id VARCHAR)');
          await c.run('SELECT * FROM no_such_table');
        },
      };
      expect(await applyMigrations(conn, [...MIGRATIONS, v2])).toEqual([latest + 1]);
      expect(await applyMigrations(conn, [...MIGRATIONS, v2])).toEqual([]);
      await expect(applyMigrations(conn, [...MIGRATIONS, v2, broken])).rejects.toThrow(new RegExp(`v${latest + 2} broken`));
      const tables = await conn.runAndReadAll(
        `SELECT table_name FROM information_schema.tables WHERE table_name IN ('jobs', 'half_done')`,
      );
      expect(tables.getColumns()[0]).toEqual(['jobs']);
      const versions = await conn.runAndReadAll('SELECT version FROM schema_migrations ORDER BY version');
      expect(versions.getColumns()[0]).toEqual([...MIGRATIONS.map((m) => m.version), latest + 1]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
