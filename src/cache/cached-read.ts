/**
 * The one helper a read route uses to answer from the cache (how to opt in: src/cache/README.md).
 *
 *   handler: (request, reply) => cachedRead(request, reply,
 *     { endpoint: 'summary', keyInput: { range, kpis } },
 *     () => views.summary(engine, org, range))
 *
 * `compute` returns the JSON body. It runs at most once per key at a time (single-flight), and
 * what it reads through the engine becomes the entry's invalidation tags. The reply is serialized
 * once; a hit sends the stored bytes with meta.cache filled in (body.ts). `keyInput` must hold
 * everything the answer depends on besides the org and the model version, e.g. the viewer's actor
 * for "me" fields; the helper normalizes key order, the route normalizes meaning (keys.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Telemetry } from '../ops/telemetry.js';
import { bearerToken } from '../http/plugins/bearer.js';
import { compressedHit, negotiatedCoding, sendEncoded } from '../http/plugins/compression.js';
import { metaOf, render, replyTag, serializeBody } from './body.js';
import type { Compute } from './layered.js';
import type { TallyCache } from './tally-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by buildApp; routes reach it through cachedRead. */
    tallyCache: TallyCache | null;
  }
}

export interface CachedReadOptions {
  /** Names the TTL (TALLY_CACHE_TTLS) and is part of the key: `query`, `summary`, `timeseries`… */
  endpoint: string;
  /**
   * Everything the answer depends on besides org and model version; key order does not matter,
   * a top-level `refresh` is ignored (so `{ ...request.query }` is a fine key input).
   */
  keyInput: unknown;
  /** Default: the caller's org (the authenticated user's). */
  org?: string;
  /** Overrides the configured TTL of the endpoint. */
  ttlSeconds?: number;
}

/** `?refresh=true` or `Cache-Control: no-cache` (or `no-store`): compute now. */
export function wantsBypass(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown> | undefined;
  const refresh = query?.['refresh'];
  if (refresh === true || refresh === 'true' || refresh === '1') return true;
  const control = request.headers['cache-control'];
  return typeof control === 'string' && /\bno-(cache|store)\b/i.test(control);
}

/** `refresh` is the bypass switch, never part of what an answer depends on. */
function withoutRefresh(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input) || !('refresh' in input)) return input;
  const { refresh: _refresh, ...rest } = input as Record<string, unknown>;
  return rest;
}

function orgOf(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.kind !== 'user') throw new AppError('UNAUTHORIZED', 'A user token is required.');
  return p.org;
}

export function cacheOf(app: FastifyInstance): TallyCache | null {
  return app.tallyCache ?? null;
}

export async function cachedRead(request: FastifyRequest, reply: FastifyReply, options: CachedReadOptions, compute: Compute): Promise<FastifyReply> {
  const cache = cacheOf(request.server);
  const org = options.org ?? orgOf(request);
  reply.header('content-type', 'application/json; charset=utf-8');
  if (cache === null) {
    // No cache wired (a bare buildApp): the same reply shape, computed every time.
    const body = serializeBody(await compute());
    const entry = { ...body, generatedAt: Date.now(), ttlSeconds: 0 };
    return reply.send(render(entry, metaOf(entry, false, null)));
  }
  const policy = cache.policy(options.endpoint);
  const ttl = options.ttlSeconds === undefined ? policy : { ...policy, ttlSeconds: options.ttlSeconds };
  const key = cache.key(options.endpoint, org, withoutRefresh(options.keyInput));
  const bypass = wantsBypass(request);
  const served = await cache.serve({ key, org, policy: ttl, bypass }, compute);
  if (!bypass && ttl.ttlSeconds > 0) teachHitLane(request, key, org);
  reply.header('x-cache', served.hit ? `hit; layer=${served.layer}${served.stale ? '; stale' : ''}` : 'miss');
  const etag = served.etag !== undefined ? served.etag : replyTag(served.entry);
  if (etag !== null) reply.header('etag', etag);
  if (served.record !== undefined && served.variant !== undefined && request.server.compressesReplies === true) {
    // An L1 hit (fresh, or stale while a refresh runs): compressed once per answer and coding, kept with it.
    const coding = negotiatedCoding(request.headers);
    const encoded = compressedHit(cache, key, served.record, served.variant, served.bytes, coding);
    if (coding !== null && encoded !== null) return sendEncoded(reply, coding, encoded);
  }
  return reply.send(served.bytes);
}

/**
 * The hit lane (http/hit-lane.ts) may answer this GET itself next time when it is a bearer JWT's
 * that is not a login session: the key input is a function of the URL and the principal, and
 * the token fixes the principal.
 */
function teachHitLane(request: FastifyRequest, key: string, org: string): void {
  const lane = request.server.hitLane;
  const p = request.principal;
  if (!lane || request.method !== 'GET' || request.credentialSource !== 'bearer' || p?.kind !== 'user' || p.userId !== undefined) return;
  const authorization = request.headers.authorization;
  if (authorization === undefined) return;
  const token = bearerToken(authorization);
  const config = request.routeOptions.config;
  if (token === null || config.permission === undefined || request.routeOptions.url === undefined) return;
  lane.remember(authorization, token, request.url, {
    key,
    org,
    route: request.routeOptions.url,
    permission: config.permission,
    rateClass: config.rateClass ?? 'none',
    cacheControl: config.cacheControl,
    sub: p.sub,
  });
}

/**
 * Called by buildApp: makes the cache reachable from routes, logs through the app's logger, and
 * invalidates on every committed ingest (the ingest replies after L1, L2 and the other instances
 * were told). The listener is removed when the app closes; the cache itself belongs to the caller.
 */
export function wireCache(
  app: FastifyInstance,
  cache: TallyCache | null,
  ingest: Pick<IngestService, 'onAppended' | 'onErased' | 'onExpired'>,
  telemetry?: Pick<Telemetry, 'sources'>,
): void {
  app.decorate('tallyCache', cache);
  if (cache === null) return;
  cache.setLogger(app.log);
  // GET /system and /metrics read the hit rate from the cache's own counters.
  if (telemetry) telemetry.sources.cache = cache;
  const off = ingest.onAppended(async (notice) => {
    try {
      await cache.onAppended(notice);
    } catch (err) {
      app.log.error({ err, org: notice.org }, 'cache: invalidation after ingest failed');
    }
  });
  const offErased = ingest.onErased(async (notice) => {
    try {
      await cache.onErased(notice);
    } catch (err) {
      app.log.error({ err, org: notice.org }, 'cache: invalidation after an erasure failed');
    }
  });
  const offExpired = ingest.onExpired(async (expired) => {
    try {
      await cache.onExpired(expired);
    } catch (err) {
      app.log.error({ err, org: expired.org }, 'cache: invalidation after a retention sweep failed');
    }
  });
  app.addHook('onClose', async () => {
    off();
    offErased();
    offExpired();
  });
}
