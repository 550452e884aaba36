/**
 * The hit lane: a cached GET answered before Fastify sees the request.
 *
 * A dashboard polls the same few URLs with the same token, and most of those reads are L1 hits
 * whose bytes are ready to send. Fastify's pipeline (routing, hooks, schema validation, the
 * handler, onSend hooks) costs more than the hit itself, so the lane answers those reads straight
 * from Node's request callback — with what the full stack would send: the same body, x-cache and
 * ETag (and 304 on If-None-Match), request ids, security headers, Cache-Control,
 * X-Response-Time, rate-limit headers, metrics and the access log line. Its replies are written
 * together at the end of the event-loop turn that read their requests (reply-batch.ts).
 *
 * Only what the lane can prove it may answer is taken; everything else goes to Fastify unchanged:
 * - the slow path learns the URLs: cachedRead calls remember() after it answered a GET for a
 *   bearer JWT, recording which cache entry (key) that Authorization header (its token) and URL
 *   map to. A route's key input is a function of the URL and the principal (cached-read.ts), and
 *   the token fixes the principal;
 * - the token must still be in the verifier's cache (verified, unexpired) and be an API token,
 *   not a login session (whose status and role are looked up on every request);
 * - the role must still allow the route's permission (auth/policy.ts decide);
 * - the L1 entry must be present and fresh; stale, missing or bypassed (`Cache-Control` on the
 *   request) reads take the slow path, which refreshes them;
 * - a client asking for compression gets the entry's compressed reply, made once per answer and
 *   kept with it, exactly as the slow path sends it (http/plugins/compression.ts); an L2 answer
 *   it would have to compress goes to the slow path;
 * - no request body, no upgrade, no X-Forwarded-* headers when a proxy is trusted (Fastify
 *   derives ip and protocol from them);
 * - with CORS configured, the lane adds what @fastify/cors adds for the request's Origin (none,
 *   a listed one, any other), captured once per case from @fastify/cors itself (security.ts
 *   corsHeaderSets): a dashboard on another origin takes the lane too;
 * - the rate limiter runs as for any request (with the other checks of its event-loop turn; the
 *   replies of such a turn leave together once it has decided them); its decision travels with
 *   the request when the lane hands it to Fastify (a refusal, or an entry gone meanwhile), so
 *   nothing is counted twice.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TokenVerifier } from '../auth/jwt.js';
import type { Permission } from '../auth/policy.js';
import { decide } from '../auth/policy.js';
import type { TallyCache } from '../cache/tally-cache.js';
import type { RateClass } from '../config/ops.js';
import type { AccessLog, PreparedRoute } from '../ops/access-log.js';
import type { RateDecision, RateLimiter, SubjectPlan } from '../ops/rate-limit/rate-limiter.js';
import type { RequestRecorder, Telemetry } from '../ops/telemetry.js';
import type { ReplyCoding } from './plugins/compression.js';
import { compressedHit, negotiatedCoding, varyOnEncoding } from './plugins/compression.js';
import { readCacheControl } from './plugins/etag.js';
import { setRateLimitHeaders, stashDecision } from './plugins/rate-decision.js';
import { ReplyBatch } from './reply-batch.js';
import { loggedCorrelationId, pathOf, requestIdFrom, saneId } from './plugins/request-id.js';
import type { CorsHeaderSets, SecurityHeaders } from './plugins/security.js';
import { corsHeadersFor, securityHeaderSet } from './plugins/security.js';

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What the slow path learned about a (token, URL). */
export interface LaneRoute {
  key: string;
  org: string;
  /** The route template, for metrics and the log (`/api/v1/dashboard/summary`). */
  route: string;
  permission: Permission;
  rateClass: RateClass | 'none';
  cacheControl: string | undefined;
  /** The token's subject (the token fixes it): the caller the rate limiter counts. */
  sub: string;
}

interface LearnedRoute {
  /** The JWT of the Authorization header it was learned under. */
  token: string;
  route: LaneRoute;
  /** Worked out on the first answer, kept for the next ones (the token fixes the caller). */
  plan?: SubjectPlan;
  recorder?: RequestRecorder;
  /** The access line's fixed fields, serialized once. */
  line?: PreparedRoute;
}

/** What the production stack adds to a reply; null = the stack is off (middleware: false). */
export interface LaneStack {
  security: SecurityHeaders;
  telemetry: Telemetry;
  limiter: RateLimiter | null;
  /** The access log (request-id.ts accessLogger); null without a logger. */
  logger: AccessLog | null;
  slowRequestMs: number;
  /** What @fastify/cors adds to a reply, by Origin (security.ts corsHeaderSets); null without CORS origins. */
  cors: CorsHeaderSets | null;
  proxyTrusted: boolean;
}

export interface LaneSetup {
  cache: TallyCache;
  verifier: TokenVerifier;
  stack: LaneStack | null;
}

/** Learned (Authorization header, URL) pairs kept at most. */
export const ROUTES_MAX = 10_000;
const JSON_TYPE = 'application/json; charset=utf-8';
const MEMORY_HIT = 'hit; layer=memory';
const REDIS_HIT = 'hit; layer=redis';

interface Hit {
  bytes: Buffer;
  etag: string | null;
  xCache: string;
  /** The content coding of `bytes`; null = identity. */
  coding: ReplyCoding | null;
}

/** @fastify/etag's If-None-Match rule (weak or strong spelling on either side). */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch !== undefined && (ifNoneMatch === etag || ifNoneMatch === `W/${etag}` || `W/${ifNoneMatch}` === etag);
}

export class HitLane {
  /**
   * Authorization header → URL → what the slow path learned. Keyed by the header as sent, so a
   * lookup neither parses it nor builds a key string. Insertion-ordered and bounded: the oldest
   * learned header goes first (a Map lookup is cheaper than an LRU's).
   */
  private readonly routes = new Map<string, Map<string, LearnedRoute>>();
  private learned = 0;
  private setup: LaneSetup | null = null;
  private next: NodeHandler | null = null;
  private readonly replies = new ReplyBatch();
  /** Requests waiting for the rate limiter's decision. */
  private deciding = 0;
  served = 0;

  /** For Fastify's serverFactory: the lane first, Fastify's handler for everything else. */
  handler(fastify: NodeHandler): NodeHandler {
    this.next = fastify;
    return (req, res) => this.dispatch(req, res);
  }

  /** Turns the lane on (buildApp, once the stack and the cache exist). */
  start(setup: LaneSetup): void {
    this.setup = setup;
  }

  /** From now on every request goes to Fastify (closing: it answers 503 and drains). */
  stop(): void {
    this.setup = null;
    this.routes.clear();
    this.learned = 0;
  }

  /**
   * Called by cachedRead after the slow path answered a GET of a bearer JWT from the cache:
   * `authorization` is the request's header, `token` the JWT in it.
   */
  remember(authorization: string, token: string, url: string, route: LaneRoute): void {
    if (this.setup === null) return;
    if (this.routes.get(authorization)?.has(url) !== true) {
      while (this.learned >= ROUTES_MAX && this.routes.size > 0) this.forgetOldest();
      this.learned++;
    }
    let urls = this.routes.get(authorization);
    if (urls === undefined) {
      urls = new Map();
      this.routes.set(authorization, urls);
    }
    urls.set(url, { token, route });
  }

  /** How many (header, URL) pairs the lane knows; at most ROUTES_MAX. */
  get learnedRoutes(): number {
    return this.learned;
  }

  private forgetOldest(): void {
    const [oldest, urls] = this.routes.entries().next().value as [string, Map<string, LearnedRoute>];
    this.learned -= urls.size;
    this.routes.delete(oldest);
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const setup = this.setup;
    const learned = setup === null ? null : this.match(setup, req);
    if (setup === null || learned === null) return this.pass(req, res);
    const limiter = setup.stack?.limiter ?? null;
    const { route } = learned;
    if (limiter === null || route.rateClass === 'none') return this.answer(setup, req, res, learned, null, started);
    learned.plan ??= limiter.plan(route.rateClass, { org: route.org, credential: `user:${route.sub}`, ip: req.socket.remoteAddress ?? '' });
    this.deciding++;
    limiter.decide(learned.plan, (err, decision) => {
      this.deciding--;
      if (err !== undefined) this.pass(req, res);
      else {
        // Fastify's rate-limit hook takes this decision instead of counting the request again.
        stashDecision(req, decision);
        if (decision !== null && !decision.allowed && decision.reason !== 'ok') this.pass(req, res);
        else this.answer(setup, req, res, learned, decision, started);
      }
      // The limiter decides a turn's requests together: their replies can leave together now,
      // rather than a loop iteration later.
      if (this.deciding === 0) this.replies.flushNow();
    });
  }

  private pass(req: IncomingMessage, res: ServerResponse): void {
    this.next?.(req, res);
  }

  private match(setup: LaneSetup, req: IncomingMessage): LearnedRoute | null {
    if (req.method !== 'GET' || req.url === undefined) return null;
    const h = req.headers;
    if (h.authorization === undefined || h.upgrade !== undefined || h['cache-control'] !== undefined || h.pragma !== undefined) return null;
    if (h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return null;
    const stack = setup.stack;
    if (stack !== null && stack.proxyTrusted && (h['x-forwarded-for'] !== undefined || h['x-forwarded-proto'] !== undefined || h['x-forwarded-host'] !== undefined)) return null;
    const learned = this.routes.get(h.authorization)?.get(req.url);
    if (learned === undefined) return null;
    const principal = setup.verifier.peek(learned.token);
    if (principal === null || principal.userId !== undefined || principal.org !== learned.route.org) return null;
    if (decide(principal, learned.route.permission) !== 'allow') return null;
    return learned;
  }

  /**
   * L1 first (compressed when the client asks and the stack compresses); then L2 when L1 holds
   * nothing for the key and no compression is asked for; anything else is Fastify's.
   */
  private answer(setup: LaneSetup, req: IncomingMessage, res: ServerResponse, learned: LearnedRoute, decision: RateDecision | null, started: number): void {
    const { org, key } = learned.route;
    // Without the ops stack nothing compresses: identity, as the bare app sends.
    const coding = setup.stack === null ? null : negotiatedCoding(req.headers);
    const record = setup.cache.freshMemoryHit(org, key);
    if (record !== null) {
      const encoded = compressedHit(setup.cache, key, record, 'fresh', record.hitBytes, coding);
      const hit: Hit = encoded === null ? { bytes: record.hitBytes, etag: record.etag, xCache: MEMORY_HIT, coding: null } : { bytes: encoded, etag: record.etag, xCache: MEMORY_HIT, coding };
      return this.send(setup.stack, req, res, learned, hit, decision, started);
    }
    if (!setup.cache.hasRedis || coding !== null) return this.pass(req, res);
    setup.cache.freshRedisHit(org, key).then(
      (served) => {
        if (served === null) return this.pass(req, res);
        this.send(setup.stack, req, res, learned, { bytes: served.bytes, etag: served.etag ?? null, xCache: REDIS_HIT, coding: null }, decision, started);
      },
      () => this.pass(req, res),
    );
  }

  private send(stack: LaneStack | null, req: IncomingMessage, res: ServerResponse, learned: LearnedRoute, hit: Hit, decision: RateDecision | null, started: number): void {
    this.served++;
    const headers: OutgoingHttpHeaders = { 'content-type': JSON_TYPE, 'x-cache': hit.xCache };
    // CORS first, as its onRequest hook sets them: compression then extends its Vary.
    const cors = stack === null || stack.cors === null ? null : corsHeadersFor(stack.cors, req.headers.origin);
    if (cors !== null) Object.assign(headers, cors);
    if (hit.etag !== null) headers['etag'] = hit.etag;
    if (hit.coding !== null) {
      headers['vary'] = varyOnEncoding(cors?.['vary']);
      headers['content-encoding'] = hit.coding;
    }
    const status = stack !== null && hit.etag !== null && notModified(req.headers['if-none-match'], hit.etag) ? 304 : 200;
    const ids = stack === null ? null : this.stackHeaders(stack, req, headers, learned.route, decision);
    const elapsed = performance.now() - started;
    if (stack !== null) headers['x-response-time'] = `${elapsed.toFixed(2)}ms`;
    if (status === 200) headers['content-length'] = hit.bytes.length;
    // Written with the other lane replies of this event-loop turn, at its end (reply-batch.ts).
    this.replies.send(res, status, headers, status === 200 ? hit.bytes : undefined);
    if (stack !== null && ids !== null) this.observe(stack, req, learned, status, elapsed, ids);
  }

  /** Request ids, security headers, Cache-Control and rate-limit headers, as the stack sets them. */
  private stackHeaders(stack: LaneStack, req: IncomingMessage, headers: OutgoingHttpHeaders, route: LaneRoute, decision: RateDecision | null): { id: string; correlationId: string } {
    const id = requestIdFrom(req);
    const sent = saneId(req.headers['x-correlation-id']);
    headers['x-request-id'] = id;
    if (sent !== null) headers['x-correlation-id'] = sent;
    // As applySecurityHeaders and applyCacheHeaders set them (no proxy headers reach the lane, so TLS is the socket's).
    Object.assign(headers, securityHeaderSet(stack.security, JSON_TYPE, (req.socket as { encrypted?: boolean }).encrypted === true));
    headers['cache-control'] = readCacheControl(route.cacheControl);
    if (decision !== null) setRateLimitHeaders(headers, decision);
    return { id, correlationId: sent ?? id };
  }

  private observe(stack: LaneStack, req: IncomingMessage, learned: LearnedRoute, status: number, elapsed: number, ids: { id: string; correlationId: string }): void {
    const { route } = learned;
    learned.recorder ??= stack.telemetry.requestRecorder('GET', route.route);
    learned.recorder.record(status, elapsed);
    const log = stack.logger;
    if (log === null) return;
    learned.line ??= log.prepare({ method: 'GET', route: route.route, path: pathOf(req.url ?? ''), org: route.org });
    // The bindings Fastify's request logger carries (reqId; correlationId when the client sent one).
    const durationMs = Math.round(elapsed * 100) / 100;
    log.writeRoute(learned.line, ids.id, loggedCorrelationId(ids.id, ids.correlationId), status, durationMs, req.socket.remoteAddress ?? '', durationMs >= stack.slowRequestMs);
  }
}
