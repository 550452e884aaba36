/** GET /system (admin): what a "system performance" panel shows, from the app's Telemetry. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Telemetry } from '../../ops/telemetry.js';
import { problemResponses } from '../schemas/common.js';

const Num = Type.Number();
const NullableNum = Type.Union([Type.Number(), Type.Null()]);

const RouteSummary = Type.Object({
  route: Type.String({ description: 'METHOD /route/template, or * for all' }),
  requests: Num,
  perSecond: Num,
  p50Ms: NullableNum,
  p95Ms: NullableNum,
  p99Ms: NullableNum,
  maxMs: NullableNum,
  errorRate: Type.Number({ description: 'share of 5xx replies' }),
  clientErrorRate: Type.Number({ description: 'share of 4xx replies' }),
});

const Counts = Type.Object({ hits: Num, misses: Num, hitRate: NullableNum });

const SystemSchema = Type.Object({
  windowSeconds: Type.Number({ description: 'rolling window of the request, query, ingest and cache figures' }),
  process: Type.Object({
    cpu: Type.Number({ description: 'share of one core used since the previous sample (1 = one core)' }),
    cpuUserSeconds: Num,
    cpuSystemSeconds: Num,
    memory: Type.Object({ rssBytes: Num, heapUsedBytes: Num, heapTotalBytes: Num, externalBytes: Num }),
    eventLoopLagMs: Type.Object({ mean: Num, p50: Num, p99: Num, max: Num }),
    uptimeSeconds: Num,
    sampledAt: Type.String(),
    pid: Num,
    node: Type.String(),
  }),
  requests: Type.Object({ overall: RouteSummary, routes: Type.Array(RouteSummary), openConnections: NullableNum }),
  errorRate: Type.Number({ description: 'share of 5xx replies over all routes' }),
  ingest: Type.Object({ eventsPerSecond: Num, batchesPerSecond: Num, eventsInWindow: Num }),
  queries: Type.Object({ overall: RouteSummary, byKind: Type.Array(RouteSummary), timeoutsInWindow: Num, running: NullableNum, queued: NullableNum }),
  cache: Type.Object({ configured: Type.Boolean(), hitRate: NullableNum, layers: Type.Record(Type.String(), Counts) }),
  live: Type.Object({ configured: Type.Boolean(), connections: Num, byTransport: Type.Record(Type.String(), Num) }),
  rateLimits: Type.Object({ enabled: Type.Boolean(), backend: Type.Union([Type.Literal('redis'), Type.Literal('memory'), Type.Null()]), rejectionsInWindow: Num }),
});

export const systemRoutes: FastifyPluginAsyncTypebox<{ telemetry: Telemetry }> = async (app, { telemetry }) => {
  app.get('/system', {
    config: { permission: 'system:read', cacheControl: 'no-store', etag: false },
    schema: {
      tags: ['operations'],
      summary: 'Process, request, query, ingest, cache and live statistics (admin)',
      security: [{ bearer: [] }],
      response: { 200: SystemSchema, ...problemResponses },
    },
    handler: async () => telemetry.system(),
  });
};
