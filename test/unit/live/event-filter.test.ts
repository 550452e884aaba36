import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventMatcher, globMatch } from '../../../src/live/event-filter.js';

describe('eventMatcher', () => {
  it('matches exact names and * globs', () => {
    const m = eventMatcher(['payment.*', 'page.viewed', '*.failed']);
    expect(['payment.completed', 'payment.', 'page.viewed', 'login.failed'].map(m)).toEqual([true, true, true, true]);
    expect(['payments.x', 'page.viewedx', 'failed', 'x.failed.y'].map(m)).toEqual([false, false, false, false]);
    expect(eventMatcher(undefined)('anything')).toBe(true);
    expect(eventMatcher(['*'])('anything')).toBe(true);
  });

  it('rejects bad patterns naming each one', () => {
    expect(() => eventMatcher(['ok', 'bad pattern', 3])).toThrowError(/\/filter\/events\/1.*\/filter\/events\/2/);
    expect(() => eventMatcher(Array.from({ length: 51 }, () => 'a'))).toThrowError(/at most 50/);
  });

  it('agrees with a regular-expression reference on random input', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 10 }), (pattern, text) => {
        const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/\./g, '\\.')).join('.*')}$`);
        expect(globMatch(pattern, text)).toBe(re.test(text));
      }),
    );
  });

  it('stays fast on patterns that make backtracking regexes explode', () => {
    const started = performance.now();
    expect(globMatch('*a*a*a*a*a*a*a*a*b', 'a'.repeat(200))).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
