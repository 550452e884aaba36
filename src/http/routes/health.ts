/**
 * Liveness (the process answers) and readiness (the store answers; Redis is reported but only
 * degrades: rate limits fall back to memory and the cache to L1 while it is away).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Redis } from '../../ops/redis.js';
import { probeRedis } from '../../ops/redis.js';
import type { Store } from '../../store/port.js';

const Check = Type.Object({ status: Type.String(), latencyMs: Type.Optional(Type.Number()), error: Type.Optional(Type.String()) });
const Ready = Type.Object({ status: Type.String({ description: 'ok, degraded (Redis down) or unavailable (store down)' }), checks: Type.Record(Type.String(), Check) });

export interface HealthOptions {
  store: Store;
  redis?: Redis | null;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

export const healthRoutes: FastifyPluginAsyncTypebox<HealthOptions> = async (app, { store, redis = null }) => {
  app.get('/health/live', {
    config: { permission: 'public', cacheControl: 'no-store', etag: false },
    schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.String() }) } },
    handler: async () => ({ status: 'ok' }),
  });

  app.get('/health/ready', {
    config: { permission: 'public', cacheControl: 'no-store', etag: false },
    schema: { tags: ['operations'], summary: 'Readiness: 503 when the store does not answer', response: { 200: Ready, 503: Ready } },
    handler: async (request, reply) => {
      const started = performance.now();
      const [storeCheck, redisCheck] = await Promise.all([
        store.ping().then(
          () => ({ status: 'ok', latencyMs: round(performance.now() - started) }),
          (err: unknown) => {
            request.log.warn({ err }, 'readiness: store check failed');
            return { status: 'down', error: err instanceof Error ? err.message : String(err) };
          },
        ),
        probeRedis(redis),
      ]);
      const checks = { store: storeCheck, redis: redisCheck };
      if (storeCheck.status !== 'ok') {
        reply.status(503);
        return { status: 'unavailable', checks };
      }
      return { status: redisCheck.status === 'down' ? 'degraded' : 'ok', checks };
    },
  });
};
