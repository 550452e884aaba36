import { describe, expect, it } from 'vitest';
import { ArrivalClock } from '../../../src/store/arrival-clock.js';

describe('ArrivalClock', () => {
  it('follows the wall clock and never repeats or goes back within one writer', () => {
    const wall = [1000, 1000, 1000, 999, 1005, 1005];
    const clock = new ArrivalClock(() => wall.shift() ?? 0);
    expect([clock.next(), clock.next(), clock.next(), clock.next(), clock.next(), clock.next()]).toEqual([1000, 1001, 1002, 1003, 1005, 1006]);
  });
});
