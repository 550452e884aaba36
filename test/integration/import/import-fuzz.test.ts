/**
 * Property: a CSV or NDJSON file of random rows — columns from the model, unknown ones, odd cells,
 * quoting broken or not, rows longer or shorter than the header — is imported whole (the store
 * gains exactly the events the report accepted) or refused with ImportRejected (the store gains
 * nothing); never another error. Through the real ingest service and store.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportSource } from '../../../src/ingest/import/import-events.js';
import { importEvents, ImportRejected, orgTarget } from '../../../src/ingest/import/import-events.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END } from '../../fixtures/events.js';
import { mutationsOf, word } from '../../fixtures/fuzz.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 5;
const ORG = 'import-fuzz';
const COLUMNS = ['event', 'timestamp', 'actor', 'id', 'amount', 'currency', 'page', 'premium', 'score', 'coupon', 'props.coupon', 'props.amount', 'org_id', ''];
const CELLS = ['payment.completed', 'page.viewed', '2026-11-19T10:00:00Z', '1795000000000', '2026-11-19', '12.5', '-0', 'true', 'false', 'EUR', '', 'null', 'u_1', '"', 'a,b', 'line\nbreak', ' spaced ', '\u0000', '=1+1'];

const cell = fc.oneof(fc.constantFrom(...CELLS), word);
/** Cells a column takes; the random ones above now and then. */
const VALID: Record<string, string[]> = {
  event: ['payment.completed', 'page.viewed'],
  timestamp: ['2026-11-19T10:00:00Z', '2026-11-18T23:59:59.123+02:00', ''],
  actor: ['u_1', 'u_2', ''],
  id: ['i-1', 'i-2', ''],
  amount: ['12.5', '3', ''],
  currency: ['EUR', 'USD', ''],
  premium: ['true', 'false', ''],
  coupon: ['SPRING', '7', ''],
};
const columnCell = (column: string): fc.Arbitrary<string> =>
  Object.hasOwn(VALID, column) ? fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...VALID[column]!) }, { weight: 1, arbitrary: cell }) : cell;
const quoted = (c: string): string => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
const csv = fc
  .record({
    header: fc.uniqueArray(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...Object.keys(VALID)) }, { weight: 1, arbitrary: fc.constantFrom(...COLUMNS) }, { weight: 1, arbitrary: word }), { minLength: 1, maxLength: 7 }),
    rowCount: fc.nat({ max: 6 }),
    quote: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n'),
  })
  .chain(({ header, rowCount, quote, eol }) => {
    const columns = header.includes('event') ? header : ['event', ...header];
    const row = fc.oneof({ weight: 6, arbitrary: fc.tuple(...columns.map(columnCell)) }, { weight: 1, arbitrary: fc.array(cell, { maxLength: 8 }) });
    return fc.array(row, { minLength: rowCount, maxLength: rowCount }).map((rows) => [columns, ...rows].map((r) => r.map((c) => (quote ? quoted(c) : c)).join(',')).join(eol) + eol);
  });
const EVENT = { event: 'payment.completed', timestamp: '2026-11-19T10:00:00Z', actor: 'u_1', props: { amount: 5, currency: 'EUR', premium: true } };
const ndjson = fc
  .array(fc.oneof({ weight: 4, arbitrary: mutationsOf(EVENT).map((e) => JSON.stringify(e) ?? '') }, { weight: 1, arbitrary: word }), { minLength: 1, maxLength: 6 })
  .map((lines) => lines.join('\n'));

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
});
afterAll(() => t.close());

async function stored(): Promise<number> {
  return Number((await t.store.query('SELECT count(*) AS n FROM events WHERE org_id = $1', [ORG]))[0]?.['n']);
}

async function importsWholeOrNothing(format: 'csv' | 'ndjson', text: string): Promise<void> {
  const source: ImportSource = { format, open: () => Readable.from([Buffer.from(text)]) };
  const before = await stored();
  try {
    const report = await importEvents(source, { target: orgTarget(t.ingest, ORG), catalog: t.catalog, now: () => FIXTURE_END }, { batchSize: 2, dryRun: false, fromLine: 1 });
    expect(await stored(), text).toBe(before + report.accepted);
  } catch (err) {
    expect(err, `${String(err)}\n${text}`).toBeInstanceOf(ImportRejected);
    expect(await stored(), text).toBe(before);
  }
}

describe('random import files', () => {
  it('CSV: import whole or store nothing', async () => {
    await fc.assert(fc.asyncProperty(csv, (text) => importsWholeOrNothing('csv', text)), { numRuns: RUNS });
  });

  it('NDJSON: import whole or store nothing', async () => {
    await fc.assert(fc.asyncProperty(ndjson, (text) => importsWholeOrNothing('ndjson', text)), { numRuns: RUNS });
  });
});
