/**
 * Property: `order`, `limit` and `offset` of POST /query. For random grouped queries (ad hoc
 * aggregates, a dimension, random filters and ranges) and a random order (by a metric or the
 * dimension, ascending or descending):
 * - the rows are the reference's groups with the reference's values (test/fixtures/reference.ts);
 * - they are sorted as documented — by the order terms, nulls last in both directions, then by the
 *   dimension — checked on the returned values themselves;
 * - pages of a random size, read at offsets 0, limit, 2·limit… until a short page, add up to the
 *   unpaged answer exactly: no row twice, none skipped.
 * Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../src/domain/query.js';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../fixtures/events.js';
import type { RandomQuery } from '../fixtures/random-queries.js';
import { expectReferenceAnswer, randomQuery, toSpec } from '../fixtures/random-queries.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 5;

type Row = Readonly<Record<string, unknown>>;
type Term = { by: string; dir: 'asc' | 'desc' };

let t: TestApp;
const events = fixtureEvents(1200, 47);

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  await t.seed('acme', events);
  await t.seed('other', fixtureEvents(200, 3));
});
afterAll(() => t.close());

/** A grouped query without buckets, an order over its columns, and a page size. */
const cases = randomQuery(events)
  .map((q): RandomQuery & { dimension: string } => ({ ...q, bucketing: undefined, dimension: q.dimension ?? 'channel' }))
  .chain((q) =>
    fc.record({
      q: fc.constant(q),
      order: fc.uniqueArray(
        fc.record({ by: fc.constantFrom(q.dimension, ...q.metrics.map((m) => m.name)), dir: fc.constantFrom<Term['dir']>('asc', 'desc') }),
        { minLength: 0, maxLength: 2, selector: (o) => o.by },
      ),
      pageSize: fc.integer({ min: 1, max: 6 }),
    }),
  );

/** Nulls last whatever the direction; otherwise the natural order of numbers, strings and booleans. */
function compare(a: unknown, b: unknown, dir: Term['dir']): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  const ascending = (a as number | string) < (b as number | string) ? -1 : 1;
  return dir === 'asc' ? ascending : -ascending;
}

/** The documented order: the terms (default: the first metric, descending), then the dimension ascending. */
function expectSorted(rows: readonly Row[], terms: readonly Term[], dimension: string, what: string): void {
  const all = [...terms, ...(terms.some((o) => o.by === dimension) ? [] : [{ by: dimension, dir: 'asc' as const }])];
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1]!, rows[i]!];
    const first = all.map((o) => compare(a[o.by], b[o.by], o.dir)).find((c) => c !== 0) ?? 0;
    expect(first, `${what}: row ${i - 1} ${JSON.stringify(a)} must come before ${JSON.stringify(b)}`).toBeLessThan(0);
  }
}

async function run(spec: QuerySpec): Promise<Row[]> {
  return (await t.engine.run(spec, { org: 'acme' })).rows as Row[];
}

describe('random order, limit and offset', () => {
  it('sort as documented and page without overlap or gap', { timeout: Math.max(30_000, RUNS * 600) }, async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ q, order, pageSize }) => {
        const spec: QuerySpec = { ...toSpec(q), ...(order.length > 0 ? { order } : {}) };
        const what = JSON.stringify(spec);
        const whole = await run({ ...spec, limit: 10_000 });
        expectReferenceAnswer({ rows: whole }, q, events, what);
        expectSorted(whole, order.length > 0 ? order : [{ by: q.metrics[0]!.name, dir: 'desc' }], q.dimension, what);
        const pages: Row[] = [];
        for (let offset = 0; ; offset += pageSize) {
          const page = await run({ ...spec, limit: pageSize, offset });
          pages.push(...page);
          if (page.length < pageSize) break;
        }
        expect(pages, `${what} in pages of ${pageSize}`).toEqual(whole);
      }),
      { numRuns: RUNS },
    );
  });
});
