/** L1 bounds: bytes and entries evict least recently used first; the org index follows evictions. */
import { describe, expect, it } from 'vitest';
import { MemoryLayer } from '../../../src/cache/memory.js';
import { FakeClock, entry, tags } from '../../contract/cache.contract.js';

describe('memory layer bounds', () => {
  const clock = new FakeClock();
  const kib = (n: number): string => 'x'.repeat(n * 1024);

  it('evicts least recently used entries to stay under the byte bound', async () => {
    const l1 = new MemoryLayer({ maxBytes: 12 * 1024, maxEntries: 1000, now: clock.now });
    for (const k of ['a', 'b', 'c']) await l1.set(k, entry(clock, kib(3), tags('acme')));
    expect(await l1.get('a')).not.toBeNull(); // a is now the most recently used
    await l1.set('d', entry(clock, kib(3), tags('acme')));
    expect(l1.stats().bytes).toBeLessThanOrEqual(12 * 1024);
    expect(await l1.get('b')).toBeNull();
    expect(await l1.get('a')).not.toBeNull();
    expect(await l1.get('d')).not.toBeNull();
    expect(l1.evictions).toBeGreaterThanOrEqual(1);
  });

  it('refuses an entry larger than the whole bound', async () => {
    const l1 = new MemoryLayer({ maxBytes: 4 * 1024, maxEntries: 10, now: clock.now });
    expect(l1.put('big', entry(clock, kib(8), tags('acme')))).toBe(false);
    expect(l1.stats().entries).toBe(0);
  });

  it('evicts by entry count', async () => {
    const l1 = new MemoryLayer({ maxBytes: 1024 * 1024, maxEntries: 2, now: clock.now });
    for (const k of ['a', 'b', 'c']) await l1.set(k, entry(clock, 'v', tags('acme')));
    expect(l1.stats().entries).toBe(2);
    expect(await l1.get('a')).toBeNull();
  });

  it('does not invalidate evicted keys twice nor lose track of the rest', async () => {
    const l1 = new MemoryLayer({ maxBytes: 1024 * 1024, maxEntries: 2, now: clock.now });
    for (const k of ['a', 'b', 'c']) await l1.set(k, entry(clock, 'v', tags('acme')));
    expect(await l1.invalidate({ kind: 'org', org: 'acme' })).toBe(2);
    expect(l1.stats().entries).toBe(0);
  });

  it('keeps the exact bytes of an L1 hit, meta.cache included', async () => {
    const l1 = new MemoryLayer({ maxBytes: 1024 * 1024, maxEntries: 10, now: clock.now });
    l1.put('k', entry(clock, '{"rows":[],"meta":{"durationMs":1', tags('acme')));
    const record = l1.peek('k');
    const reply = JSON.parse(record?.hitBytes.toString() ?? 'null') as { meta: { cache: unknown } };
    expect(reply.meta.cache).toEqual({ hit: true, layer: 'memory', generatedAt: new Date(clock.t).toISOString(), ttlSeconds: 60 });
  });
});

describe('memory layer: compressed replies', () => {
  const clock = new FakeClock();
  const body = `{"rows":[${'{"day":"2026-11-20","revenue":1234.5},'.repeat(60)}{}],"meta":{"durationMs":1`;
  /** A stand-in coding whose output length is easy to predict: the bytes reversed, cut to a quarter. */
  const quarter = (bytes: Buffer): Buffer => Buffer.from(bytes.subarray(0, Math.floor(bytes.length / 4))).reverse();

  it('encodes an entry once and counts the encoded bytes against the bound', () => {
    const l1 = new MemoryLayer({ maxBytes: 1024 * 1024, maxEntries: 10, now: clock.now });
    l1.put('k', entry(clock, body, tags('acme')));
    const before = l1.stats().bytes;
    let calls = 0;
    const encode = (bytes: Buffer): Buffer => (calls++, quarter(bytes));
    const record = l1.peek('k');
    if (!record) throw new Error('no record');
    const first = l1.encoded('k', record, 'fresh', 'x-quarter', encode);
    expect(first).toEqual(quarter(record.hitBytes));
    const again = l1.peek('k');
    if (!again) throw new Error('no record');
    expect(l1.encoded('k', again, 'fresh', 'x-quarter', encode)).toBe(first);
    expect(calls).toBe(1);
    expect(l1.stats().bytes).toBe(before + (first?.length ?? 0));
    // Still the same answer and the same expiry: the record was replaced, not re-stored.
    expect(again.hitBytes).toBe(record.hitBytes);
    clock.t += 61_000;
    expect(l1.peek('k')).toBeNull();
  });

  it('remembers that a coding does not pay, and never attaches a coding to a replaced entry', () => {
    const l1 = new MemoryLayer({ maxBytes: 1024 * 1024, maxEntries: 10, now: clock.now });
    l1.put('k', entry(clock, body, tags('acme')));
    const record = l1.peek('k');
    if (!record) throw new Error('no record');
    let calls = 0;
    const bigger = (bytes: Buffer): Buffer => (calls++, Buffer.concat([bytes, bytes]));
    expect(l1.encoded('k', record, 'fresh', 'x-bigger', bigger)).toBeNull();
    const held = l1.peek('k');
    if (!held) throw new Error('no record');
    expect(l1.encoded('k', held, 'fresh', 'x-bigger', bigger)).toBeNull();
    expect(calls).toBe(1);
    // A newer answer under the key: the old record's encoding is returned but not stored with it.
    l1.put('k', entry(clock, body.replace('1234.5', '99'), tags('acme')));
    const bytes = l1.stats().bytes;
    expect(l1.encoded('k', held, 'fresh', 'x-quarter', quarter)).toEqual(quarter(held.hitBytes));
    expect(l1.stats().bytes).toBe(bytes);
    expect(l1.peek('k')?.encoded).toBeUndefined();
  });
});

describe('memory layer: stale replies', () => {
  const clock = new FakeClock();
  const body = `{"rows":[1,2,3],"meta":{"durationMs":1`;

  it('renders the stale reply once, keeps it with the record, and encodes it apart from the fresh one', () => {
    const l1 = new MemoryLayer({ maxBytes: 1024 * 1024, maxEntries: 10, now: clock.now });
    l1.put('k', entry(clock, body, tags('acme')));
    const record = l1.peek('k');
    if (!record) throw new Error('no record');
    const before = l1.stats().bytes;
    const stale = l1.replyBytes('k', record, 'stale');
    const reply = JSON.parse(stale.toString()) as { rows: number[]; meta: { cache: Record<string, unknown> } };
    expect(reply.rows).toEqual([1, 2, 3]);
    expect(reply.meta.cache).toEqual({ hit: true, layer: 'memory', generatedAt: new Date(clock.t).toISOString(), ttlSeconds: 60, stale: true });
    expect(l1.replyBytes('k', record, 'stale')).toBe(stale);
    expect(l1.replyBytes('k', record, 'fresh')).toBe(record.hitBytes);
    expect(l1.stats().bytes).toBe(before + stale.length);
    const upper = (bytes: Buffer): Buffer => Buffer.from(bytes.toString().toUpperCase().slice(0, 10));
    expect(l1.encoded('k', record, 'stale', 'x-up', upper)?.toString()).toBe(stale.toString().toUpperCase().slice(0, 10));
    expect(l1.encoded('k', record, 'fresh', 'x-up', upper)?.toString()).toBe(record.hitBytes.toString().toUpperCase().slice(0, 10));
  });
});
