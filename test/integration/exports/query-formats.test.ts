/**
 * Query exports in every format, read back with an independent reader and compared with what
 * POST /query answers for the same query: the streamed path (no granularity) and the shaped path
 * (granularity, fill, compare, a non-UTC zone).
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../fixtures/app.js';
import { neutralized, openpyxlAvailable, readCsv, readParquet, readXlsx, readXlsxWithOpenpyxl } from './readers.js';
import type { Cell, Column, QueryAnswer } from './query-table.js';
import { table, typed } from './query-table.js';
import { ORG, RANGE, post, seeded } from './setup.js';

let t: TestApp;
let token: string;

const STREAMED = { metrics: ['count', 'sum(amount)', 'p90_amount', 'failure_rate'], dimensions: ['channel', 'premium'], timeRange: RANGE };
const SHAPED = {
  metrics: ['count', 'revenue'],
  dimensions: ['currency'],
  granularity: '1d',
  timezone: 'Europe/Berlin',
  compare: 'previous_period',
  timeRange: RANGE,
};

beforeAll(async () => {
  t = await seeded({ exports: { chunkRows: 7 } });
  token = await t.token(ORG, 'analyst');
});
afterAll(() => t.close());

async function answer(spec: object): Promise<QueryAnswer> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${token}` }, payload: spec });
  expect(res.statusCode).toBe(200);
  return res.json() as QueryAnswer;
}

/** XLSX keeps a line break as LF: a CR (or CRLF) in a text cell reads back as LF. */
function xlsxExpected(rows: Cell[][]): Cell[][] {
  return rows.map((r) => r.map((v) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n') : v)));
}

/** An XLSX date cell shows the wall clock of `zone`; turn it back into an instant (luxon, not src). */
function wallToMs(d: Date, zone: string): number {
  return DateTime.fromISO(d.toISOString().slice(0, -1), { zone }).toMillis();
}

async function exported(format: string, spec: object) {
  const res = await post(t, token, { format, query: spec });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  return res;
}

describe.each([
  ['streamed (no granularity)', STREAMED],
  ['shaped (granularity, compare, Europe/Berlin)', SHAPED],
])('query export, %s', (_label, spec) => {
  let expected: { header: Column[]; rows: Cell[][] };
  let zone: string;

  beforeAll(async () => {
    const a = await answer(spec);
    zone = a.meta.timezone;
    expected = table(a, { dimensions: spec.dimensions, compare: 'compare' in spec });
    expect(expected.rows.length).toBeGreaterThan(5);
  });

  const headerNames = (): string[] => expected.header.map((c) => (c.type === 'time' ? `${c.name} (${zone})` : c.name));

  it('CSV: csv-parse reads the same table; text cells neutralised, the zone in the header', async () => {
    const res = await exported('csv', spec);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    // The range in the name is written in the export's zone.
    const hour = zone === 'UTC' ? '1200' : '1300';
    expect(res.headers['content-disposition']).toBe(`attachment; filename="tally_acme_query-${spec.metrics.join('-').replace(/[^A-Za-z0-9]+/g, '-')}_2026-11-06T${hour}_2026-11-20T${hour}.csv"`);
    expect(res.headers['x-tally-timezone']).toBe(zone);
    const [header, ...rows] = readCsv(res.body);
    expect(header).toEqual(headerNames());
    const want = expected.rows.map((r) => r.map((v, i) => (expected.header[i]?.type === 'string' && typeof v === 'string' ? neutralized(v) : v)));
    expect(rows.map((r) => r.map((cell, i) => typed(cell, expected.header[i]?.type ?? 'string')))).toEqual(want);
    if (zone !== 'UTC') expect(rows[0]?.[0]).toMatch(/^2026-11-\d\dT00:00:00\.000\+01:00$/);
  });

  it('NDJSON and JSON: the very rows of POST /query (times in the zone, same instants)', async () => {
    const a = await answer(spec);
    const normal = (rows: Array<Record<string, unknown>>) => rows.map((r) => ({ ...r, ...(typeof r['time'] === 'string' ? { time: Date.parse(r['time']) } : {}) }));
    const nd = await exported('ndjson', spec);
    const lines = nd.body.split('\n');
    expect(lines.pop()).toBe('');
    expect(normal(lines.map((l) => JSON.parse(l) as Record<string, unknown>))).toEqual(normal(a.rows));
    const js = await exported('json', spec);
    const doc = js.json() as { columns: Column[]; rows: Array<Record<string, unknown>>; meta: { timezone: string; org: string } };
    expect(doc.columns).toEqual(a.columns);
    expect(doc.meta).toMatchObject({ timezone: zone, org: ORG, kind: 'query' });
    expect(normal(doc.rows)).toEqual(normal(a.rows));
  });

  it('XLSX: exceljs reads typed cells (numbers, booleans, dates in the zone) equal to the answer', async () => {
    const res = await exported('xlsx', spec);
    const book = await readXlsx(res.rawPayload);
    expect([...book.sheets.keys()]).toEqual(['Export', 'About']);
    const [header, ...rows] = book.sheets.get('Export') ?? [];
    expect(header).toEqual(headerNames());
    const back = rows.map((r) => r.map((v) => (v instanceof Date ? wallToMs(v, zone) : v)));
    expect(back).toEqual(xlsxExpected(expected.rows));
    expect(book.formulas).toBe(0);
    const about = new Map((book.sheets.get('About') ?? []).map(([k, v]) => [k, v]));
    expect(about.get('Organisation')).toBe(ORG);
    expect(about.get('Time zone')).toBe(zone);
    expect(about.get('Rows')).toBe(expected.rows.length);
  });

  it.skipIf(!openpyxlAvailable())('XLSX: openpyxl (Debian python3-openpyxl) reads the same values and types', async () => {
    const res = await exported('xlsx', spec);
    const book = await readXlsxWithOpenpyxl(res.rawPayload);
    const [header, ...rows] = book.sheets['Export'] ?? [];
    expect(header?.map(([, v]) => v)).toEqual(headerNames());
    const back = rows.map((r) =>
      r.map(([type, v], i) => {
        const col = expected.header[i];
        if (type === 'd' && typeof v === 'string') return DateTime.fromISO(v, { zone }).toMillis();
        if (v === null) return null;
        expect({ col: col?.name, type }).toEqual({ col: col?.name, type: col?.type === 'number' ? 'n' : col?.type === 'boolean' ? 'b' : 's' });
        return v;
      }),
    );
    expect(back).toEqual(xlsxExpected(expected.rows));
    expect(book.formulas).toBe(0);
  });

  it('Parquet: DuckDB read_parquet returns the same rows, times as instants, the zone in the metadata', async () => {
    const res = await exported('parquet', spec);
    expect(res.headers['content-type']).toBe('application/vnd.apache.parquet');
    const file = await readParquet(res.rawPayload);
    expect(file.columns).toEqual(expected.header.map((c) => c.name));
    expect(file.metadata).toMatchObject({ timezone: zone, org: ORG });
    if ('granularity' in spec) expect(file.types[0]).toBe('TIMESTAMP WITH TIME ZONE');
    expect(file.rows.map((r) => file.columns.map((c) => r[c] ?? null))).toEqual(expected.rows);
  });
});

describe('query export limits', () => {
  it('exports ignore the default 1,000-row limit and honour an explicit limit above 10,000', async () => {
    const many = Array.from({ length: 12_000 }, (_, i) => ({ event: 'page.viewed', timestamp: Date.parse(RANGE.to) - 1000 - i, actor: `a${i}`, id: null, props: {} }));
    await t.seed('wide', many);
    const wide = await t.token('wide', 'analyst');
    const spec = { metrics: ['count'], dimensions: ['actor'], timeRange: RANGE };
    const all = await t.app.inject({ method: 'POST', url: '/api/v1/exports', headers: { authorization: `Bearer ${wide}` }, payload: { format: 'ndjson', query: spec } });
    expect(all.body.trim().split('\n')).toHaveLength(12_000);
    const some = await t.app.inject({ method: 'POST', url: '/api/v1/exports', headers: { authorization: `Bearer ${wide}` }, payload: { format: 'csv', query: { ...spec, limit: 11_000 } } });
    expect(readCsv(some.body)).toHaveLength(11_001);
    const query = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${wide}` }, payload: { ...spec, limit: 11_000 } });
    expect(query.statusCode).toBe(400);
    expect(query.json()).toMatchObject({ code: 'LIMIT_TOO_LARGE' });
  });
});
