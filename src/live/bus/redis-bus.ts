/**
 * Redis pub/sub bus: every instance publishes to and subscribes to one prefixed channel, so an
 * event ingested on instance A reaches live clients on instance B. Two connections: a subscribed
 * connection can run no other command.
 *
 * Sequence numbers come from one Lua script that INCRBYs the org's counter and PUBLISHes in the
 * same atomic step: ids are shared by all instances (an SSE client may reconnect anywhere) and
 * every subscriber sees one org's messages in id order. Pub/sub is fire-and-forget: a message
 * published while an instance is disconnected is lost for it (SSE clients then see a `gap`).
 */
import { DEFAULT_REDIS_PREFIX, redisNamespaces } from '../../config/redis.js';
import type { Redis } from '../../ops/redis.js';
import { closeRedis, createRedis } from '../../ops/redis.js';
import type { BusHandler, BusInput, LiveBus } from './bus-port.js';
import { entryCount } from './bus-port.js';
import { decodeMessage, encodeMessage } from './codec.js';

const PUBLISH_SCRIPT = `
local last = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], (last - tonumber(ARGV[1]) + 1) .. '|' .. ARGV[2])
return last`;

export interface RedisBusOptions {
  url: string;
  /** Prefix of the channel and keys (config.redisKeys.liveBus); tests use a unique one per run. */
  prefix?: string;
  onError?: (err: unknown, context: string) => void;
  /** How long open() waits for the first connection before going on without it. */
  connectTimeoutMs?: number;
}

export const DEFAULT_BUS_PREFIX = redisNamespaces(DEFAULT_REDIS_PREFIX).liveBus;

function waitReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis bus: not connected after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

export class RedisBus implements LiveBus {
  readonly kind = 'redis' as const;
  private readonly handlers = new Set<BusHandler>();
  private readonly channel: string;

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly onError: (err: unknown, context: string) => void,
  ) {
    this.channel = `${prefix}bus`;
  }

  /**
   * Connects and subscribes. Redis being down at start is not fatal (like the cache): the bus
   * subscribes whenever the connection becomes ready, and until then publishing fails fast and
   * live updates are lost (logged), while ingest and queries go on.
   */
  static async open(options: RedisBusOptions): Promise<RedisBus> {
    const onError = options.onError ?? ((err, context) => console.error(`live bus: ${context}`, err));
    const pub = createRedis(options.url, { onDown: (err) => onError(err, 'publisher connection down') });
    const sub = createRedis(options.url, { onDown: (err) => onError(err, 'subscriber connection down') });
    const bus = new RedisBus(pub, sub, options.prefix ?? DEFAULT_BUS_PREFIX, onError);
    sub.on('message', (channel: string, text: string) => bus.receive(channel, text));
    const subscribe = () => sub.subscribe(bus.channel).catch((err: unknown) => onError(err, 'subscribe failed'));
    sub.on('ready', () => void subscribe());
    try {
      await Promise.all([waitReady(pub, options.connectTimeoutMs ?? 5000), waitReady(sub, options.connectTimeoutMs ?? 5000)]);
      await subscribe();
    } catch (err) {
      onError(err, 'Redis not reachable yet; live updates across instances start when it is');
    }
    return bus;
  }

  async publish(input: BusInput): Promise<void> {
    const org = input.org;
    await this.pub.eval(PUBLISH_SCRIPT, 2, `${this.prefix}seq:${org}`, this.channel, entryCount(input), encodeMessage(input));
  }

  subscribe(handler: BusHandler): () => void {
    const wrapped: BusHandler = (m) => handler(m);
    this.handlers.add(wrapped);
    return () => this.handlers.delete(wrapped);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.pub.set(`${this.prefix}claim:${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    return reply === 'OK';
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.all([closeRedis(this.sub), closeRedis(this.pub)]);
  }

  private receive(channel: string, text: string): void {
    if (channel !== this.channel) return;
    const bar = text.indexOf('|');
    let message;
    try {
      const firstSeq = Number(text.slice(0, bar));
      if (bar < 1 || !Number.isSafeInteger(firstSeq)) throw new Error('malformed bus message: sequence');
      message = decodeMessage(firstSeq, text.slice(bar + 1));
    } catch (err) {
      this.onError(err, 'dropped a malformed message');
      return;
    }
    for (const handler of this.handlers) {
      try {
        handler(message);
      } catch (err) {
        this.onError(err, 'handler failed');
      }
    }
  }
}
