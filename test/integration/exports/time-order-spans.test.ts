/**
 * Time-ordered raw exports on DuckDB read each sort window from the rowids of the blocks that hold
 * its times. Events stored in time order (as live ingest leaves them) give narrow rowid spans;
 * late arrivals stored after them must still come out in their place, and nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { RawSource } from '../../../src/export/raw-source.js';
import type { TestApp } from '../../fixtures/app.js';
import { fixtureEvents } from '../../fixtures/events.js';
import { readCsv } from './readers.js';
import { ORG, RANGE, exportApp, post } from './setup.js';

const WINDOW = 100;
const inOrder = fixtureEvents(2000, 11)
  .sort((a, b) => a.timestamp - b.timestamp)
  .map((e, i) => ({ ...e, id: `e-${i}` }));
/** Arrive after everything else, with times spread over the range. */
const late: StoredEvent[] = fixtureEvents(25, 12).map((e, i) => ({ ...e, id: `late-${i}` }));

let t: TestApp;
let token: string;

async function spans(): Promise<Array<{ from: number; to: number }>> {
  const prepared = await t.exports?.prepare({ format: 'csv', raw: { timeRange: RANGE } }, ORG);
  const source = prepared?.source as RawSource;
  const out: Array<{ from: number; to: number }> = [];
  for await (const s of source.selects(new AbortController().signal)) {
    expect(s.sql).toMatch(/rowid/);
    out.push({ from: Number(s.params.at(-2)), to: Number(s.params.at(-1)) });
  }
  return out;
}

/** (time, id) of every acme event in RANGE, ordered by the store with its own ORDER BY. */
async function expected(): Promise<string[]> {
  const rows = await t.store.query(
    `SELECT epoch_ms(ts) AS t, id FROM events WHERE org_id = $1 AND ts >= $2::TIMESTAMP AND ts < $3::TIMESTAMP ORDER BY ts, id`,
    [ORG, RANGE.from.replace('Z', ''), RANGE.to.replace('Z', '')],
  );
  return rows.map((r) => `${Number(r['t'])} ${String(r['id'])}`);
}

async function exported(): Promise<string[]> {
  const res = await post(t, token, { format: 'csv', raw: { timeRange: RANGE, columns: ['time', 'id'] } });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  const [, ...rows] = readCsv(res.body);
  const times = rows.map((r) => Date.parse(r[0] as string));
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number);
  // Equal times may come in any order: compare in (time, id) order.
  return rows.map((r, i) => `${times[i]} ${r[1]}`).sort((a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]) || a.localeCompare(b));
}

beforeAll(async () => {
  t = await exportApp({ exports: { windowRows: WINDOW, chunkRows: 64 } });
  token = await t.token(ORG, 'analyst');
  await t.seed(ORG, inOrder);
});
afterAll(() => t.close());

describe('time order over rowid spans', () => {
  it('reads each window from a few blocks when events are stored in time order', async () => {
    const planned = await spans();
    expect(planned.length).toBeGreaterThanOrEqual(2000 / WINDOW);
    const read = planned.reduce((n, s) => n + (s.to - s.from), 0);
    // Each window overlaps its own block and at most the neighbours at its edges.
    expect(read).toBeLessThanOrEqual(3 * 2000);
    expect(await exported()).toEqual(await expected());
  });

  it('puts late arrivals, stored after everything, in their place', async () => {
    await t.seed(ORG, late);
    const want = await expected();
    expect(want.filter((row) => row.includes('late-'))).toHaveLength(late.length);
    expect(await exported()).toEqual(want);
  });
});
