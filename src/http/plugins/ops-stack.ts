/**
 * The production HTTP stack, in the order buildApp needs it:
 *   errors → request ids + security headers → CORS → compression → ETag → metrics → [auth] →
 *   rate limits → routes.
 * Request ids come first so every later line and reply carries them; metrics and the access log
 * see every completed request, 401s included; rate limits follow auth because they are keyed by
 * org and credential.
 *
 * Each Fastify hook costs a few microseconds per request whatever it does, so the stack keeps
 * to a few: one onRequest (ids), one final onSend (security headers, Cache-Control, response
 * time), and the completion callback (RequestObserver: metrics and the access log).
 * Compression, @fastify/etag, CORS (when configured) and the rate limiter bring their own.
 */
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { OpsServices } from '../../ops/services.js';
import { compressionPlugin } from './compression.js';
import { applyCacheHeaders, registerEtag } from './etag.js';
import { rateLimitPlugin } from './rate-limit.js';
import { applyRequestIds, applyResponseTime, requestIdFrom, RequestObserver } from './request-id.js';
import { applySecurityHeaders, registerCors, securityHeaders } from './security.js';
import type { SecurityHeaders } from './security.js';

/** Fastify constructor options that belong to the stack (request ids, proxies, request completion). */
export function opsServerOptions(ops: OpsServices): Pick<FastifyServerOptions, 'genReqId' | 'logController' | 'trustProxy'> {
  const trust = ops.settings.trustProxy;
  return {
    genReqId: requestIdFrom,
    ...(ops.middleware ? { logController: observerOf(ops) } : {}),
    trustProxy: typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust,
  };
}

const observers = new WeakMap<OpsServices, RequestObserver>();

function observerOf(ops: OpsServices): RequestObserver {
  let observer = observers.get(ops);
  if (!observer) {
    observer = new RequestObserver(ops.telemetry, ops.settings.slowRequestMs);
    observers.set(ops, observer);
  }
  return observer;
}

/** Everything that runs before authentication; the security headers it sends (null: stack off). */
export async function registerFrontStack(app: FastifyInstance, ops: OpsServices): Promise<SecurityHeaders | null> {
  app.addHook('onReady', async () => ops.attach());
  app.addHook('onClose', async () => ops.close());
  const getConnections = promisify(app.server.getConnections.bind(app.server));
  ops.telemetry.sources.openConnections = async () => (app.server.listening ? getConnections() : 0);
  if (!ops.middleware) return null;

  app.decorateRequest('correlationId', '');
  if (!ops.hasLogger) {
    // Fastify tracks completion (and so calls RequestObserver) only with a logger or an
    // onResponse hook: without a logger, this empty hook keeps the metrics flowing.
    app.addHook('onResponse', (_request, _reply, done) => done());
  }
  const security = await securityHeaders();
  app.addHook('onRequest', (request, reply, done) => {
    applyRequestIds(request, reply);
    done();
  });
  await registerCors(app, ops.settings.corsOrigins);
  await app.register(compressionPlugin);
  await registerEtag(app);
  // After @fastify/etag's onSend: it may have turned the reply into a 304.
  app.addHook('onSend', (request, reply, payload, done) => {
    applySecurityHeaders(security, request, reply);
    applyCacheHeaders(request, reply);
    applyResponseTime(reply);
    done(null, payload);
  });
  return security;
}

/** Rate limits: after authentication, before the routes. */
export async function registerLimits(app: FastifyInstance, ops: OpsServices): Promise<void> {
  if (!ops.middleware) return;
  await app.register(rateLimitPlugin, { limiter: ops.limiter, telemetry: ops.telemetry });
}
