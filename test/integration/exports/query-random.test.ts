/**
 * Property: a query export holds the very answer of POST /query. Random queries (ad hoc
 * aggregates, an optional dimension, random filters and ranges, by day or hour in five zones with
 * every fill, sometimes with `compare`) go to POST /query and out as NDJSON, JSON and CSV: NDJSON
 * and JSON rows equal the answer's rows (times compared as instants, as exports write them in the
 * zone), and the CSV read back by csv-parse is the answer's table (compare values flattened, text
 * cells neutralised). Streamed (no granularity) and shaped paths both. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { randomQuery, toSpec } from '../../fixtures/random-queries.js';
import { neutralized, readCsv } from './readers.js';
import type { QueryAnswer } from './query-table.js';
import { table, typed } from './query-table.js';
import { exportApp, post } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 3;
const events = fixtureEvents(1000, 53);

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await exportApp({ now: FIXTURE_END, exports: { chunkRows: 16 } });
  await t.seed('acme', events);
  await t.seed('globex', fixtureEvents(200, 9));
  token = await t.token('acme', 'analyst');
});
afterAll(() => t.close());

const cases = fc.record({ q: randomQuery(events), compare: fc.boolean() }).map(({ q, compare }) => ({
  ...toSpec(q),
  limit: 10_000,
  ...(compare ? { compare: 'previous_period' as const } : {}),
}));

const instants = (rows: ReadonlyArray<Record<string, unknown>>) => rows.map((r) => ({ ...r, ...(typeof r['time'] === 'string' ? { time: Date.parse(r['time']) } : {}) }));

describe('random query exports', () => {
  it('hold the answer of POST /query in NDJSON, JSON and CSV', { timeout: Math.max(30_000, RUNS * 800) }, async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (spec) => {
        const what = JSON.stringify(spec);
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${token}` }, payload: spec });
        expect(res.statusCode, `${what} → ${res.body.slice(0, 300)}`).toBe(200);
        const answer = res.json<QueryAnswer>();

        const nd = await post(t, token, { format: 'ndjson', query: spec });
        expect(nd.statusCode, `${what} → ${nd.body.slice(0, 300)}`).toBe(200);
        const lines = nd.body.split('\n');
        expect(lines.pop(), what).toBe('');
        expect(instants(lines.map((l) => JSON.parse(l) as Record<string, unknown>)), `${what} ndjson`).toEqual(instants(answer.rows));

        const js = await post(t, token, { format: 'json', query: spec });
        const doc = js.json<{ columns: unknown; rows: Array<Record<string, unknown>> }>();
        expect(doc.columns, `${what} json columns`).toEqual(answer.columns);
        expect(instants(doc.rows), `${what} json`).toEqual(instants(answer.rows));

        const csv = await post(t, token, { format: 'csv', query: spec });
        const expected = table(answer, { dimensions: spec.dimensions ?? [], compare: spec.compare !== undefined });
        const [header, ...rows] = readCsv(csv.body);
        expect(header, `${what} csv header`).toEqual(expected.header.map((c) => (c.type === 'time' ? `${c.name} (${answer.meta.timezone})` : c.name)));
        const want = expected.rows.map((r) => r.map((v, i) => (expected.header[i]?.type === 'string' && typeof v === 'string' ? neutralized(v) : v)));
        expect(rows.map((r) => r.map((cell, i) => typed(cell, expected.header[i]?.type ?? 'string'))), `${what} csv`).toEqual(want);
      }),
      { numRuns: RUNS },
    );
  });
});
