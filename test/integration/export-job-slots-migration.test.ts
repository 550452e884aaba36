/**
 * Schema version 7 (export job slots) on a store that already holds jobs: every queued or running
 * job of an org gets its own slot (0, 1, … by age), finished ones none, on DuckDB and PostgreSQL.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, applyMigrations } from '../../src/store/duckdb/schema-migrations.js';
import { PG_MIGRATIONS, applyPgMigrations } from '../../src/store/postgres/schema-migrations.js';
import { SHARED_PG_URL, dropSchema, testSchema } from '../fixtures/postgres.js';

const T0 = Date.UTC(2026, 10, 20, 10);
/** (id, org, status, minutes after T0): inserted in an order that is not their age. */
const JOBS: Array<[string, string, string, number]> = [
  ['j3', 'a', 'queued', 3],
  ['j1', 'a', 'running', 1],
  ['j0', 'a', 'done', 0],
  ['j2', 'a', 'queued', 2],
  ['k1', 'b', 'queued', 5],
  ['k0', 'b', 'failed', 4],
];
/** Expected: the org's active jobs numbered by age from 0; finished ones hold none. */
const EXPECTED = [
  { id: 'j0', slot: null },
  { id: 'j1', slot: 0 },
  { id: 'j2', slot: 1 },
  { id: 'j3', slot: 2 },
  { id: 'k0', slot: null },
  { id: 'k1', slot: 0 },
];
const INSERT = `INSERT INTO export_jobs (id, org_id, user_sub, status, format, spec, rows_written, created_at) VALUES ($1, $2, 'u', $3, 'csv', '{}', 0, $4)`;

describe('export job slots migration', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
  });

  it('numbers the active jobs of each org on DuckDB', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      await applyMigrations(conn, MIGRATIONS.filter((m) => m.version <= 6));
      for (const [id, org, status, minutes] of JOBS) await conn.run(INSERT.replace('$4', 'epoch_ms($4::BIGINT)'), [id, org, status, T0 + minutes * 60_000]);
      expect(await applyMigrations(conn)).toEqual([7]);
      const rows = (await conn.runAndReadAll('SELECT id, slot FROM export_jobs ORDER BY id')).getRowObjects();
      expect(rows).toEqual(EXPECTED);
      // The slot is unique per org.
      await conn.run(INSERT.replace('$4', 'now()'), ['x', 'a', 'queued']);
      await expect(conn.run(`UPDATE export_jobs SET slot = 0 WHERE id = 'x'`)).rejects.toThrow(/constraint|duplicate/i);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });

  it('numbers the active jobs of each org on PostgreSQL', async () => {
    const schema = testSchema('slots');
    schemas.push(schema);
    const client = new pg.Client({ connectionString: SHARED_PG_URL, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA "${schema}"`);
      await applyPgMigrations(client, PG_MIGRATIONS.filter((m) => m.version <= 6));
      for (const [id, org, status, minutes] of JOBS) await client.query(INSERT.replace('$4', "to_timestamp($4::bigint / 1000.0)"), [id, org, status, T0 + minutes * 60_000]);
      expect(await applyPgMigrations(client)).toEqual([7]);
      const rows = (await client.query<{ id: string; slot: number | null }>('SELECT id, slot FROM export_jobs ORDER BY id')).rows;
      expect(rows).toEqual(EXPECTED);
      await client.query(INSERT.replace('$4', 'now()'), ['x', 'a', 'queued']);
      await expect(client.query(`UPDATE export_jobs SET slot = 0 WHERE id = 'x'`)).rejects.toThrow(/unique/i);
    } finally {
      await client.end();
    }
  });
});
