import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/domain/errors.js';
import type { QuerySpec } from '../../../src/domain/query.js';
import { compileQuery, dialectFor, parseFilters, parseMetricRef, parseQuery } from '../../../src/query/index.js';
import { testCatalog } from '../../fixtures/catalog.js';

const catalog = testCatalog();

/** The AppError a spec is rejected with (specs are cast: these tests feed deliberately bad shapes). */
function rejection(spec: object, compile = false): AppError {
  try {
    if (compile) compileQuery(spec as QuerySpec, catalog, dialectFor('duckdb'), { org: 'o', now: Date.parse('2026-11-20T10:30:00Z') });
    else parseQuery(spec as QuerySpec, catalog);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the query to be rejected');
}

function expectProblem(spec: object, code: string, path: string): void {
  const err = rejection(spec);
  expect(err.code).toBe(code);
  expect(err.errors?.map((e) => e.path)).toEqual([path]);
}

describe('parseQuery errors', () => {
  it.each([
    ['an unknown metric', { metrics: ['count', 'nope'] }, 'UNKNOWN_METRIC', '/metrics/1'],
    ['a malformed aggregate', { metrics: ['sum(amount'] }, 'UNKNOWN_METRIC', '/metrics/0'],
    ['an unknown field inside an aggregate', { metrics: ['sum(nope)'] }, 'UNKNOWN_FIELD', '/metrics/0'],
    ['a badly named undeclared prop', { metrics: ['sum(props.1x)'] }, 'UNKNOWN_FIELD', '/metrics/0'],
    ['summing a string prop', { metrics: ['sum(currency)'] }, 'VALIDATION', '/metrics/0'],
    ['a percentile of the actor', { metrics: ['p50(actor)'] }, 'VALIDATION', '/metrics/0'],
    ['max of a boolean prop', { metrics: ['max(premium)'] }, 'VALIDATION', '/metrics/0'],
    ['p100', { metrics: ['p100(amount)'] }, 'VALIDATION', '/metrics/0'],
    ['p0.5', { metrics: ['p0.5(amount)'] }, 'VALIDATION', '/metrics/0'],
    ['no metrics', { metrics: [] }, 'VALIDATION', '/metrics'],
    ['a missing metrics list', {}, 'VALIDATION', '/metrics'],
    ['metrics that are not a list', { metrics: 'count' }, 'VALIDATION', '/metrics'],
    ['a metric listed twice', { metrics: ['count', 'count'] }, 'VALIDATION', '/metrics/1'],
    ['an unknown dimension', { metrics: ['count'], dimensions: ['channel', 'nope'] }, 'UNKNOWN_FIELD', '/dimensions/1'],
    ['an unknown filter field', { metrics: ['count'], filters: [{ field: 'nope', op: 'eq', value: 1 }] }, 'UNKNOWN_FIELD', '/filters/0/field'],
    ['an unknown op', { metrics: ['count'], filters: [{ field: 'amount', op: 'like', value: 1 }] }, 'UNKNOWN_OP', '/filters/0/op'],
    ['contains on a number prop', { metrics: ['count'], filters: [{ field: 'amount', op: 'contains', value: '1' }] }, 'VALIDATION', '/filters/0/op'],
    ['gt on a boolean prop', { metrics: ['count'], filters: [{ field: 'premium', op: 'gt', value: true }] }, 'VALIDATION', '/filters/0/op'],
    ['a string for a number prop', { metrics: ['count'], filters: [{ field: 'amount', op: 'gte', value: '10' }] }, 'VALIDATION', '/filters/0/value'],
    ['a number for a string prop', { metrics: ['count'], filters: [{ field: 'channel', op: 'eq', value: 1 }] }, 'VALIDATION', '/filters/0/value'],
    ['eq without a value', { metrics: ['count'], filters: [{ field: 'channel', op: 'eq' }] }, 'VALIDATION', '/filters/0/value'],
    ['in with a scalar', { metrics: ['count'], filters: [{ field: 'channel', op: 'in', value: 'web' }] }, 'VALIDATION', '/filters/0/value'],
    ['in with an empty list', { metrics: ['count'], filters: [{ field: 'channel', op: 'in', value: [] }] }, 'VALIDATION', '/filters/0/value'],
    ['a bad list element', { metrics: ['count'], filters: [{ field: 'amount', op: 'nin', value: [1, 'x'] }] }, 'VALIDATION', '/filters/0/value/1'],
    ['eq with a list', { metrics: ['count'], filters: [{ field: 'channel', op: 'eq', value: ['web'] }] }, 'VALIDATION', '/filters/0/value'],
    ['gt null', { metrics: ['count'], filters: [{ field: 'amount', op: 'gt', value: null }] }, 'VALIDATION', '/filters/0/value'],
    ['a bad time value', { metrics: ['count'], filters: [{ field: 'due_at', op: 'lt', value: 'tomorrow' }] }, 'VALIDATION', '/filters/0/value'],
    ['a non-string contains value on an undeclared prop', { metrics: ['count'], filters: [{ field: 'props.x', op: 'contains', value: 1 }] }, 'VALIDATION', '/filters/0/value'],
    ['a limit above 10000', { metrics: ['count'], limit: 10_001 }, 'LIMIT_TOO_LARGE', '/limit'],
    ['a zero limit', { metrics: ['count'], limit: 0 }, 'VALIDATION', '/limit'],
    ['a negative offset', { metrics: ['count'], offset: -1 }, 'VALIDATION', '/offset'],
    ['an unknown zone', { metrics: ['count'], timezone: 'Mars/Olympus' }, 'INVALID_TIMEZONE', '/timezone'],
    ['an offset instead of a zone', { metrics: ['count'], timezone: '+01:00' }, 'INVALID_TIMEZONE', '/timezone'],
    ['from after to', { metrics: ['count'], timeRange: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }, 'INVALID_TIME_RANGE', '/timeRange'],
    ['from equal to to', { metrics: ['count'], timeRange: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }, 'INVALID_TIME_RANGE', '/timeRange'],
    ['a bad ISO time', { metrics: ['count'], timeRange: { from: '2026-13-01', to: '2026-12-01' } }, 'INVALID_TIME_RANGE', '/timeRange'],
    ['an unknown preset', { metrics: ['count'], timeRange: { preset: '2d' } }, 'INVALID_TIME_RANGE', '/timeRange'],
    ['a bad compare window', { metrics: ['count'], compare: { from: 'x', to: '2026-01-01' } }, 'INVALID_TIME_RANGE', '/compare'],
    ['an unknown compare mode', { metrics: ['count'], compare: 'last_decade' }, 'VALIDATION', '/compare'],
    ['an unknown granularity', { metrics: ['count'], granularity: '2d' }, 'VALIDATION', '/granularity'],
    ['an unknown fill', { metrics: ['count'], fill: 'linear' }, 'VALIDATION', '/fill'],
    ['order by something not in the query', { metrics: ['count'], order: [{ by: 'sum(amount)' }] }, 'UNKNOWN_FIELD', '/order/0/by'],
    ['order by time without a granularity', { metrics: ['count'], order: [{ by: 'time' }] }, 'UNKNOWN_FIELD', '/order/0/by'],
    ['a bad order direction', { metrics: ['count'], order: [{ by: 'count', dir: 'up' }] }, 'VALIDATION', '/order/0/dir'],
    ['a dimension listed twice', { metrics: ['count'], dimensions: ['channel', 'channel'] }, 'VALIDATION', '/dimensions/1'],
    ['a NUL character in a filter value', { metrics: ['count'], filters: [{ field: 'currency', op: 'eq', value: 'EU\u0000R' }] }, 'VALIDATION', '/filters/0/value'],
    ['a NUL character in a listed value', { metrics: ['count'], filters: [{ field: 'props.coupon', op: 'in', value: ['a', '\u0000'] }] }, 'VALIDATION', '/filters/0/value/1'],
  ])('rejects %s', (_name, spec, code, path) => {
    expectProblem(spec, code, path);
  });

  it('collects every problem into one error, coded after the first', () => {
    const err = rejection({
      metrics: ['nope', 'sum(currency)'],
      filters: [{ field: 'amount', op: 'between', value: 1 }],
      timezone: 'Nowhere/City',
      limit: 20_000,
    });
    expect(err.code).toBe('INVALID_TIMEZONE');
    expect(err.status).toBe(400);
    expect(err.errors?.map((e) => e.path)).toEqual(['/timezone', '/metrics/0', '/metrics/1', '/filters/0/op', '/limit']);
    expect(err.message).toBe('5 problems in the query');
  });

  it('does not report an order on a bad metric twice', () => {
    const err = rejection({ metrics: ['nope'], order: [{ by: 'nope' }] });
    expect(err.errors?.map((e) => e.path)).toEqual(['/metrics/0']);
  });

  it('rejects too many buckets at compile time, naming /granularity', () => {
    const err = rejection({ metrics: ['count'], granularity: '1m', timeRange: { preset: '30d' } }, true);
    expect(err.code).toBe('TOO_MANY_BUCKETS');
    expect(err.errors).toEqual([{ path: '/granularity', message: expect.stringContaining('10000') }]);
  });
});

describe('parseQuery results', () => {
  it('turns ad hoc metrics into aggregates with the name as written', () => {
    const q = parseQuery({ metrics: ['p99.9(resolution_hours)', 'median(props.wait)', 'p5(amount)', 'count_distinct(actor)'] }, catalog);
    expect(q.metrics.map((m) => m.name)).toEqual(['p99.9(resolution_hours)', 'median(props.wait)', 'p5(amount)', 'count_distinct(actor)']);
    expect(q.metrics.map((m) => (m.expr.kind === 'aggregate' ? [m.expr.fn, m.expr.percentile] : null))).toEqual([
      ['percentile', 0.999],
      ['percentile', 0.5],
      ['percentile', 0.05],
      ['count_distinct', null],
    ]);
    expect(q.metrics[1]?.expr).toMatchObject({ field: { kind: 'extra', name: 'wait' } });
  });

  it('resolves props.<declared> to the typed column', () => {
    const q = parseQuery({ metrics: ['sum(props.amount)'] }, catalog);
    expect(q.metrics[0]?.expr).toMatchObject({ field: { kind: 'prop', column: 'p_amount', type: 'number' } });
  });

  it('resolves ratio metrics through the catalog', () => {
    const q = parseQuery({ metrics: ['failure_rate'] }, catalog);
    expect(q.metrics[0]?.expr).toMatchObject({
      kind: 'ratio',
      numerator: { fn: 'count', events: ['payment.failed'] },
      denominator: { fn: 'count', events: ['payment.completed'] },
    });
  });

  it('applies defaults', () => {
    const q = parseQuery({ metrics: ['count'] }, catalog);
    expect(q).toMatchObject({ timeRange: { preset: '30d' }, timezone: 'UTC', granularity: null, compare: null, fill: null, limit: 1000, offset: 0, order: [] });
  });

  it('fixes the case of a zone and maps UTC aliases to UTC', () => {
    expect(parseQuery({ metrics: ['count'], timezone: 'europe/berlin' }, catalog).timezone).toBe('Europe/Berlin');
    expect(parseQuery({ metrics: ['count'], timezone: 'Etc/UTC' }, catalog).timezone).toBe('UTC');
    expect(parseQuery({ metrics: ['count'], timezone: 'Asia/Kathmandu' }, catalog).timezone).toBe('Asia/Kathmandu');
  });

  it('reads explicit times without an offset in the query zone', () => {
    const q = parseQuery({ metrics: ['count'], timezone: 'Europe/Berlin', timeRange: { from: '2026-07-01', to: '2026-07-02T00:00:00Z' } }, catalog);
    expect(q.timeRange).toEqual({ from: Date.parse('2026-06-30T22:00:00Z'), to: Date.parse('2026-07-02T00:00:00Z') });
  });

  it('normalises filter values: time to epoch ms, undeclared numbers numeric, undeclared booleans as text', () => {
    const q = parseQuery(
      {
        metrics: ['count'],
        filters: [
          { field: 'due_at', op: 'in', value: ['2026-01-01T00:00:00+01:00', 1767225600000] },
          { field: 'props.level', op: 'in', value: [1, 2] },
          { field: 'props.beta', op: 'eq', value: true },
          { field: 'props.tier', op: 'in', value: ['a', 3] },
          { field: 'amount', op: 'exists', value: 5 },
        ],
      },
      catalog,
    );
    expect(q.filters.map((f) => [f.value, f.numeric])).toEqual([
      [[Date.parse('2025-12-31T23:00:00Z'), 1767225600000], false],
      [[1, 2], true],
      ['true', false],
      [['a', '3'], false],
      [null, true],
    ]);
  });

  it('keeps the order as asked, defaulting dir to asc and dropping repeats', () => {
    const q = parseQuery({ metrics: ['count', 'revenue'], dimensions: ['channel'], granularity: '1d', order: [{ by: 'revenue', dir: 'desc' }, { by: 'time' }, { by: 'revenue' }] }, catalog);
    expect(q.order).toEqual([{ by: 'revenue', dir: 'desc' }, { by: 'time', dir: 'asc' }]);
  });
});

describe('parseFilters and parseMetricRef', () => {
  it('parses a filter list for other views, naming paths under the given prefix', () => {
    expect(parseFilters([{ field: 'amount', op: 'gt', value: 1 }], catalog)).toHaveLength(1);
    expect(() => parseFilters([{ field: 'amount', op: 'gt', value: 'x' }], catalog, 'UTC', '/raw/filters')).toThrow(
      expect.objectContaining({ code: 'VALIDATION', errors: [expect.objectContaining({ path: '/raw/filters/0/value' })] }),
    );
    expect(parseMetricRef('sum(amount)', catalog).expr).toMatchObject({ fn: 'sum' });
    expect(() => parseMetricRef('sum(nope)', catalog)).toThrow(expect.objectContaining({ code: 'UNKNOWN_FIELD', errors: [expect.objectContaining({ path: '/metric' })] }));
  });
});
