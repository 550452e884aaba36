/**
 * The bus contract: the memory and the Redis bus run this same suite. A "pair" is two buses on
 * one backend (one MemoryBroker, or one Redis with one prefix): two instances of Tally.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import type { AlertInput, AppendedInput, BusMessage, LiveBus } from '../../src/live/bus/bus-port.js';

export interface BusPair {
  a: LiveBus;
  b: LiveBus;
  close(): Promise<void>;
}

const T0 = Date.UTC(2026, 10, 20, 10);

function ev(i: number, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return { event: 'payment.completed', timestamp: T0 + i, actor: `u_${i}`, id: null, props: { amount: i }, ...overrides };
}

function appended(org: string, events: StoredEvent[], extra: Partial<AppendedInput> = {}): AppendedInput {
  const times = events.map((e) => e.timestamp);
  return {
    kind: 'appended',
    org,
    eventNames: [...new Set(events.map((e) => e.event))],
    minTime: Math.min(...times),
    maxTime: Math.max(...times),
    count: events.length,
    events,
    origin: 'test',
    ...extra,
  };
}

function collector(bus: LiveBus) {
  const got: BusMessage[] = [];
  const off = bus.subscribe((m) => got.push(m));
  return { got, off };
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function busContract(name: string, open: () => Promise<BusPair>): void {
  describe(`bus contract: ${name}`, () => {
    let pair: BusPair;
    let org: string;
    let n = 0;
    beforeEach(async () => {
      pair = await open();
      org = `org_${Date.now()}_${n++}`;
    });
    afterEach(async () => {
      await pair.close();
    });

    it('delivers a message to subscribers of both instances, the publisher included', async () => {
      const onA = collector(pair.a);
      const onB = collector(pair.b);
      await pair.a.publish(appended(org, [ev(1)]));
      await until(() => onA.got.length === 1 && onB.got.length === 1);
      expect(onB.got[0]).toMatchObject({ kind: 'appended', org, count: 1, eventNames: ['payment.completed'], origin: 'test' });
    });

    it('round-trips events exactly (null actor and id, every prop type)', async () => {
      const onB = collector(pair.b);
      const events = [
        ev(1, { actor: null, id: 'x-1', props: { s: 'é "quoted"', n: 1.5, b: true, z: null } }),
        ev(2, { event: 'page.viewed', props: {} }),
      ];
      await pair.a.publish(appended(org, events, { count: 5 }));
      await until(() => onB.got.length === 1);
      const got = onB.got[0];
      expect(got?.kind).toBe('appended');
      if (got?.kind !== 'appended') return;
      expect(got.events).toEqual(events);
      expect(got.count).toBe(5);
      expect([got.minTime, got.maxTime]).toEqual([T0 + 1, T0 + 2]);
    });

    it('numbers entries per org: contiguous, increasing, shared by publishers on both instances', async () => {
      const onA = collector(pair.a);
      const other = `${org}_other`;
      await pair.a.publish(appended(org, [ev(1), ev(2), ev(3)]));
      await pair.b.publish(appended(org, [ev(4)]));
      await pair.b.publish(appended(other, [ev(5)]));
      const alert: AlertInput = {
        kind: 'alert',
        org,
        origin: 'test',
        alert: {
          id: 'al_1', ruleId: 'r1', org, name: 'busy', metric: 'count', window: '5m', comparison: 'gt', threshold: 1,
          value: 4, firedAt: new Date(T0).toISOString(), trigger: 'data',
        },
      };
      await pair.a.publish(alert);
      await until(() => onA.got.length === 4);
      const mine = onA.got.filter((m) => m.org === org);
      const first = mine[0]?.firstSeq ?? 0;
      expect(first).toBeGreaterThan(0);
      expect(mine.map((m) => m.firstSeq - first)).toEqual([0, 3, 4]);
      expect(mine[2]).toMatchObject({ kind: 'alert', alert: { id: 'al_1', value: 4 } });
      expect(onA.got.find((m) => m.org === other)?.firstSeq).toBeGreaterThan(0);
    });

    it('carries rule changes without using up sequence numbers', async () => {
      const onB = collector(pair.b);
      await pair.a.publish(appended(org, [ev(1)]));
      await pair.a.publish({ kind: 'rules', org, origin: 'test' });
      await pair.a.publish(appended(org, [ev(2)]));
      await until(() => onB.got.length === 3);
      expect(onB.got[1]).toMatchObject({ kind: 'rules', org });
      expect((onB.got[2]?.firstSeq ?? 0) - (onB.got[0]?.firstSeq ?? 0)).toBe(1);
    });

    it('carries erasures to the other instance without using up sequence numbers', async () => {
      const onB = collector(pair.b);
      await pair.a.publish(appended(org, [ev(1)]));
      await pair.a.publish({ kind: 'erased', org, actor: 'u_gone', eventNames: ['e'], minTime: 1, maxTime: 2, origin: 'test' });
      await pair.a.publish(appended(org, [ev(2)]));
      await until(() => onB.got.length === 3);
      expect(onB.got[1]).toMatchObject({ kind: 'erased', org, actor: 'u_gone', eventNames: ['e'], minTime: 1, maxTime: 2 });
      expect((onB.got[2]?.firstSeq ?? 0) - (onB.got[0]?.firstSeq ?? 0)).toBe(1);
    });

    it('carries expiries to the other instance without using up sequence numbers', async () => {
      const onB = collector(pair.b);
      await pair.a.publish(appended(org, [ev(1)]));
      await pair.a.publish({ kind: 'expired', org, before: 1_700_000_000_000, origin: 'test' });
      await pair.a.publish(appended(org, [ev(2)]));
      await until(() => onB.got.length === 3);
      expect(onB.got[1]).toMatchObject({ kind: 'expired', org, before: 1_700_000_000_000 });
      expect((onB.got[2]?.firstSeq ?? 0) - (onB.got[0]?.firstSeq ?? 0)).toBe(1);
    });

    it('keeps per-org order under concurrent publishing', async () => {
      const onB = collector(pair.b);
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? pair.a : pair.b).publish(appended(org, [ev(i)]))));
      await until(() => onB.got.length === 40);
      const seqs = onB.got.map((m) => m.firstSeq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(40);
    });

    it('stops delivering after unsubscribe', async () => {
      const first = collector(pair.b);
      const second = collector(pair.b);
      first.off();
      await pair.a.publish(appended(org, [ev(1)]));
      await until(() => second.got.length === 1);
      expect(first.got).toHaveLength(0);
    });

    it('grants a claim to one caller across instances until it expires', async () => {
      const key = `${org}:claim`;
      const results = await Promise.all([pair.a.claim(key, 300), pair.b.claim(key, 300), pair.a.claim(key, 300)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 350));
      expect(await pair.b.claim(key, 300)).toBe(true);
    });
  });
}
