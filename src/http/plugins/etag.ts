/**
 * ETag and Cache-Control. Reads (GET, and POST routes with a read permission such as POST
 * /query) carry an ETag and answer a matching `If-None-Match` with 304 (@fastify/etag); every
 * other reply — writes, errors — gets no ETag and `Cache-Control: no-store` unless the route
 * set its own.
 *
 * Query-shaped results (an object with `meta`) get a weak ETag over their data, leaving out the
 * fields that change on every run without changing the answer (duration, cache info, the
 * window that slides with "now"), so a dashboard polling an unchanged query gets 304s. Replies
 * of the query cache arrive as bytes with their weak ETag already set (cache/cached-read.ts).
 */
import { createHash } from 'node:crypto';
import etag from '@fastify/etag';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Cache-Control of successful replies; reads default to `private, no-cache` (revalidate with the ETag). */
    cacheControl?: string;
    /** Force ETag handling on (a POST that is a read) or off; by default GETs and read-permission POSTs. */
    etag?: boolean;
  }
}

export const DEFAULT_READ_CACHE_CONTROL = 'private, no-cache';
const READ_PERMISSIONS: ReadonlySet<string> = new Set(['query:read', 'dashboard:read']);
const VOLATILE_META = new Set(['durationMs', 'cache', 'timeRange', 'compare', 'generatedAt']);

export function isRead(request: FastifyRequest): boolean {
  const config = request.routeOptions.config;
  if (config.etag !== undefined) return config.etag;
  if (request.method === 'GET' || request.method === 'HEAD') return config.permission !== undefined;
  return request.method === 'POST' && config.permission !== undefined && READ_PERMISSIONS.has(config.permission);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The weak ETag of a query-shaped result, or null for other payloads (hashed once serialized). */
export function resultTag(payload: unknown): string | null {
  if (!isRecord(payload) || !isRecord(payload['meta'])) return null;
  const meta = Object.fromEntries(Object.entries(payload['meta']).filter(([k]) => !VOLATILE_META.has(k)));
  const digest = createHash('sha1').update(JSON.stringify({ ...payload, meta })).digest('base64url');
  return `W/"${digest}"`;
}

/** preSerialization (object payloads) and @fastify/etag; the Cache-Control rules run in the final onSend. */
export async function registerEtag(app: FastifyInstance): Promise<void> {
  app.addHook('preSerialization', (request, reply, payload, done) => {
    if (reply.statusCode === 200 && isRead(request)) {
      const tag = resultTag(payload);
      // @fastify/etag keeps an ETag that is already set and only does the If-None-Match check.
      if (tag !== null) reply.header('etag', tag);
    }
    done(null, payload);
  });
  await app.register(etag, { algorithm: 'sha1' });
}

/** Cache-Control of a successful read: the route's own, else DEFAULT_READ_CACHE_CONTROL. */
export function readCacheControl(routeCacheControl: string | undefined): string {
  return routeCacheControl ?? DEFAULT_READ_CACHE_CONTROL;
}

/**
 * Part of the stack's final onSend hook (after @fastify/etag's): no ETag on writes and errors,
 * which are `no-store`; reads get their route's Cache-Control. A route's own header wins.
 */
export function applyCacheHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const status = reply.statusCode;
  if (!isRead(request) || (status !== 200 && status !== 304)) {
    reply.removeHeader('etag');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  } else if (!reply.hasHeader('cache-control')) {
    reply.header('cache-control', readCacheControl(request.routeOptions.config.cacheControl));
  }
}
