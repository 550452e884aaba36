/** Stored reply bytes + spliced meta.cache must always be the JSON of the reply with that meta.cache. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metaOf, render, serializeBody } from '../../../src/cache/body.js';

const json = fc.jsonValue({ maxDepth: 3 });

describe('reply bytes', () => {
  it('splice meta.cache into any object reply, with or without other meta keys', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 5 }), fc.option(fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 3 })), (rest, meta) => {
        const body: Record<string, unknown> = { ...rest };
        if (meta !== null) body['meta'] = { ...meta, cache: { stale: 'ignored' } };
        const stored = serializeBody(body);
        const cache = metaOf({ generatedAt: Date.UTC(2026, 0, 1), ttlSeconds: 60 }, true, 'memory');
        const parsed = JSON.parse(render(stored, cache).toString()) as Record<string, unknown>;
        const expectedMeta = { ...(meta ?? {}), cache };
        // Through JSON, as a client sees it (-0 is written as 0).
        expect(parsed).toEqual(JSON.parse(JSON.stringify({ ...rest, meta: expectedMeta })));
      }),
      { numRuns: 300 },
    );
  });

  it('stores non-object replies whole', () => {
    const stored = serializeBody([1, 2]);
    expect(stored.splice).toBe('none');
    expect(render(stored, metaOf({ generatedAt: 0, ttlSeconds: 1 }, false, null)).toString()).toBe('[1,2]');
  });

  it('puts stale: true only on stale answers', () => {
    expect(metaOf({ generatedAt: 0, ttlSeconds: 5 }, true, 'redis', true)).toEqual({ hit: true, layer: 'redis', generatedAt: '1970-01-01T00:00:00.000Z', ttlSeconds: 5, stale: true });
    expect(metaOf({ generatedAt: 0, ttlSeconds: 5 }, false, null)).not.toHaveProperty('stale');
  });
});
