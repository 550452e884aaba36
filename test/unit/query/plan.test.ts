import { describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../../src/domain/query.js';
import { compileQuery, dialectFor } from '../../../src/query/index.js';
import type { QueryPlan } from '../../../src/query/index.js';
import { testCatalog } from '../../fixtures/catalog.js';

const NOW = Date.parse('2026-11-20T10:30:00Z');
const plan = (spec: QuerySpec, dialect: 'duckdb' | 'postgres' = 'duckdb', dataStart: number | null = null): QueryPlan =>
  compileQuery(spec, testCatalog(), dialectFor(dialect), { org: 'acme', now: NOW, dataStart });
const iso = (ms: number): string => new Date(ms).toISOString();

describe('compileQuery columns', () => {
  it('orders columns time, dimensions, metrics with generated aliases', () => {
    const p = plan({ metrics: ['revenue', 'count'], dimensions: ['channel', 'premium', 'props.plan', 'due_at'], granularity: '1d' });
    expect(p.columns.map((c) => [c.name, c.alias, c.type, c.role])).toEqual([
      ['time', 't', 'time', 'time'],
      ['channel', 'd0', 'string', 'dimension'],
      ['premium', 'd1', 'boolean', 'dimension'],
      ['props.plan', 'd2', 'string', 'dimension'],
      ['due_at', 'd3', 'time', 'dimension'],
      ['revenue', 'm0', 'number', 'metric'],
      ['count', 'm1', 'number', 'metric'],
    ]);
  });

  it('has no time column without a granularity', () => {
    expect(plan({ metrics: ['count'] }).columns.map((c) => c.alias)).toEqual(['m0']);
  });
});

describe('compileQuery fill', () => {
  const metrics = ['count', 'count_distinct(actor)', 'sum(amount)', 'avg(amount)', 'min(amount)', 'max(due_at)', 'p90(amount)', 'failure_rate'];
  const fills = (p: QueryPlan): string[] => p.columns.filter((c) => c.role === 'metric').map((c) => c.fill);

  it('defaults to zero for counts and sums, null for the rest', () => {
    expect(fills(plan({ metrics }))).toEqual(['zero', 'zero', 'zero', 'null', 'null', 'null', 'null', 'null']);
  });

  it('applies an explicit zero or null to every metric', () => {
    expect(fills(plan({ metrics, fill: 'zero' }))).toEqual(Array(8).fill('zero'));
    expect(fills(plan({ metrics, fill: 'null' }))).toEqual(Array(8).fill('null'));
  });

  it('coalesces nullable zero-filled metrics in SQL so a group without matches reads 0', () => {
    expect(plan({ metrics: ['avg(amount)'], fill: 'zero' }).main.sql).toContain('coalesce(avg("p_amount"), 0) AS m0');
    expect(plan({ metrics: ['avg(amount)'] }).main.sql).toContain('avg("p_amount") AS m0');
    // fill none leaves out missing buckets; a row that exists still sums to 0 over no amounts.
    expect(plan({ metrics: ['sum(amount)'], fill: 'none' }).main.sql).toContain('coalesce(sum("p_amount"), 0) AS m0');
    expect(plan({ metrics: ['sum(amount)'], fill: 'null' }).main.sql).toContain('sum("p_amount") AS m0');
    expect(plan({ metrics: ['count'], fill: 'zero' }).main.sql).toContain('count(*) AS m0');
  });

  it('passes the fill mode through', () => {
    expect(plan({ metrics: ['count'], fill: 'none' }).fill).toBe('none');
  });
});

describe('compileQuery order and paging', () => {
  it('defaults to time then dimensions with a granularity, and leaves paging to the engine', () => {
    const p = plan({ metrics: ['count'], dimensions: ['channel'], granularity: '1d', limit: 5, offset: 10 });
    expect(p.order).toEqual([
      { by: 'time', dir: 'asc' },
      { by: 'channel', dir: 'asc' },
    ]);
    expect(p.main.sql).toMatch(/ORDER BY t ASC, d0 ASC NULLS LAST$/);
    expect(p.main.sql).not.toContain('LIMIT');
    expect([p.limit, p.offset]).toEqual([5, 10]);
  });

  it('defaults to the first metric descending without a granularity', () => {
    const p = plan({ metrics: ['revenue', 'count'], dimensions: ['channel'] });
    expect(p.order).toEqual([{ by: 'revenue', dir: 'desc' }]);
    expect(p.main.sql).toContain('ORDER BY m0 DESC NULLS LAST, d0 ASC NULLS LAST\nLIMIT $5 OFFSET $6');
    expect(p.main.params.slice(-2)).toEqual([1000, 0]);
  });

  it('maps requested order terms to aliases and breaks ties on the remaining dimensions', () => {
    const p = plan({ metrics: ['count', 'sum(amount)'], dimensions: ['channel', 'currency'], order: [{ by: 'currency' }, { by: 'sum(amount)', dir: 'desc' }], limit: 3, offset: 6 });
    expect(p.main.sql).toContain('ORDER BY d1 ASC NULLS LAST, m1 DESC NULLS LAST, d0 ASC NULLS LAST\nLIMIT $4 OFFSET $5');
    expect(p.main.params.slice(-2)).toEqual([3, 6]);
  });
});

describe('compileQuery time', () => {
  it('defaults to the last 30 days in UTC', () => {
    const p = plan({ metrics: ['count'] });
    expect([iso(p.window.from), iso(p.window.to)]).toEqual(['2026-10-21T10:30:00.000Z', '2026-11-20T10:30:00.000Z']);
    expect(p.main.params.slice(1, 3)).toEqual([Date.parse('2026-10-21T10:30:00Z'), NOW]);
    expect([p.timezone, p.granularity, p.window.buckets]).toEqual(['UTC', null, null]);
  });

  it('resolves auto to a concrete granularity with its buckets', () => {
    const p = plan({ metrics: ['count'], granularity: 'auto', timeRange: { preset: '7d' } });
    expect(p.granularity).toBe('1h');
    expect(p.window.buckets).toHaveLength(169); // 10:00 on the 13th … 10:00 on the 20th
    expect(p.main.sql).toContain(`epoch_ms(date_trunc('hour', "ts")) AS t`);
  });

  it('resolves `all` from the first event', () => {
    const p = plan({ metrics: ['count'], timeRange: { preset: 'all' } }, 'duckdb', Date.parse('2025-02-03T04:05:06.789Z'));
    expect(iso(p.window.from)).toBe('2025-02-03T04:05:00.000Z');
  });

  it('compiles previous_period over the window before, with as many buckets', () => {
    const p = plan({ metrics: ['count'], granularity: '1d', timeRange: { from: '2026-11-10T00:00:00Z', to: '2026-11-20T00:00:00Z' }, compare: 'previous_period' });
    expect(p.previous).not.toBeNull();
    const prev = p.previous?.window;
    expect(prev && [iso(prev.from), iso(prev.to)]).toEqual(['2026-10-31T00:00:00.000Z', '2026-11-10T00:00:00.000Z']);
    expect(prev?.buckets?.map(iso)).toEqual([
      '2026-10-31T00:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', '2026-11-03T00:00:00.000Z',
      '2026-11-04T00:00:00.000Z', '2026-11-05T00:00:00.000Z', '2026-11-06T00:00:00.000Z', '2026-11-07T00:00:00.000Z',
      '2026-11-08T00:00:00.000Z', '2026-11-09T00:00:00.000Z',
    ]);
    expect(p.window.buckets).toHaveLength(10);
    expect(p.previous?.sql.sql).toBe(p.main.sql);
    expect(p.previous?.sql.params).toEqual(['acme', Date.parse('2026-10-31T00:00:00Z'), Date.parse('2026-11-10T00:00:00Z')]);
  });

  it('does not page the previous query, whose groups need not be the current top ones', () => {
    const p = plan({ metrics: ['count'], dimensions: ['channel'], compare: 'previous_year', limit: 5 });
    expect(p.main.sql).toContain('LIMIT');
    expect(p.previous?.sql.sql).not.toContain('LIMIT');
    const prev = p.previous?.window;
    expect(prev && [iso(prev.from), iso(prev.to)]).toEqual(['2025-10-21T10:30:00.000Z', '2025-11-20T10:30:00.000Z']);
  });

  it('compiles an explicit compare window in the query zone', () => {
    const p = plan({ metrics: ['count'], timezone: 'Europe/Berlin', compare: { from: '2025-01-01', to: '2025-02-01' } });
    const prev = p.previous?.window;
    expect(prev && [iso(prev.from), iso(prev.to)]).toEqual(['2024-12-31T23:00:00.000Z', '2025-01-31T23:00:00.000Z']);
  });

  it('binds the zone once for non-UTC buckets, and always for postgres', () => {
    const berlin = plan({ metrics: ['count'], granularity: '1d', timezone: 'Europe/Berlin' });
    // Then the 15-minute slot table's range (the window, its start floored to 15 minutes).
    const [, from, to] = berlin.main.params as [string, number, number];
    expect(berlin.main.params).toEqual(['acme', from, to, 'Europe/Berlin', Math.floor(from / 900_000) * 900_000, to]);
    expect(berlin.main.params.filter((p) => p === 'Europe/Berlin')).toHaveLength(1);
    expect(plan({ metrics: ['count'], granularity: '1d' }, 'postgres').main.params[3]).toBe('UTC');
  });
});
