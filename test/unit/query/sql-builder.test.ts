import { describe, expect, it } from 'vitest';
import { SqlBuilder, dialectFor } from '../../../src/query/index.js';

describe('SqlBuilder', () => {
  it('reserves $1 for the org and numbers params in the order they are bound', () => {
    const b = new SqlBuilder(dialectFor('duckdb'), 'acme');
    expect([b.param('a'), b.param(2), b.time(3)]).toEqual(['$2', '$3', 'epoch_ms($4::BIGINT)']);
    expect(b.params).toEqual(['acme', 'a', 2, 3]);
  });

  it('puts the tenant filter first in every select', () => {
    const b = new SqlBuilder(dialectFor('postgres'), 'acme');
    const where = [b.timeRange({ from: 1, to: 2 })];
    expect(b.select({ select: ['"actor"', 'count(*) AS n'], where, groupBy: ['"actor"'], orderBy: ['n DESC'], limit: 10 })).toEqual({
      sql: [
        'SELECT "actor", count(*) AS n',
        'FROM "events"',
        'WHERE "org_id" = $1 AND "ts" >= to_timestamp($2::double precision / 1000) AND "ts" < to_timestamp($3::double precision / 1000)',
        'GROUP BY "actor"',
        'ORDER BY n DESC',
        'LIMIT $4',
      ].join('\n'),
      params: ['acme', 1, 2, 10],
    });
  });

  it('refuses hand-written SQL without the tenant filter', () => {
    const b = new SqlBuilder(dialectFor('duckdb'), 'acme');
    expect(() => b.finish('SELECT * FROM "events"')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(b.finish(`SELECT 1 FROM "events" WHERE ${b.tenant}`).params).toEqual(['acme']);
  });

  it('refuses identifiers that are not plain names', () => {
    const b = new SqlBuilder(dialectFor('duckdb'), 'acme');
    expect(b.ident('p_amount')).toBe('"p_amount"');
    expect(() => b.ident('p_"x')).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
