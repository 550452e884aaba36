import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Filter, QuerySpec } from '../../../src/domain/query.js';
import { compileQuery, dialectFor } from '../../../src/query/index.js';
import { testCatalog } from '../../fixtures/catalog.js';

const EVIL = "x' OR 1=1 --";
const ctx = { org: "acme'; DROP TABLE events; --", now: Date.parse('2026-11-20T10:30:00Z') };
const DIALECTS = ['duckdb', 'postgres'] as const;

/** Every string-valued filter shape the compiler accepts. */
const filtersWith = (v: string): Filter[] => [
  { field: 'channel', op: 'eq', value: v },
  { field: 'event', op: 'neq', value: v },
  { field: 'actor', op: 'in', value: [v, v] },
  { field: 'currency', op: 'nin', value: [v] },
  { field: 'channel', op: 'gt', value: v },
  { field: 'channel', op: 'contains', value: v },
  { field: 'actor', op: 'starts_with', value: v },
  { field: 'props.plan', op: 'eq', value: v },
  { field: 'props.plan', op: 'in', value: [v, 'a'] },
  { field: 'props.plan', op: 'lte', value: v },
  { field: 'props.plan', op: 'contains', value: v },
  { field: 'props.plan', op: 'starts_with', value: v },
];

const spec = (v: string): QuerySpec => ({
  metrics: ['count', 'revenue', 'p95(props.wait)'],
  dimensions: ['props.plan'],
  filters: filtersWith(v),
  granularity: '1d',
  timezone: 'Europe/Berlin',
});

describe('SQL injection', () => {
  it.each(DIALECTS)('keeps a hostile value and org out of the SQL text (%s)', (d) => {
    const p = compileQuery(spec(EVIL), testCatalog(), dialectFor(d), ctx);
    expect(p.main.sql).not.toContain(EVIL);
    expect(p.main.sql).not.toContain('1=1');
    expect(p.main.sql).not.toContain('DROP');
    expect(p.main.params).toContain(EVIL);
    expect(p.main.params[0]).toBe(ctx.org);
  });

  it.each(DIALECTS)('produces SQL text that does not depend on filter values at all (%s)', (d) => {
    const reference = compileQuery(spec('a'), testCatalog(), dialectFor(d), ctx).main.sql;
    fc.assert(
      // Any text but NUL, which the parser refuses (parse.test.ts).
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }).filter((v) => !v.includes('\u0000')), (v) => {
        const p = compileQuery(spec(v), testCatalog(), dialectFor(d), ctx);
        expect(p.main.sql).toBe(reference);
        expect(p.main.params.filter((x) => x === v).length).toBeGreaterThanOrEqual(filtersWith(v).length);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses undeclared prop names that are not plain identifiers', () => {
    for (const field of ['props.a"b', 'props.a b', "props.x') --", 'props.', `props.${'a'.repeat(65)}`]) {
      expect(() => compileQuery({ metrics: ['count'], filters: [{ field, op: 'exists' }] }, testCatalog(), dialectFor('duckdb'), ctx)).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_FIELD' }),
      );
    }
  });
});
