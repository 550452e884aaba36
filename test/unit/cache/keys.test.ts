/** Key normalization: spellings of one query share a key; any change of meaning changes it. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyMemo, cacheKey, canonicalJson, normalizeQuerySpec } from '../../../src/cache/keys.js';
import type { Filter, QuerySpec } from '../../../src/domain/query.js';

const key = (spec: QuerySpec, org = 'acme', version = 'v1'): string => cacheKey({ endpoint: 'query', org, version, input: normalizeQuerySpec(spec) });

const fieldName = fc.constantFrom('event', 'actor', 'amount', 'channel', 'currency', 'props.coupon');
const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -1000, max: 1000 }), fc.boolean());
const filter: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field: fieldName, op: fc.constantFrom('eq', 'neq', 'gt', 'lte', 'contains') as fc.Arbitrary<Filter['op']>, value: scalar }),
  fc.record({ field: fieldName, op: fc.constantFrom('in', 'nin') as fc.Arbitrary<Filter['op']>, value: fc.uniqueArray(scalar, { minLength: 1, maxLength: 6, selector: (v) => `${typeof v}:${String(v)}` }) }),
  fc.record({ field: fieldName, op: fc.constantFrom('exists', 'not_exists') as fc.Arbitrary<Filter['op']> }),
);
const spec: fc.Arbitrary<QuerySpec> = fc.record(
  {
    metrics: fc.uniqueArray(fc.constantFrom('count', 'revenue', 'sum(amount)', 'p95(amount)', 'count_distinct(actor)'), { minLength: 1, maxLength: 4 }),
    dimensions: fc.uniqueArray(fc.constantFrom('channel', 'currency', 'event'), { maxLength: 2 }),
    filters: fc.array(filter, { maxLength: 4 }),
    timeRange: fc.oneof(fc.constant({ preset: '7d' as const }), fc.constant({ preset: 'today' as const })),
    granularity: fc.constantFrom('1h' as const, '1d' as const),
    limit: fc.integer({ min: 1, max: 5000 }),
  },
  { requiredKeys: ['metrics'] },
);

/** The same object with its keys in reverse insertion order (deeply). */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)])) as T;
}

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('cache keys', () => {
  it('do not depend on object key order, filter order or `in` value order', () => {
    fc.assert(
      fc.property(spec, fc.integer({ min: 1, max: 1_000_000 }), (s, seed) => {
        const filters = shuffle(s.filters ?? [], seed).map((f) =>
          Array.isArray(f.value) ? { ...f, value: shuffle(f.value, seed + 1) } : f,
        );
        const permuted = reverseKeys({ ...s, ...(s.filters ? { filters } : {}) });
        expect(key(permuted)).toBe(key(s));
      }),
      { numRuns: 300 },
    );
  });

  it('do not depend on defaults being spelled out', () => {
    const base: QuerySpec = { metrics: ['count'] };
    const spelled: QuerySpec = { metrics: ['count'], timeRange: { preset: '30d' }, timezone: 'utc', limit: 1000, offset: 0, dimensions: [], filters: [], order: [] };
    expect(key(spelled)).toBe(key(base));
    expect(key({ metrics: ['count'], timezone: 'Etc/UTC' })).toBe(key(base));
    expect(key({ metrics: ['count'], timezone: 'europe/berlin' })).toBe(key({ metrics: ['count'], timezone: 'Europe/Berlin' }));
    expect(key({ metrics: ['count'], order: [{ by: 'count' }] })).toBe(key({ metrics: ['count'], order: [{ by: 'count', dir: 'asc' }] }));
    expect(key({ metrics: ['count'], filters: [{ field: 'x', op: 'exists', value: 1 }] })).toBe(key({ metrics: ['count'], filters: [{ field: 'x', op: 'exists' }] }));
    expect(key({ metrics: ['count'], filters: [{ field: 'x', op: 'in', value: [1, 2, 2] }] })).toBe(key({ metrics: ['count'], filters: [{ field: 'x', op: 'in', value: [2, 1] }] }));
    const a = { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' };
    const b = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T01:00:00+01:00' };
    expect(key({ metrics: ['count'], timeRange: a })).toBe(key({ metrics: ['count'], timeRange: b }));
  });

  it('change with every change of meaning', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const variants: QuerySpec[] = [
          { ...s, metrics: [...s.metrics, 'max(amount)'] },
          { ...s, metrics: [...s.metrics].reverse().concat(s.metrics.length === 1 ? ['avg(amount)'] : []) },
          { ...s, filters: [...(s.filters ?? []), { field: 'currency', op: 'eq', value: 'ZZZ' }] },
          { ...s, timeRange: { preset: '90d' } },
          { ...s, granularity: '1w' },
          { ...s, limit: (s.limit ?? 1000) + 1 },
          { ...s, timezone: 'Asia/Tokyo' },
          { ...s, compare: 'previous_period' },
          { ...s, fill: 'none' },
        ];
        const mine = key(s);
        for (const v of variants) expect(key(v)).not.toBe(mine);
      }),
      { numRuns: 200 },
    );
  });

  it('keep metric and dimension order (they order the columns)', () => {
    expect(key({ metrics: ['count', 'revenue'] })).not.toBe(key({ metrics: ['revenue', 'count'] }));
    expect(key({ metrics: ['count'], dimensions: ['a', 'b'] })).not.toBe(key({ metrics: ['count'], dimensions: ['b', 'a'] }));
  });

  it('differ by org, model version and endpoint; distinguish 1 from "1"', () => {
    const s: QuerySpec = { metrics: ['count'] };
    expect(key(s, 'acme')).not.toBe(key(s, 'globex'));
    expect(key(s, 'acme', 'v1')).not.toBe(key(s, 'acme', 'v2'));
    expect(cacheKey({ endpoint: 'summary', org: 'acme', version: 'v1', input: {} })).not.toBe(cacheKey({ endpoint: 'query', org: 'acme', version: 'v1', input: {} }));
    expect(key({ metrics: ['count'], filters: [{ field: 'x', op: 'eq', value: 1 }] })).not.toBe(key({ metrics: ['count'], filters: [{ field: 'x', op: 'eq', value: '1' }] }));
  });

  it('canonicalJson sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('KeyMemo gives the keys cacheKey gives, and forgets the oldest input past its bound', () => {
    const memo = new KeyMemo(2);
    const parts = (n: number) => ({ endpoint: 'summary', org: 'acme', version: 'v1', input: { range: `${n}d`, model: 'shop' } });
    for (const n of [1, 2, 1, 3, 4]) expect(memo.key(parts(n))).toBe(cacheKey(parts(n)));
    expect(memo.size).toBe(2);
    expect(memo.key({ ...parts(1), org: 'globex' })).not.toBe(memo.key(parts(1)));
    expect(memo.key({ ...parts(1), input: { model: 'shop', range: '1d' } })).toBe(cacheKey(parts(1)));
  });
});
