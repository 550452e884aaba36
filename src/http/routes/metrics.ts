/**
 * GET /metrics: Prometheus text format. Public unless TALLY_METRICS_TOKEN is set, then it wants
 * `Authorization: Bearer <token>` (scrapers rarely hold JWTs, so this is not a user permission).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { Telemetry } from '../../ops/telemetry.js';

export interface MetricsRouteOptions {
  telemetry: Telemetry;
  token: string | null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, { telemetry, token }) => {
  app.get('/metrics', {
    config: { permission: 'public', rateClass: 'none', cacheControl: 'no-store', etag: false },
    schema: { tags: ['operations'], summary: 'Prometheus metrics (bearer token when TALLY_METRICS_TOKEN is set)', produces: ['text/plain'] },
    handler: async (request, reply) => {
      if (token !== null) {
        const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
        if (!match?.[1] || !sameSecret(match[1], token)) throw new AppError('UNAUTHORIZED', 'GET /metrics needs the metrics bearer token.');
      }
      reply.type(telemetry.metrics.contentType);
      return telemetry.metrics.text();
    },
  });
};
