/** Shared helpers of the cache integration tests: HTTP calls, store statement counting. */
import type { FastifyInstance } from 'fastify';
import { vi } from 'vitest';
import { defaultOpsConfig } from '../../../src/config/ops.js';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { QuerySpec } from '../../../src/domain/query.js';
import type { SqlParam, Store } from '../../../src/store/port.js';

/**
 * No rate limits and room for 100+ concurrent queries per org: these tests measure the cache, and
 * the query-slot limiter (ops) admits only 8 running + 32 queued per org by default.
 */
export const UNLIMITED = { rateLimits: { ...defaultOpsConfig().rateLimits, enabled: false }, maxConcurrentQueries: 1000, maxQueuedQueries: 1000 };

export interface Statement {
  sql: string;
  params: readonly SqlParam[];
}

/** Records every statement the store runs from now on (the engine calls store.query). */
export function recordStatements(store: Store): { list: Statement[]; reset(): void } {
  const list: Statement[] = [];
  const original = store.query.bind(store);
  vi.spyOn(store, 'query').mockImplementation((sql, params, options) => {
    list.push({ sql, params });
    return original(sql, params, options);
  });
  return { list, reset: () => void list.splice(0) };
}

export interface QueryReply {
  status: number;
  headers: Record<string, unknown>;
  body: { columns: unknown[]; rows: Array<Record<string, unknown>>; meta: { cache: { hit: boolean; layer: string | null; generatedAt: string; ttlSeconds: number; stale?: boolean } } & Record<string, unknown> };
}

export async function postQuery(app: FastifyInstance, token: string, spec: QuerySpec, options: { url?: string; headers?: Record<string, string> } = {}): Promise<QueryReply> {
  const res = await app.inject({
    method: 'POST',
    url: options.url ?? '/api/v1/query',
    headers: { authorization: `Bearer ${token}`, ...options.headers },
    payload: spec as object,
  });
  if (res.statusCode !== 200) throw new Error(`query answered ${res.statusCode}: ${res.body}`);
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

export async function ingest(app: FastifyInstance, key: string, events: Array<{ event: string; timestamp: number; props?: Record<string, unknown> }>): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { authorization: `Bearer ${key}` },
    payload: events.map((e) => ({ event: e.event, timestamp: new Date(e.timestamp).toISOString(), actor: 'u_cache', props: e.props ?? {} })),
  });
  if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
}

/** The statement's time window: params $2 and $3 of every /query statement. */
export function windowOf(s: Statement): [number, number] {
  return [Number(s.params[1]), Number(s.params[2])];
}

/** The reply without meta.cache and durationMs, for comparing answers. */
export function answer(reply: QueryReply): unknown {
  const { cache: _cache, durationMs: _duration, ...meta } = reply.body.meta;
  return { ...reply.body, meta };
}

/** POSTs events as a client sends them (ISO timestamps; ids when they have one) with an ingest key. */
export function postEvents(app: FastifyInstance, key: string, events: readonly StoredEvent[]) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { authorization: `Bearer ${key}` },
    payload: events.map((e) => ({ event: e.event, timestamp: new Date(e.timestamp).toISOString(), actor: e.actor, ...(e.id ? { id: e.id } : {}), props: e.props })),
  });
}
