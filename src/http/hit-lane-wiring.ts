/**
 * How buildApp puts the hit lane (hit-lane.ts) in front of Fastify: the HTTP server it creates
 * (Fastify's serverFactory, with Fastify's own server defaults), what the lane needs from the
 * production stack, and its life cycle (on when the app is ready, off when it starts closing).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { OpsServices } from '../ops/services.js';
import type { TokenVerifier } from '../auth/jwt.js';
import type { TallyCache } from '../cache/tally-cache.js';
import type { HitLane, LaneStack } from './hit-lane.js';
import { accessLogger } from './plugins/request-id.js';
import type { SecurityHeaders } from './plugins/security.js';
import { corsHeaderSets } from './plugins/security.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by buildApp; cachedRead teaches it the URLs it may answer. */
    hitLane: HitLane | null;
  }
}

/** Fastify's defaults for a server it creates itself (lib/server.js). */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

export function laneServer(lane: HitLane, handler: (req: IncomingMessage, res: ServerResponse) => void, options: FastifyServerOptions): Server {
  const server = createServer(lane.handler(handler));
  server.keepAliveTimeout = options.keepAliveTimeout ?? KEEP_ALIVE_TIMEOUT_MS;
  server.requestTimeout = options.requestTimeout ?? 0;
  server.setTimeout(options.connectionTimeout ?? 0);
  return server;
}

export async function laneStack(app: FastifyInstance, ops: OpsServices, security: SecurityHeaders): Promise<LaneStack> {
  return {
    security,
    telemetry: ops.telemetry,
    limiter: ops.limiter,
    logger: ops.hasLogger ? accessLogger(app.log) : null,
    slowRequestMs: ops.settings.slowRequestMs,
    cors: await corsHeaderSets(ops.settings.corsOrigins),
    proxyTrusted: ops.settings.trustProxy !== false,
  };
}

export function startHitLane(app: FastifyInstance, lane: HitLane, setup: { cache: TallyCache; verifier: TokenVerifier; stack: LaneStack | null }): void {
  app.decorate('hitLane', lane);
  app.addHook('onReady', async () => lane.start(setup));
  // Closing: Fastify answers new requests with 503 and lets in-flight ones finish.
  app.addHook('preClose', async () => lane.stop());
}
