/**
 * The operations objects one app needs (telemetry, rate limiter, query slots), built once from
 * its dependencies so buildApp stays a list of registrations. Everything is optional: without
 * settings the defaults of config/ops.ts apply, without Redis the counters live in memory.
 */
import type { FastifyServerOptions } from 'fastify';
import type { OpsConfig } from '../config/ops.js';
import { defaultOpsConfig } from '../config/ops.js';
import { DEFAULT_REDIS_PREFIX, redisNamespaces } from '../config/redis.js';
import type { QueryEngine } from '../engine/query-engine.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { counterFactory } from './rate-limit/counters.js';
import { QuerySlots } from './rate-limit/query-slots.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';
import type { Redis } from './redis.js';
import { Telemetry } from './telemetry.js';

export type OpsSettings = Omit<OpsConfig, 'shutdownTimeoutMs'>;

export interface OpsDeps {
  engine: QueryEngine;
  ingest: IngestService;
  /** Production HTTP settings (config.ops); each missing one takes its default. */
  ops?: Partial<OpsSettings>;
  /** Shared Redis connection (ops/redis.ts); null or absent = counters in memory. */
  redis?: Redis | null;
  /** Pass one to share it with the live module (connection hooks); else the app makes its own. */
  telemetry?: Telemetry;
  /** Namespace of the rate-limit counters (config.redisKeys.rateLimits; one per deployment sharing a Redis, or per test run). */
  rateLimitPrefix?: string;
  /** The app's logger settings (without one, the stack adds a hook so completions are still seen). */
  logger?: FastifyServerOptions['logger'];
  /**
   * false = only errors, auth and routes: no request ids, security headers, compression, ETags,
   * metrics or limits. For the middleware benchmark's baseline; never in production.
   */
  middleware?: boolean;
}

export interface OpsServices {
  settings: OpsSettings;
  middleware: boolean;
  hasLogger: boolean;
  telemetry: Telemetry;
  redis: Redis | null;
  limiter: RateLimiter | null;
  slots: QuerySlots | null;
  /** Subscribes telemetry to ingest and engine events (when the app is ready). */
  attach(): void;
  /** Stops what this app started (listeners, samplers); the Redis connection belongs to the caller. */
  close(): void;
}

export function opsServices(deps: OpsDeps): OpsServices {
  const settings: OpsSettings = { ...defaultOpsConfig(), ...deps.ops };
  const middleware = deps.middleware ?? true;
  const redis = deps.redis ?? null;
  const owned = deps.telemetry === undefined;
  const telemetry = deps.telemetry ?? new Telemetry();
  const limiter =
    middleware && settings.rateLimits.enabled
      ? new RateLimiter(settings.rateLimits, counterFactory(redis), { prefix: deps.rateLimitPrefix ?? redisNamespaces(DEFAULT_REDIS_PREFIX).rateLimits })
      : null;
  const slots = middleware
    ? new QuerySlots({ perOrg: settings.maxConcurrentQueries, maxQueued: settings.maxQueuedQueries, waitMs: settings.queryTimeoutMs })
    : null;

  const unsubscribe: Array<() => void> = [];
  telemetry.sources.querySlots = slots ? () => slots.stats() : undefined;
  telemetry.sources.rateLimits = () => ({ enabled: limiter !== null, backend: redis === null ? 'memory' : 'redis' });
  telemetry.sources.redisUp = () => (redis === null ? null : redis.status === 'ready');

  return {
    settings,
    middleware,
    hasLogger: deps.logger !== undefined && deps.logger !== false,
    telemetry,
    redis,
    limiter,
    slots,
    attach: () => {
      if (!middleware || unsubscribe.length > 0) return;
      unsubscribe.push(
        deps.ingest.onAppended((notice) => telemetry.recordIngest(notice.events.length)),
        deps.engine.onQuery((observation) => telemetry.recordQuery(observation)),
      );
      if (slots !== null) {
        deps.engine.useGate(slots);
        unsubscribe.push(() => deps.engine.useGate(null));
      }
      telemetry.start();
    },
    close: () => {
      for (const off of unsubscribe.splice(0)) off();
      if (owned) telemetry.stop();
    },
  };
}
