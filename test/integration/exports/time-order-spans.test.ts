/**
 * Time-ordered raw exports on DuckDB read each window from the rowids of the blocks that hold its
 * times, and windows already stored in time order unsorted, in storage order. Events stored in
 * time order (as live ingest leaves them) are read without any sort, in few statements; late
 * arrivals stored after them must still come out in their place, and nothing twice.
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

async function reads(): Promise<Array<{ from: number; to: number; sorted: boolean }>> {
  const prepared = await t.exports?.prepare({ format: 'csv', raw: { timeRange: RANGE } }, ORG);
  const source = prepared?.source as RawSource;
  const out: Array<{ from: number; to: number; sorted: boolean }> = [];
  for await (const s of source.selects(new AbortController().signal)) {
    expect(s.sql).toMatch(/rowid/);
    out.push({ from: Number(s.params.at(-2)), to: Number(s.params.at(-1)), sorted: /ORDER BY/i.test(s.sql) });
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
  it('reads events stored in time order without sorting, each row once, in runs of up to four windows', async () => {
    const planned = await reads();
    expect(planned.every((r) => !r.sorted)).toBe(true);
    // Windows hold at most WINDOW rows (fewer where a histogram bucket would overflow one): runs of at most four.
    expect(planned.length).toBeGreaterThanOrEqual(Math.ceil(2000 / (4 * WINDOW)));
    expect(planned.length).toBeLessThan(2000 / WINDOW / 2);
    expect(planned.reduce((n, r) => n + (r.to - r.from), 0)).toBe(2000);
    expect(await exported()).toEqual(await expected());
  });

  it('puts late arrivals, stored after everything, in their place: the windows they fall in are sorted', async () => {
    await t.seed(ORG, late);
    const planned = await reads();
    expect(planned.some((r) => r.sorted)).toBe(true);
    expect(planned.some((r) => !r.sorted)).toBe(true);
    const want = await expected();
    expect(want.filter((row) => row.includes('late-'))).toHaveLength(late.length);
    expect(await exported()).toEqual(want);
  });
});
