/** Exports compile queries without the row cap of POST /query; POST /query keeps its limits. */
import { describe, expect, it } from 'vitest';
import { EXPORT_LIMITS, duckdb, parseQuery, planQuery } from '../../../src/query/index.js';
import { testCatalog } from '../../fixtures/catalog.js';

const ctx = { org: 'acme', now: Date.UTC(2026, 10, 20) };

describe('EXPORT_LIMITS', () => {
  it('leaves out LIMIT when no limit is given (and keeps OFFSET)', () => {
    const parsed = parseQuery({ metrics: ['count'], dimensions: ['actor'], offset: 5 }, testCatalog(), EXPORT_LIMITS);
    expect(parsed.limit).toBe(Number.POSITIVE_INFINITY);
    const plan = planQuery(parsed, duckdb, ctx);
    expect(plan.main.sql).not.toMatch(/LIMIT/);
    expect(plan.main.sql).toMatch(/OFFSET \$\d+$/);
    expect(plan.main.params).not.toContain(Number.POSITIVE_INFINITY);
  });

  it('honours an explicit limit of any size', () => {
    const plan = planQuery(parseQuery({ metrics: ['count'], dimensions: ['actor'], limit: 250_000 }, testCatalog(), EXPORT_LIMITS), duckdb, ctx);
    expect(plan.main.sql).toMatch(/LIMIT \$\d+ OFFSET \$\d+$/);
    expect(plan.main.params).toContain(250_000);
  });

  it('does not change POST /query: default 1,000, at most 10,000', () => {
    expect(parseQuery({ metrics: ['count'] }, testCatalog()).limit).toBe(1000);
    expect(() => parseQuery({ metrics: ['count'], limit: 10_001 }, testCatalog())).toThrow(/at most 10000/);
  });
});
