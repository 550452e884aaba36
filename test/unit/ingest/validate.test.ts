import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/domain/errors.js';
import { parseNdjson } from '../../../src/ingest/ndjson.js';
import { validateBatch } from '../../../src/ingest/validate.js';
import type { PropDef } from '../../../src/model/types.js';

const props = new Map<string, PropDef>([
  ['amount', { name: 'amount', type: 'number', label: 'Amount', column: 'p_amount' }],
  ['due_at', { name: 'due_at', type: 'time', label: 'Due at', column: 'p_due_at' }],
]);
const now = Date.UTC(2026, 10, 20, 12);
const ctx = { props, now };

function errorsOf(body: unknown): { path: string; message: string }[] {
  try {
    validateBatch(body, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).errors ?? [];
  }
  throw new Error('expected a validation error');
}

describe('validateBatch', () => {
  it('accepts one event and defaults the timestamp to now', () => {
    const [e] = validateBatch({ event: 'page.viewed' }, ctx);
    expect(e).toEqual({ event: 'page.viewed', timestamp: now, actor: null, id: null, props: {} });
  });

  it('accepts ISO and epoch timestamps and converts declared time props to epoch ms', () => {
    const events = validateBatch(
      [
        { event: 'a', timestamp: '2026-11-20T10:00:00Z', props: { due_at: '2026-11-21T00:00:00.000Z' } },
        { event: 'b', timestamp: Date.UTC(2026, 10, 19) },
      ],
      ctx,
    );
    expect(events[0]?.timestamp).toBe(Date.UTC(2026, 10, 20, 10));
    expect(events[0]?.props['due_at']).toBe(Date.UTC(2026, 10, 21));
    expect(events[1]?.timestamp).toBe(Date.UTC(2026, 10, 19));
  });

  it('names every bad field with its JSON pointer and rejects the whole batch', () => {
    const errors = errorsOf([
      { event: 'ok' },
      { event: 'bad name!' },
      { event: 'x', props: { amount: 'ten' } },
      { event: 'x', props: { nested: { a: 1 } } },
      { event: 'x', actor: '' },
      { event: 'x', id: 'i'.repeat(129) },
      { event: 'x', timestamp: 'yesterday' },
      { event: 'x', props: { 'bad-key': 1 } },
      'not an object',
    ]);
    expect(errors.map((e) => e.path)).toEqual([
      '/1/event',
      '/2/props/amount',
      '/3/props/nested',
      '/4/actor',
      '/5/id',
      '/6/timestamp',
      '/7/props/bad-key',
      '/8',
    ]);
  });

  it('limits strings, prop counts and timestamps', () => {
    expect(errorsOf({ event: 'x', props: { s: 'a'.repeat(1001) } })[0]?.path).toBe('/props/s');
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    expect(errorsOf({ event: 'x', props: many })[0]?.path).toBe('/props');
    expect(errorsOf({ event: 'x', timestamp: now + 2 * 86_400_000 })[0]?.path).toBe('/timestamp');
    expect(errorsOf({ event: 'x', props: { n: Number.NaN } })[0]?.path).toBe('/props/n');
  });

  it('refuses the NUL character in ids, actors and string props (no store keeps it alike)', () => {
    const errors = errorsOf([{ event: 'x', id: 'a\u0000b' }, { event: 'x', actor: '\u0000' }, { event: 'x', props: { note: 'x\u0000' } }]);
    expect(errors).toEqual([
      { path: '/0/id', message: 'must not contain the NUL character (U+0000)' },
      { path: '/1/actor', message: 'must not contain the NUL character (U+0000)' },
      { path: '/2/props/note', message: 'must not contain the NUL character (U+0000)' },
    ]);
  });

  it('rejects an empty array', () => {
    expect(errorsOf([])[0]?.path).toBe('/');
  });
});

describe('parseNdjson', () => {
  it('parses lines and skips blank ones', () => {
    expect(parseNdjson('{"event":"a"}\n\n{"event":"b"}\n')).toEqual([{ event: 'a' }, { event: 'b' }]);
  });

  it('names the bad line', () => {
    expect(() => parseNdjson('{"event":"a"}\n{oops}\n')).toThrowError(/Line 2/);
  });
});
