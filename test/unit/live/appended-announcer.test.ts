/** AppendedAnnouncer: what `tally import` tells running instances (src/live/bus/appended-announcer.ts). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { AppendedNotice } from '../../../src/ingest/ingest-service.js';
import type { BusMessage } from '../../../src/live/bus/bus-port.js';
import { AppendedAnnouncer } from '../../../src/live/bus/appended-announcer.js';
import { MemoryBus } from '../../../src/live/bus/memory-bus.js';

function notice(org: string, times: number[], name = 'payment.completed'): AppendedNotice {
  const events: StoredEvent[] = times.map((t, i) => ({ event: name, timestamp: t, actor: `u${i}`, id: null, props: {} }));
  return { org, events, eventNames: [name], minTime: Math.min(...times), maxTime: Math.max(...times) };
}

describe('AppendedAnnouncer', () => {
  let bus: MemoryBus;
  let received: BusMessage[];
  let errors: unknown[];
  let announcer: AppendedAnnouncer;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    bus = new MemoryBus();
    received = [];
    bus.subscribe((m) => received.push(m));
    errors = [];
    announcer = new AppendedAnnouncer(bus, { origin: 'import:test', intervalMs: 1000, onError: (err) => errors.push(err) });
  });
  afterEach(() => vi.useRealTimers());

  it('publishes the first notice at once, without its events', async () => {
    announcer.onAppended(notice('acme', [100, 300]));
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'appended', org: 'acme', eventNames: ['payment.completed'], minTime: 100, maxTime: 300, count: 2, events: [], origin: 'import:test' });
  });

  it('folds the notices of an interval into one per org, with every name, the whole span and the sum', async () => {
    announcer.onAppended(notice('acme', [500]));
    await vi.advanceTimersByTimeAsync(0);
    announcer.onAppended(notice('acme', [200, 900], 'signup.completed'));
    announcer.onAppended(notice('acme', [50]));
    announcer.onAppended(notice('other', [700]));
    await vi.advanceTimersByTimeAsync(999);
    expect(received).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(received).toHaveLength(3);
    const acme = received[1];
    expect(acme).toMatchObject({ org: 'acme', minTime: 50, maxTime: 900, count: 3, events: [] });
    expect(acme?.kind === 'appended' ? [...acme.eventNames].sort() : null).toEqual(['payment.completed', 'signup.completed']);
    expect(received[2]).toMatchObject({ org: 'other', minTime: 700, maxTime: 700, count: 1 });
  });

  it('flush publishes what waits without waiting for the interval, and nothing twice', async () => {
    announcer.onAppended(notice('acme', [1]));
    await vi.advanceTimersByTimeAsync(0);
    announcer.onAppended(notice('acme', [2, 3]));
    await announcer.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((m) => (m.kind === 'appended' ? m.count : -1))).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(5000);
    await announcer.flush();
    expect(received).toHaveLength(2);
  });

  it('takes no sequence numbers: SSE ids of real events stay dense', async () => {
    announcer.onAppended(notice('acme', [1, 2, 3]));
    await announcer.flush();
    await vi.advanceTimersByTimeAsync(0);
    await bus.publish({ kind: 'appended', org: 'acme', eventNames: ['x'], minTime: 1, maxTime: 1, count: 1, events: [{ event: 'x', timestamp: 1, actor: 'a', id: null, props: {} }], origin: 'instance' });
    await vi.advanceTimersByTimeAsync(0);
    expect(received.map((m) => m.firstSeq)).toEqual([1, 1]);
  });

  it('reports a failed publish per org and keeps going', async () => {
    await bus.close();
    announcer.onAppended(notice('acme', [1]));
    await announcer.flush();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/closed/);
  });
});
