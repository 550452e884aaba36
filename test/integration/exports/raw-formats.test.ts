/**
 * Raw-event exports in every format, read back independently and compared with the events as a
 * hand-written SQL statement reads them from the store: all columns, time order across several
 * sort windows, storage order, filters and column picks, zones, and the tenant boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportService } from '../../../src/export/index.js';
import type { TestApp } from '../../fixtures/app.js';
import { neutralized, readCsv, readParquet, readXlsx } from './readers.js';
import { ORG, OTHER_ORG, RANGE, post, seeded } from './setup.js';

type Cell = string | number | boolean | null;

const COLUMNS = ['time', 'event', 'actor', 'id', 'amount', 'currency', 'channel', 'page', 'score', 'premium', 'props'];
const TYPES: Record<string, string> = { time: 'time', amount: 'number', score: 'number', premium: 'boolean', props: 'json' };
const typeOf = (name: string): string => TYPES[name] ?? 'string';
const MARKER = 'globex-only-actor';

let t: TestApp;
let token: string;
/** Every acme event in RANGE, as the store holds them, oldest first. */
let events: Cell[][];

beforeAll(async () => {
  // Small sort windows and chunks, so that a few thousand events cross many of both.
  t = await seeded({ exports: { windowRows: 250, chunkRows: 64 } });
  await t.seed(OTHER_ORG, [{ event: 'payment.completed', timestamp: Date.parse(RANGE.to) - 5_000, actor: MARKER, id: 'g-1', props: { amount: 1 } }]);
  token = await t.token(ORG, 'analyst');
  const rows = await t.store.query(
    `SELECT ${epochMs('ts')} AS time, event, actor, id, p_amount AS amount, p_currency AS currency, p_channel AS channel,
            p_page AS page, p_score AS score, p_premium AS premium, extra AS props
     FROM events WHERE org_id = 'acme' AND ts >= TIMESTAMP '2026-11-06 12:00:00' AND ts < TIMESTAMP '2026-11-20 12:00:00' ORDER BY ts`,
    [],
  );
  events = rows.map((r) => COLUMNS.map((c) => r[c] ?? null));
  expect(events.length).toBeGreaterThan(2500);
});
afterAll(() => t.close());

/** Reference SQL in the store's own dialect (these statements are the test's, not the compiler's). */
function epochMs(column: string): string {
  return t.store.dialect === 'duckdb' ? `epoch_ms(${column})` : `floor(extract(epoch from ${column}) * 1000)::bigint`;
}

function extraText(name: string): string {
  return t.store.dialect === 'duckdb' ? `json_extract_string(extra, '$."${name}"')` : `(extra ->> '${name}')`;
}

/** Content order-independent: sorted by time, then the rest as text. */
function sorted(rows: Cell[][]): Cell[][] {
  return [...rows].sort((a, b) => Number(a[0]) - Number(b[0]) || JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function expectTimeOrder(rows: Cell[][]): void {
  for (let i = 1; i < rows.length; i++) expect(Number(rows[i]?.[0])).toBeGreaterThanOrEqual(Number(rows[i - 1]?.[0]));
}

function fromText(text: string, name: string): Cell {
  if (text === '') return null;
  const type = typeOf(name);
  if (type === 'number') return Number(text);
  if (type === 'boolean') return text === 'true';
  if (type === 'time') return Date.parse(text);
  return text;
}

async function exportRaw(format: string, raw: object = {}) {
  const res = await post(t, token, { format, raw: { timeRange: RANGE, ...raw } });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.body.includes(MARKER)).toBe(false);
  return res;
}

describe('raw export of every event, every column', () => {
  it('CSV (time order): every event once, sorted, text neutralised, numbers bare', async () => {
    const res = await exportRaw('csv');
    expect(res.headers['content-disposition']).toBe('attachment; filename="tally_acme_events_2026-11-06T1200_2026-11-20T1200.csv"');
    const [header, ...rows] = readCsv(res.body);
    expect(header).toEqual(COLUMNS.map((c) => (c === 'time' ? 'time (UTC)' : c)));
    const back = rows.map((r) => r.map((cell, i) => fromText(cell, COLUMNS[i] as string)));
    expectTimeOrder(back);
    const want = events.map((r) => r.map((v, i) => (typeof v === 'string' && typeOf(COLUMNS[i] as string) !== 'time' ? neutralized(v) : v)));
    expect(sorted(back)).toEqual(sorted(want));
  });

  it('NDJSON (storage order) and JSON: props is an object, times ISO UTC', async () => {
    const asRows = (objects: Array<Record<string, unknown>>): Cell[][] =>
      objects.map((o) => COLUMNS.map((c) => (c === 'time' ? Date.parse(String(o[c])) : c === 'props' ? (o[c] === null ? null : JSON.stringify(o[c])) : (o[c] as Cell))));
    const want = sorted(events.map((r) => r.map((v, i) => (COLUMNS[i] === 'props' && typeof v === 'string' ? JSON.stringify(JSON.parse(v)) : v))));
    const nd = await exportRaw('ndjson', { order: 'none' });
    const lines = nd.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(String(lines[0]?.['time'])).toMatch(/Z$/);
    expect(sorted(asRows(lines))).toEqual(want);
    const js = await exportRaw('json');
    const doc = js.json() as { columns: Array<{ name: string }>; rows: Array<Record<string, unknown>>; meta: Record<string, unknown> };
    expect(doc.columns.map((c) => c.name)).toEqual(COLUMNS);
    expect(doc.meta).toMatchObject({ org: ORG, kind: 'events', timezone: 'UTC', timeRange: { from: RANGE.from, to: RANGE.to } });
    expectTimeOrder(asRows(doc.rows));
    expect(sorted(asRows(doc.rows))).toEqual(want);
  });

  it('XLSX: exceljs reads dates, numbers, booleans and text equal to the store', async () => {
    const res = await exportRaw('xlsx');
    const book = await readXlsx(res.rawPayload);
    const [header, ...rows] = book.sheets.get('Export') ?? [];
    expect(header).toEqual(COLUMNS.map((c) => (c === 'time' ? 'time (UTC)' : c)));
    const back = rows.map((r) => r.map((v) => (v instanceof Date ? v.getTime() : v)));
    expectTimeOrder(back);
    const want = events.map((r) => r.map((v) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n') : v)));
    expect(sorted(back)).toEqual(sorted(want));
    expect(book.formulas).toBe(0);
  });

  it('Parquet (time order over several windows): read_parquet returns every event in order', async () => {
    const res = await exportRaw('parquet');
    const file = await readParquet(res.rawPayload);
    expect(file.columns).toEqual(COLUMNS);
    expect(file.types[0]).toBe('TIMESTAMP WITH TIME ZONE');
    const back = file.rows.map((r) => COLUMNS.map((c) => r[c] ?? null));
    expectTimeOrder(back);
    expect(sorted(canonicalProps(back))).toEqual(sorted(canonicalProps(events)));
  });
});

/** The props column as compact JSON text: Parquet's JSON keeps the value, not the store's spacing (PostgreSQL's jsonb prints `{"a": 1}`). */
function canonicalProps(rows: Cell[][]): Cell[][] {
  const at = COLUMNS.indexOf('props');
  return rows.map((r) => r.map((v, i) => (i === at && typeof v === 'string' ? JSON.stringify(JSON.parse(v)) : v)));
}

describe('DuckDB-rendered and JavaScript-rendered text agree', () => {
  async function both(format: 'csv' | 'ndjson', raw: object): Promise<[string, string]> {
    const js = new ExportService({ store: t.store, engine: t.engine, dir: t.exports?.directory ?? null, nativeText: false });
    const read = async (service: ExportService): Promise<string> => {
      const run = await service.startSync({ format, raw: { timeRange: RANGE, ...raw } }, { org: ORG, sub: `agree-${String(service === js)}` });
      let text = '';
      for await (const chunk of run.stream) text += String(chunk);
      return text;
    };
    return [await read(t.exports as ExportService), await read(js)];
  }

  it.each([
    ['UTC', {}],
    ['a zone with a half-hour offset', { timezone: 'America/St_Johns' }],
  ])('CSV, %s: same header, same text cells, same numbers', async (_label, raw) => {
    const [native, js] = await both('csv', raw);
    const [nativeHeader, ...nativeRows] = readCsv(native);
    const [jsHeader, ...jsRows] = readCsv(js);
    expect(nativeHeader).toEqual(jsHeader);
    expect(nativeRows.length).toBe(events.length);
    const typed = (rows: string[][]) => rows.map((r) => r.map((cell, i) => (typeOf(COLUMNS[i] as string) === 'number' && cell !== '' ? Number(cell) : cell)));
    expect(typed(nativeRows)).toEqual(typed(jsRows));
  });

  it('NDJSON: the same objects', async () => {
    const [native, js] = await both('ndjson', { timezone: 'Asia/Kathmandu' });
    const parse = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(parse(native)).toEqual(parse(js));
  });
});

describe('raw export options', () => {
  it('events, filters and picked columns (with an undeclared prop) select exactly what SQL selects', async () => {
    const want = await t.store.query(
      `SELECT ${epochMs('ts')} AS time, actor, p_amount AS amount, ${extraText('coupon')} AS coupon
       FROM events WHERE org_id = 'acme' AND ts >= TIMESTAMP '2026-11-06 12:00:00' AND ts < TIMESTAMP '2026-11-20 12:00:00'
         AND event = 'payment.completed' AND p_amount >= 50 ORDER BY ts`,
      [],
    );
    const res = await exportRaw('csv', {
      events: ['payment.completed'],
      filters: [{ field: 'amount', op: 'gte', value: 50 }],
      columns: ['time', 'actor', 'amount', 'props.coupon'],
    });
    const [header, ...rows] = readCsv(res.body);
    expect(header).toEqual(['time (UTC)', 'actor', 'amount', 'props.coupon']);
    expect(rows.length).toBe(want.length);
    expect(sorted(rows.map((r) => [Date.parse(r[0] as string), r[1] ?? null, Number(r[2]), r[3] === '' ? null : (r[3] as string)]))).toEqual(
      sorted(want.map((w) => [w['time'] ?? null, neutralized(String(w['actor'])), w['amount'] ?? null, w['coupon'] ?? null])),
    );
  });

  it('a zone renders times with their offset and names the zone in the header', async () => {
    const res = await exportRaw('csv', { timezone: 'America/New_York', columns: ['time', 'event'] });
    expect(res.headers['x-tally-timezone']).toBe('America/New_York');
    const [header, first] = readCsv(res.body);
    expect(header).toEqual(['time (America/New_York)', 'event']);
    expect(first?.[0]).toMatch(/^2026-11-\d\dT\d\d:\d\d:\d\d\.\d{3}-05:00$/);
    expect(Date.parse(first?.[0] as string)).toBe(events[0]?.[0]);
  });

  it('an empty range still has its header (CSV) and a typed, empty file (Parquet)', async () => {
    const empty = { timeRange: { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' } };
    const csv = await exportRaw('csv', empty);
    expect(readCsv(csv.body)).toEqual([COLUMNS.map((c) => (c === 'time' ? 'time (UTC)' : c))]);
    const parquet = await readParquet((await exportRaw('parquet', empty)).rawPayload);
    expect(parquet.columns).toEqual(COLUMNS);
    expect(parquet.rows).toEqual([]);
    const json = (await exportRaw('json', empty)).json() as { rows: unknown[] };
    expect(json.rows).toEqual([]);
  });

  it.each([
    [{ raw: { columns: ['time', 'nope'] } }, 'UNKNOWN_FIELD', '/raw/columns/1'],
    [{ raw: { filters: [{ field: 'nope', op: 'eq', value: 1 }] } }, 'UNKNOWN_FIELD', '/raw/filters/0/field'],
    [{ raw: { timezone: 'Mars/Base' } }, 'INVALID_TIMEZONE', '/raw/timezone'],
    [{ raw: { events: ['bad event name!'] } }, 'VALIDATION', '/raw/events/0'],
    [{ query: { metrics: ['revnue'] } }, 'UNKNOWN_METRIC', '/query/metrics/0'],
    [{ query: { metrics: ['count'] }, raw: {} }, 'VALIDATION', '/'],
    [{}, 'VALIDATION', '/'],
  ])('a bad request is a 400 naming the field, before any byte: %j', async (body, code, path) => {
    const res = await post(t, token, { format: 'csv', ...body });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ code, errors: expect.arrayContaining([expect.objectContaining({ path })]) });
  });
});
