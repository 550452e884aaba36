/**
 * Property: for random queries — ad hoc aggregates, an optional dimension, up to three filters
 * with every operator over values taken from the data (and look-alikes with LIKE wildcards and
 * quotes), random time ranges, by day or hour in several time zones — the engine answers exactly
 * what the independent reference (test/fixtures/reference.ts, plain TypeScript over the same
 * events) computes. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../fixtures/events.js';
import { expectReferenceAnswer, randomQuery, toSpec } from '../fixtures/random-queries.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 10;

let t: TestApp;
const events = fixtureEvents(1500, 31);

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  await t.seed('acme', events);
  await t.seed('other', fixtureEvents(300, 5));
});
afterAll(() => t.close());

describe('random queries', () => {
  it('equal the reference', { timeout: Math.max(30_000, RUNS * 300) }, async () => {
    await fc.assert(
      fc.asyncProperty(randomQuery(events), async (q) => {
        const spec = toSpec(q);
        expectReferenceAnswer(await t.engine.run(spec, { org: 'acme' }), q, events, JSON.stringify(spec));
      }),
      { numRuns: RUNS },
    );
  });
});
