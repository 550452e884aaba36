import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppendedInput } from '../../../src/live/bus/bus-port.js';
import { decodeMessage, encodeMessage } from '../../../src/live/bus/codec.js';

const prop = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const event = fc.record({
  event: fc.string({ minLength: 1 }),
  timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  actor: fc.option(fc.string()),
  id: fc.option(fc.string()),
  props: fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'), prop, { maxKeys: 5 }),
});

describe('bus codec', () => {
  it('round-trips appended notices exactly', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 5 }), fc.nat(), (events, seq) => {
        const input: AppendedInput = { kind: 'appended', org: 'o', eventNames: [...new Set(events.map((e) => e.event))], minTime: 1, maxTime: 2, count: events.length + 3, events, origin: 'i' };
        const back = decodeMessage(seq, encodeMessage(input));
        // -0 does not survive JSON; compare as JSON does.
        expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify({ ...input, firstSeq: seq })));
      }),
    );
  });

  it('round-trips erasures exactly', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string({ minLength: 1 }), { maxLength: 4 }), fc.nat(), (actor, eventNames, seq) => {
        const input = { kind: 'erased' as const, org: 'o', actor, eventNames, minTime: 5, maxTime: 9, origin: 'i' };
        expect(decodeMessage(seq, encodeMessage(input))).toEqual({ ...input, firstSeq: seq });
      }),
    );
    expect(() => decodeMessage(1, '{"v":1,"k":"x","o":"o","i":"x","n":["a"],"t":[1,2]}')).toThrow(/actor/);
  });

  it('round-trips expiries exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.nat(), (before, seq) => {
        const input = { kind: 'expired' as const, org: 'o', before, origin: 'i' };
        expect(decodeMessage(seq, encodeMessage(input))).toEqual({ ...input, firstSeq: seq });
      }),
    );
    expect(() => decodeMessage(1, '{"v":1,"k":"d","o":"o","i":"x","b":"soon"}')).toThrow(/expiry instant/);
  });

  it('rejects malformed messages instead of half-applying them', () => {
    expect(() => decodeMessage(1, '{"v":1,"k":"a","o":"o","i":"x","n":["a"],"t":[1],"c":1,"e":[]}')).toThrow(/time span/);
    expect(() => decodeMessage(1, '{"v":1,"k":"a","o":"o","i":"x","n":["a"],"t":[1,2],"c":1,"e":[["a","nope",null,null,{}]]}')).toThrow(/event fields/);
    expect(() => decodeMessage(1, '{"v":2}')).toThrow(/envelope/);
  });
});
