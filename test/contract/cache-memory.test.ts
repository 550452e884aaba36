import { MemoryLayer } from '../../src/cache/memory.js';
import { cacheLayerContract } from './cache.contract.js';

cacheLayerContract('memory (lru-cache)', async (clock) => {
  const layer = new MemoryLayer({ maxBytes: 1024 * 1024, maxEntries: 1000, now: clock.now });
  return { layer, cleanup: () => layer.clear() };
});
