/** Cache administration (admins of an org): statistics, invalidation, warming (API.md "Cache"). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TallyCache } from '../../cache/tally-cache.js';
import { fieldError } from '../../domain/errors.js';
import { instantParam } from '../instant-param.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';

const Names = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 });

const InvalidateBody = Type.Object(
  {
    all: Type.Optional(Type.Boolean()),
    metrics: Type.Optional(Names),
    events: Type.Optional(Names),
    from: Type.Optional(Type.String({ description: 'Only entries that read time at or after this (ISO)' })),
    to: Type.Optional(Type.String({ description: 'Only entries that read time before this (ISO)' })),
  },
  { additionalProperties: false },
);

const Stats = Type.Object({ layers: Type.Object({}, { additionalProperties: true }), hitRate: Type.Union([Type.Number(), Type.Null()]) }, { additionalProperties: true });

function instant(value: string | undefined, path: string, fallback: number): number {
  return value === undefined ? fallback : instantParam(value, path);
}

export const cacheRoutes: FastifyPluginAsyncTypebox<{ cache: TallyCache }> = async (app, { cache }) => {
  app.get('/cache/stats', {
    config: { permission: 'cache:manage' },
    schema: { tags: ['cache'], summary: 'Cache statistics of this instance', security: [{ bearer: [] }], response: { 200: Stats, ...problemResponses } },
    handler: async () => cache.stats(),
  });

  app.post('/cache/invalidate', {
    config: { permission: 'cache:manage' },
    schema: {
      tags: ['cache'],
      summary: "Drop cached answers of the caller's org: all, or those using any listed metric or event",
      security: [{ bearer: [] }],
      body: InvalidateBody,
      response: { 200: Type.Object({ invalidated: Type.Object({ memory: Type.Integer(), redis: Type.Integer() }) }), ...problemResponses },
    },
    handler: async (request) => {
      const { all, metrics = [], events = [], from, to } = request.body;
      if (!all && metrics.length === 0 && events.length === 0) {
        throw fieldError('VALIDATION', '/all', 'name metrics or events to invalidate, or set all: true');
      }
      const range: [number, number] | null = from === undefined && to === undefined ? null : [instant(from, '/from', 0), instant(to, '/to', Number.MAX_SAFE_INTEGER)];
      const invalidated = await cache.invalidate({ kind: 'manual', org: userOf(request).org, all: all === true, metrics, events, range });
      return { invalidated };
    },
  });

  app.post('/cache/warm', {
    config: { permission: 'cache:manage' },
    schema: {
      tags: ['cache'],
      summary: "Refresh the org's most requested answers now",
      security: [{ bearer: [] }],
      response: { 200: Type.Object({ warmed: Type.Integer(), fresh: Type.Integer(), failed: Type.Integer() }), ...problemResponses },
    },
    handler: async (request) => cache.warm(userOf(request).org),
  });
};
