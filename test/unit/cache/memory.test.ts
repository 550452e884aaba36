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
