/**
 * Property: a raw export holds exactly the events its filters and range select. Random filters of
 * every operator and random ranges go out as NDJSON exports (time order or storage order); the
 * lines, read back, must be the reference's selection of the fixture events — each once, nothing
 * of another org — and in time order when asked. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { TestApp } from '../../fixtures/app.js';
import { FIXTURE_DAYS, FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { predicate, randomFilter } from '../../fixtures/random-queries.js';
import { inRange } from '../../fixtures/reference.js';
import { exportApp, post } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 3;
const START = FIXTURE_END - FIXTURE_DAYS * 86_400_000;
const events = fixtureEvents(1200, 41);

let t: TestApp;
let token: string;

beforeAll(async () => {
  // Small sort windows and chunks: a selection crosses several of both.
  t = await exportApp({ exports: { windowRows: 100, chunkRows: 32 } });
  await t.seed('acme', events);
  await t.seed('globex', fixtureEvents(300, 8).map((e) => ({ ...e, actor: `globex-${e.actor}` })));
  token = await t.token('acme', 'analyst');
});
afterAll(() => t.close());

/** One event as a line of the raw NDJSON export shows it (declared props as columns, the rest under props). */
function line(e: StoredEvent): string {
  const { amount = null, currency = null, channel = null, page = null, score = null, premium = null, ...rest } = e.props;
  return JSON.stringify([new Date(e.timestamp).toISOString(), e.event, e.actor, amount, currency, channel, page, score, premium, rest]);
}

function fromExport(row: Record<string, unknown>): string {
  const { time, event, actor, amount, currency, channel, page, score, premium, props } = row;
  return JSON.stringify([time, event, actor, amount, currency, channel, page, score, premium, props ?? {}]);
}

describe('random raw exports', () => {
  it('hold exactly the selected events', { timeout: Math.max(30_000, RUNS * 500) }, async () => {
    const span = fc.tuple(fc.integer({ min: 0, max: FIXTURE_DAYS * 24 * 60 }), fc.integer({ min: 1, max: FIXTURE_DAYS * 24 * 60 }));
    await fc.assert(
      fc.asyncProperty(fc.array(randomFilter(events), { maxLength: 3 }), span, fc.constantFrom('time' as const, 'none' as const), async (filters, [start, length], order) => {
        const from = START + start * 60_000;
        const to = from + length * 60_000;
        const raw = { timeRange: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, filters, order };
        const res = await post(t, token, { format: 'ndjson', raw });
        const what = JSON.stringify(raw);
        expect(res.statusCode, `${what} → ${res.body.slice(0, 300)}`).toBe(200);
        const rows = res.body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
        const expected = events.filter((e) => inRange(from, to)(e) && filters.every((f) => predicate(f)(e)));
        expect(rows.map(fromExport).sort(), what).toEqual(expected.map(line).sort());
        if (order === 'time') {
          const times = rows.map((r) => Date.parse(String(r['time'])));
          expect(times, what).toEqual([...times].sort((a, b) => a - b));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
