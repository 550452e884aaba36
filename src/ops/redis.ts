/**
 * The one way Tally connects to Redis (rate limits now, the L2 cache and bus later). Commands
 * fail fast instead of queueing while Redis is away, so every caller can fall back (insurance
 * limiter, memory cache) within a bounded delay, and the client reconnects on its own.
 */
import { Redis } from 'ioredis';

export type { Redis } from 'ioredis';

export interface RedisConnectOptions {
  /** A command not answered within this fails (and the caller falls back). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Called once per transition to "down", not for every failed command. */
  onDown?: (err: Error) => void;
  onUp?: () => void;
  /**
   * Commands issued in the same event-loop turn go out in one write (ioredis autopipelining): for
   * the cache's client, whose GETs arrive many at a time under load.
   */
  autoPipelining?: boolean;
}

export const REDIS_COMMAND_TIMEOUT_MS = 500;

export function createRedis(url: string, options: RedisConnectOptions = {}): Redis {
  const client = new Redis(url, {
    // No offline queue: a command while disconnected rejects at once rather than waiting for a
    // reconnect that may never come; one retry at most on a dropped connection.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    // Keep trying with a capped backoff: Redis coming back heals the process without a restart.
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    connectionName: 'tally',
    enableAutoPipelining: options.autoPipelining ?? false,
  });
  let down = false;
  // Without an 'error' listener ioredis reports every reconnect failure as an unhandled error.
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    options.onDown?.(err);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.onUp?.();
  });
  return client;
}

export interface RedisCheck {
  status: 'ok' | 'down' | 'disabled';
  latencyMs?: number;
  error?: string;
}

const CONNECTING = new Set(['wait', 'connecting', 'connect']);

/** Resolves once a first connection in progress is ready, or after `ms`; never rejects. */
function settleFirstConnect(client: Redis, ms: number): Promise<void> {
  if (!CONNECTING.has(client.status)) return Promise.resolve();
  if (client.status === 'wait') void client.connect().catch(() => undefined);
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.once('ready', done);
  });
}

/**
 * The readiness probe: one PING, bounded by the client's command timeout. A first connection
 * still being made is given that long to finish: without an offline queue a PING sent during
 * the handshake would fail at once and report a healthy Redis as down.
 */
export async function probeRedis(client: Redis | null): Promise<RedisCheck> {
  if (client === null) return { status: 'disabled' };
  const started = performance.now();
  try {
    await settleFirstConnect(client, client.options.commandTimeout ?? REDIS_COMMAND_TIMEOUT_MS);
    await client.ping();
    return { status: 'ok', latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (err) {
    return { status: 'down', error: err instanceof Error ? err.message : String(err) };
  }
}

/** QUIT when connected (flushes pending replies), else drop the socket; never hangs. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection went away while quitting.
    }
  }
  client.disconnect();
}
