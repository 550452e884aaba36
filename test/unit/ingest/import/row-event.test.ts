import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../../../src/domain/errors.js';
import { csvColumnReader, rowToEvent } from '../../../../src/ingest/import/row-event.js';
import type { PropDef } from '../../../../src/model/types.js';

const declared = new Map<string, PropDef>(
  (
    [
      ['amount', 'number'],
      ['premium', 'boolean'],
      ['due', 'time'],
      ['channel', 'string'],
    ] as const
  ).map(([name, type]) => [name, { name, type, label: name, column: `p_${name}` }]),
);

function map(row: Record<string, unknown>): { event: ReturnType<typeof rowToEvent>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  return { event: rowToEvent(row, errors), errors };
}

describe('rowToEvent', () => {
  it('passes an event in the POST /events shape through unchanged', () => {
    const row = { event: 'a.b', timestamp: '2026-11-20T10:00:00Z', actor: 'u1', id: 'x', props: { amount: 1, coupon: 'VIP' } };
    expect(map(row)).toEqual({ event: { event: 'a.b', timestamp: '2026-11-20T10:00:00Z', actor: 'u1', id: 'x', props: { amount: 1, coupon: 'VIP' } }, errors: [] });
  });

  it('reads a raw export row: time, declared props as columns, props.<name>, props as JSON text', () => {
    const row = { 'time (Europe/Berlin)': '2026-11-20T11:00:00.000+01:00', event: 'a.b', actor: null, id: null, amount: 2.5, 'props.ref': 'mail', props: '{"coupon":"VIP"}' };
    expect(map(row)).toEqual({
      event: { event: 'a.b', timestamp: '2026-11-20T11:00:00.000+01:00', actor: null, id: null, props: { coupon: 'VIP', amount: 2.5, ref: 'mail' } },
      errors: [],
    });
  });

  it('treats every other top-level key as a prop (a flat record)', () => {
    expect(map({ event: 'signup', time: 1763640000000, plan: 'pro', seats: 3 }).event).toEqual({ event: 'signup', timestamp: 1763640000000, actor: undefined, id: undefined, props: { plan: 'pro', seats: 3 } });
  });

  it('names a time given twice, a prop given twice and a props column that is not an object', () => {
    expect(map({ event: 'a', timestamp: 1, time: 2 }).errors).toEqual([{ path: '/time', message: 'the time is given twice (also as timestamp)' }]);
    expect(map({ event: 'a', amount: 1, props: { amount: 2 } }).errors).toEqual([{ path: '/props/amount', message: 'is given twice: as a column and inside props' }]);
    expect(map({ event: 'a', props: '[1,2]' }).errors).toEqual([{ path: '/props', message: 'must be an object (in CSV: the JSON text of one)' }]);
    expect(map({ event: 'a', props: 'not json' }).errors).toHaveLength(1);
    expect(map({ event: 'a', props: 7 }).errors).toHaveLength(1);
  });

  it('does not change the row it maps (props are copied)', () => {
    const props = { amount: 1 };
    map({ event: 'a', channel: 'web', props });
    expect(props).toEqual({ amount: 1 });
  });
});

/** A cell as its column reads it (the reader is decided once per column). */
function csvCellValue(column: string, cell: string, props: ReadonlyMap<string, PropDef>): unknown {
  return csvColumnReader(column, props)(cell);
}

describe('csvColumnReader', () => {
  it('leaves an empty cell out', () => {
    expect(csvCellValue('amount', '', declared)).toBeUndefined();
    expect(csvCellValue('note', '', declared)).toBeUndefined();
  });

  it('types declared props by the model and keeps what does not read as the type as text', () => {
    expect(csvCellValue('amount', '-12.50', declared)).toBe(-12.5);
    expect(csvCellValue('amount', '1e3', declared)).toBe(1000);
    expect(csvCellValue('amount', '12,5', declared)).toBe('12,5');
    expect(csvCellValue('amount', ' 1', declared)).toBe(' 1');
    expect(csvCellValue('premium', 'TRUE', declared)).toBe(true);
    expect(csvCellValue('premium', 'false', declared)).toBe(false);
    expect(csvCellValue('premium', 'yes', declared)).toBe('yes');
    expect(csvCellValue('due', '1763640000000', declared)).toBe(1763640000000);
    expect(csvCellValue('due', '2026-11-20', declared)).toBe('2026-11-20');
    expect(csvCellValue('channel', '42', declared)).toBe('42');
  });

  it('reads time columns as epoch milliseconds when they are digits, and undeclared columns as text', () => {
    expect(csvCellValue('timestamp', '1763640000000', declared)).toBe(1763640000000);
    expect(csvCellValue('time (UTC)', '2026-11-20T10:00:00.000Z', declared)).toBe('2026-11-20T10:00:00.000Z');
    expect(csvCellValue('seats', '3', declared)).toBe('3');
    expect(csvCellValue('actor', '42', declared)).toBe('42');
    expect(csvCellValue('props.amount', '3', declared)).toBe(3);
  });
});
