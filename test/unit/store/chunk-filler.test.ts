/** ChunkFiller against a real in-memory DuckDB: what goes in through raw vectors comes back out. */
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CellValue } from '../../../src/store/duckdb/chunk-filler.js';
import { ChunkFiller } from '../../../src/store/duckdb/chunk-filler.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeEach(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  await conn.run('CREATE TABLE t (s VARCHAR, d DOUBLE, b BOOLEAN, ts TIMESTAMP, j JSON)');
});

afterEach(() => {
  conn.closeSync();
  instance.closeSync();
});

/** Row r of a 150-row sample: nulls in a different pattern per column, across several 64-row words. */
function sample(r: number): CellValue[] {
  const ms = [Date.UTC(1969, 6, 20, 20, 17, 40), Date.UTC(2026, 10, 23, 12, 0, 0, 123), Date.UTC(2262, 0, 1)][r % 3]!;
  return [
    r % 7 === 0 ? null : `s${r} ü ' "`,
    r % 5 === 0 ? null : r * 1.5 - 100,
    r % 11 === 0 ? null : r % 2 === 0,
    r % 13 === 0 ? null : ms + r,
    r % 3 === 0 ? null : JSON.stringify({ r }),
  ];
}

async function fillAndRead(rows: number, capacity: number): Promise<unknown[][]> {
  const appender = await conn.createAppender('t');
  const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
  const filler = new ChunkFiller(types, capacity);
  for (let start = 0; start < rows; start += capacity) {
    const n = Math.min(capacity, rows - start);
    filler.start(n);
    for (let r = 0; r < n; r++) sample(start + r).forEach((v, c) => filler.set(r, c, v));
    appender.appendDataChunk(filler.finish());
  }
  appender.flushSync();
  appender.closeSync();
  const reader = await conn.runAndReadAll('SELECT s, d, b, epoch_ms(ts) AS ts, j::VARCHAR AS j FROM t');
  return reader.getRowsJS().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}

describe('ChunkFiller', () => {
  it('writes strings, doubles, booleans, timestamps (before 1970 too) and nulls exactly', async () => {
    const rows = await fillAndRead(150, 2048);
    expect(rows).toEqual(Array.from({ length: 150 }, (_, r) => sample(r)));
  });

  it('reuses its buffers across chunks without leaking a null into the next chunk', async () => {
    const rows = await fillAndRead(150, 40);
    expect(rows).toEqual(Array.from({ length: 150 }, (_, r) => sample(r)));
  });

  it('fills a column with one constant value for the whole chunk', async () => {
    const appender = await conn.createAppender('t');
    const filler = new ChunkFiller(Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i)), 100);
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    for (const [rows, text] of [[70, 'org-a'], [30, "o'b"]] as const) {
      filler.start(rows);
      filler.constant(0, text);
      filler.constant(3, at);
      for (let r = 0; r < rows; r++) filler.set(r, 1, r);
      appender.appendDataChunk(filler.finish());
    }
    appender.flushSync();
    appender.closeSync();
    const reader = await conn.runAndReadAll('SELECT s, count(*)::INT AS n, sum(d)::INT AS d, min(epoch_ms(ts))::BIGINT AS lo, max(epoch_ms(ts))::BIGINT AS hi FROM t GROUP BY s ORDER BY s');
    const rows = reader.getRowObjectsJS().map((r) => ({ ...r, lo: Number(r['lo']), hi: Number(r['hi']) }));
    expect(rows).toEqual([
      { s: "o'b", n: 30, d: (29 * 30) / 2, lo: at, hi: at },
      { s: 'org-a', n: 70, d: (69 * 70) / 2, lo: at, hi: at },
    ]);
  });

  it('refuses a value of the wrong kind for its column', async () => {
    const appender = await conn.createAppender('t');
    const filler = new ChunkFiller(Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i)), 8);
    filler.start(1);
    expect(() => filler.set(0, 0, 42)).toThrow(TypeError);
    expect(() => filler.set(0, 1, 'x')).toThrow(TypeError);
    expect(() => filler.set(0, 3, Number.NaN)).toThrow(TypeError);
    expect(() => filler.constant(1, 'x')).toThrow(TypeError);
    appender.closeSync();
  });
});
