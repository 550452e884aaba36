/** Picks the bus from configuration: Redis pub/sub when REDIS_URL is set, else in-process. */
import type { LiveBus } from './bus-port.js';
import { MemoryBus } from './memory-bus.js';
import { RedisBus } from './redis-bus.js';

export interface BusConfig {
  redisUrl: string | null;
  /** Channel and key prefix, so deployments can share one Redis. */
  prefix?: string;
  onError?: (err: unknown, context: string) => void;
}

export async function openBus(config: BusConfig): Promise<LiveBus> {
  if (config.redisUrl === null) return new MemoryBus();
  return RedisBus.open({
    url: config.redisUrl,
    ...(config.prefix ? { prefix: config.prefix } : {}),
    ...(config.onError ? { onError: config.onError } : {}),
  });
}
