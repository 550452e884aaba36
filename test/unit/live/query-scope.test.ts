import { beforeAll, describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../../src/domain/query.js';
import { QueryScope } from '../../../src/live/query-scope.js';
import { loadCatalog } from '../../../src/model/load.js';
import type { Catalog } from '../../../src/model/types.js';
import { parseQuery } from '../../../src/query/index.js';
import { SHOP_MODEL } from '../../fixtures/app.js';

const NOW = Date.UTC(2026, 10, 20, 12);
const HOUR = 3_600_000;
let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog([SHOP_MODEL]);
});

const scope = (spec: QuerySpec) => new QueryScope(parseQuery(spec, catalog));
const notice = (eventNames: string[], minTime = NOW - 1000, maxTime = NOW - 1000) => ({ eventNames, minTime, maxTime });

describe('QueryScope', () => {
  it('restricts by the metrics’ events and by event filters', () => {
    expect(scope({ metrics: ['revenue'] }).events).toEqual(new Set(['payment.completed']));
    expect(scope({ metrics: ['failure_rate'] }).events).toEqual(new Set(['payment.failed', 'payment.completed']));
    expect(scope({ metrics: ['count'] }).events).toBeNull();
    expect(scope({ metrics: ['count'], filters: [{ field: 'event', op: 'in', value: ['a', 'b'] }] }).events).toEqual(new Set(['a', 'b']));
    expect(scope({ metrics: ['revenue'], filters: [{ field: 'event', op: 'eq', value: 'page.viewed' }] }).events).toEqual(new Set());
  });

  it('is affected only by its events inside its window', () => {
    const s = scope({ metrics: ['revenue'], timeRange: { preset: '1h' } });
    expect(s.affects(notice(['payment.completed']), NOW)).toBe(true);
    expect(s.affects(notice(['page.viewed']), NOW)).toBe(false);
    expect(s.affects(notice(['payment.completed'], NOW - 3 * HOUR, NOW - 2 * HOUR), NOW)).toBe(false);
    // A batch spanning the window's start still touches it.
    expect(s.affects(notice(['payment.completed'], NOW - 3 * HOUR, NOW - 10), NOW)).toBe(true);
  });

  it('counts the comparison window and explicit ranges, and `all` takes everything', () => {
    const compared = scope({ metrics: ['count'], timeRange: { preset: '1h' }, compare: 'previous_period' });
    expect(compared.affects(notice(['x'], NOW - 1.5 * HOUR, NOW - 1.5 * HOUR), NOW)).toBe(true);
    expect(compared.affects(notice(['x'], NOW - 3 * HOUR, NOW - 3 * HOUR), NOW)).toBe(false);
    const fixed = scope({ metrics: ['count'], timeRange: { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' } });
    expect(fixed.affects(notice(['x'], Date.UTC(2026, 10, 1, 5), Date.UTC(2026, 10, 1, 5)), NOW)).toBe(true);
    expect(fixed.affects(notice(['x']), NOW)).toBe(false);
    expect(scope({ metrics: ['count'], timeRange: { preset: 'all' } }).affects(notice(['x'], 0, 0), NOW)).toBe(true);
  });

  it('is affected by a deletion of any events before an instant only when its windows reach back before it', () => {
    const expiry = (before: number) => ({ eventNames: null, minTime: -Infinity, maxTime: before - 1 });
    const recent = scope({ metrics: ['revenue'], timeRange: { preset: '24h' } });
    expect(recent.affects(expiry(NOW - 30 * 24 * HOUR), NOW)).toBe(false);
    expect(recent.affects(expiry(NOW - 2 * HOUR), NOW)).toBe(true);
    // Its comparison window counts too.
    const compared = scope({ metrics: ['count'], timeRange: { preset: '24h' }, compare: 'previous_period' });
    expect(compared.affects(expiry(NOW - 36 * HOUR), NOW)).toBe(true);
    expect(compared.affects(expiry(NOW - 50 * HOUR), NOW)).toBe(false);
    expect(scope({ metrics: ['revenue'], timeRange: { preset: 'all' } }).affects(expiry(0), NOW)).toBe(true);
  });
});
