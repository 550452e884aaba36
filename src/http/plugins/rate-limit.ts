/**
 * Rate limits. Runs after authentication (it needs the org and credential) and before the body
 * is read, so a flood of 10 MB ingest bodies is refused without reading them. Every limited reply carries X-RateLimit-Limit / -Remaining / -Reset
 * (seconds); a 429 also carries Retry-After.
 *
 * Each route has a class — `config.rateClass`, else derived from its permission: events:write →
 * ingest, export:run → export, other authenticated routes → query, public POSTs (sign-in) →
 * login, other public routes → none.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RateClass } from '../../config/ops.js';
import { AppError } from '../../domain/errors.js';
import { QuerySlotsFull } from '../../ops/rate-limit/query-slots.js';
import type { Caller, RateDecision, RateLimiter } from '../../ops/rate-limit/rate-limiter.js';
import type { Telemetry } from '../../ops/telemetry.js';
import { rateLimitHeaders, stashedDecision } from './rate-decision.js';

export type RouteRateClass = RateClass | 'none';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The rate-limit budget this route spends; derived from the permission when absent. */
    rateClass?: RouteRateClass;
  }
}

export interface RateLimitOptions {
  limiter: RateLimiter | null;
  telemetry: Telemetry;
}

export function defaultRateClass(method: string, permission: string | undefined): RouteRateClass {
  switch (permission) {
    case undefined:
      return 'none';
    case 'public':
      return method === 'POST' ? 'login' : 'none';
    case 'events:write':
      return 'ingest';
    case 'export:run':
      return 'export';
    default:
      return 'query';
  }
}

function callerOf(request: FastifyRequest): Caller {
  const p = request.principal;
  if (p === null) return { org: null, credential: null, ip: request.ip };
  return { org: p.org, credential: p.kind === 'key' ? `key:${p.keyId}` : `user:${p.sub}`, ip: request.ip };
}

function refusal(rateClass: RateClass, decision: RateDecision): string {
  const who = decision.scope === 'org' ? 'this org' : decision.scope === 'credential' ? 'this credential' : 'this address';
  if (decision.reason === 'penalty') {
    return `Too many ${rateClass} requests were refused for ${who}; it is blocked for ${decision.retryAfterSeconds} s.`;
  }
  return `The ${rateClass} rate limit of ${who} (${decision.limit} requests per window) is used up; retry in ${decision.retryAfterSeconds} s.`;
}

export const rateLimitPlugin = fp(
  async (app: FastifyInstance, { limiter, telemetry }: RateLimitOptions) => {
    app.addHook('onRoute', (route) => {
      const config = route.config ?? {};
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      route.config = { ...config, rateClass: config.rateClass ?? defaultRateClass(String(methods[0]), config.permission) };
    });

    if (limiter !== null) {
      app.addHook('onRequest', async (request, reply) => {
        const rateClass = request.routeOptions.config.rateClass;
        if (rateClass === undefined || rateClass === 'none') return;
        let decision = stashedDecision(request.raw);
        try {
          if (decision === undefined) decision = await limiter.check(rateClass, callerOf(request));
        } catch (err) {
          // The counters fall back to memory on their own; anything beyond that must not take the API down.
          request.log.error({ err }, 'rate limiter failed; request let through');
          return;
        }
        if (decision === null) return;
        reply.headers(rateLimitHeaders(decision));
        if (decision.allowed || decision.reason === 'ok') return;
        reply.header('retry-after', decision.retryAfterSeconds);
        telemetry.recordRejection(rateClass, decision.scope, decision.reason);
        request.log.info({ rateClass, scope: decision.scope, reason: decision.reason, org: request.principal?.org ?? null }, 'rate limited');
        throw new AppError('RATE_LIMITED', refusal(rateClass, decision));
      });
    }

    // Query slots are taken by the engine per statement; a full queue surfaces here as an error.
    app.addHook('onError', (request, reply, error, done) => {
      if (error instanceof QuerySlotsFull) {
        reply.header('retry-after', 1);
        const rateClass = request.routeOptions.config.rateClass;
        telemetry.recordRejection(rateClass === undefined || rateClass === 'none' ? 'query' : rateClass, 'org', 'concurrency');
      }
      done();
    });
  },
  { name: 'tally-rate-limit' },
);
