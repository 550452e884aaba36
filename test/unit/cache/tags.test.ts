/** Invalidation precision rules (cache/tags.ts) and what the engine reports for a query (engine/read-tag.ts). */
import { describe, expect, it } from 'vitest';
import { entryTags, eventsRule, matches, mergeRanges, SPAN_GAP_MS } from '../../../src/cache/tags.js';
import type { EntryTags } from '../../../src/cache/tags.js';
import { queryReadTag } from '../../../src/engine/read-tag.js';
import { compileQuery, duckdb, parseQuery } from '../../../src/query/index.js';
import { loadCatalog } from '../../../src/model/load.js';
import { SHOP_MODEL } from '../../fixtures/app.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12);

describe('eventsRule', () => {
  it('groups by event name and clusters times, so a late event does not widen the current span', () => {
    const rule = eventsRule('acme', [
      { event: 'a', timestamp: NOW },
      { event: 'a', timestamp: NOW - 10_000 },
      { event: 'a', timestamp: NOW - 7 * DAY },
      { event: 'b', timestamp: NOW },
    ]);
    expect(rule).toEqual({
      kind: 'events',
      org: 'acme',
      changes: [
        { event: 'a', spans: [[NOW - 7 * DAY, NOW - 7 * DAY], [NOW - 10_000, NOW]] },
        { event: 'b', spans: [[NOW, NOW]] },
      ],
    });
    const far = eventsRule('acme', [{ event: 'a', timestamp: 0 }, { event: 'a', timestamp: SPAN_GAP_MS + 1 }]);
    expect(far.kind === 'events' && far.changes[0]?.spans.length).toBe(2);
  });
});

describe('matches', () => {
  const t: EntryTags = { org: 'acme', events: ['a'], metrics: ['m'], ranges: [[NOW - 30 * DAY, NOW]] };
  const at = (event: string, time: number, org = 'acme') => eventsRule(org, [{ event, timestamp: time }]);

  it('needs the org, an event the entry reads and a time inside one of its ranges', () => {
    expect(matches(t, at('a', NOW - DAY))).toBe(true);
    expect(matches(t, at('a', NOW - DAY, 'globex'))).toBe(false);
    expect(matches(t, at('b', NOW - DAY))).toBe(false);
    expect(matches(t, at('a', NOW - 31 * DAY))).toBe(false);
    expect(matches(t, at('a', NOW))).toBe(false);
    expect(matches({ ...t, events: null }, at('b', NOW - DAY))).toBe(true);
    expect(matches({ ...t, ranges: [[NOW - DAY, null]] }, at('a', NOW + 5 * DAY))).toBe(true);
  });

  it('manual rules: any listed metric or event, within an optional range', () => {
    const manual = { kind: 'manual' as const, org: 'acme', all: false, metrics: [] as string[], events: [] as string[], range: null };
    expect(matches(t, { ...manual, metrics: ['m'] })).toBe(true);
    expect(matches(t, { ...manual, metrics: ['x'] })).toBe(false);
    expect(matches(t, { ...manual, events: ['a'] })).toBe(true);
    expect(matches(t, { ...manual, all: true, range: [NOW + DAY, NOW + 2 * DAY] })).toBe(false);
    expect(matches(t, { ...manual, all: true, range: [NOW - DAY, NOW + 2 * DAY] })).toBe(true);
  });
});

describe('entryTags', () => {
  it('unions reads; no reads means "anything"', () => {
    expect(entryTags('o', [])).toEqual({ org: 'o', events: null, metrics: [], ranges: [[0, null]] });
    const tags = entryTags('o', [
      { events: ['b'], metrics: ['x'], ranges: [[10, 20]], validUntil: null },
      { events: ['a'], metrics: ['y'], ranges: [[15, 30], [50, null]], validUntil: 99 },
    ]);
    expect(tags).toEqual({ org: 'o', events: ['a', 'b'], metrics: ['x', 'y'], ranges: [[10, 30], [50, null]] });
    expect(mergeRanges([[5, null], [7, 9], [1, 2]])).toEqual([[1, 2], [5, null]]);
  });
});

describe('queryReadTag', async () => {
  const catalog = await loadCatalog([SHOP_MODEL]);
  const tagOf = (spec: Parameters<typeof parseQuery>[0]) =>
    queryReadTag(parseQuery(spec, catalog), compileQuery(spec, catalog, duckdb, { org: 'acme', now: NOW }), NOW);

  it('narrows events by restricted metrics and event filters', () => {
    expect(tagOf({ metrics: ['count'] }).events).toBeNull();
    expect(tagOf({ metrics: ['revenue'] }).events).toEqual(['payment.completed']);
    expect(tagOf({ metrics: ['count'], filters: [{ field: 'event', op: 'in', value: ['x', 'y'] }] }).events).toEqual(['x', 'y']);
    expect(tagOf({ metrics: ['revenue'], filters: [{ field: 'event', op: 'eq', value: 'page.viewed' }] }).events).toEqual([]);
    expect(tagOf({ metrics: ['count'], filters: [{ field: 'event', op: 'neq', value: 'x' }] }).events).toBeNull();
  });

  it('leaves windows that end at now open, and expires them at the next bucket or calendar boundary', () => {
    const rolling = tagOf({ metrics: ['count'], timeRange: { preset: '7d' }, granularity: '1h' });
    expect(rolling.ranges).toEqual([[NOW - 7 * DAY, null]]);
    expect(rolling.validUntil).toBe(NOW + 3_600_000);
    const today = tagOf({ metrics: ['count'], timeRange: { preset: 'today' }, timezone: 'Europe/Berlin' });
    expect(today.validUntil).toBe(Date.UTC(2026, 10, 20, 23));
    const fixed = tagOf({ metrics: ['count'], timeRange: { from: '2026-10-01T00:00:00Z', to: '2026-10-08T00:00:00Z' } });
    expect(fixed.ranges).toEqual([[Date.UTC(2026, 9, 1), Date.UTC(2026, 9, 8)]]);
    expect(fixed.validUntil).toBeNull();
    const live = tagOf({ metrics: ['count'], timeRange: { from: new Date(NOW - DAY).toISOString(), to: new Date(NOW).toISOString() } });
    expect(live.ranges).toEqual([[NOW - DAY, null]]);
  });

  it('includes the comparison window and reads any event for `all`', () => {
    const cmp = tagOf({ metrics: ['revenue'], timeRange: { from: '2026-10-08T00:00:00Z', to: '2026-10-15T00:00:00Z' }, compare: 'previous_period' });
    expect(cmp.ranges).toEqual([[Date.UTC(2026, 9, 8), Date.UTC(2026, 9, 15)], [Date.UTC(2026, 9, 1), Date.UTC(2026, 9, 8)]]);
    const all = tagOf({ metrics: ['revenue'], timeRange: { preset: 'all' } });
    expect(all.events).toBeNull();
    expect(all.ranges[0]?.[0]).toBe(0);
  });
});
