/** POST /timeseries: a query with a granularity, as chart-ready buckets and series. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import { normalizeQuerySpec } from '../../cache/keys.js';
import type { QuerySpec } from '../../domain/query.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { timeseries } from '../../engine/views/timeseries.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses, QuerySchema } from '../schemas/common.js';
import { TimeseriesReply } from '../schemas/views.js';

export const timeseriesRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.post('/timeseries', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'Chart-ready series (one per metric × group), every bucket filled',
      security: [{ bearer: [] }],
      body: QuerySchema,
      response: { 200: TimeseriesReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      const spec = request.body as QuerySpec;
      return cachedRead(request, reply, { endpoint: 'timeseries', org, keyInput: normalizeQuerySpec(spec) }, () => timeseries({ engine, org }, spec));
    },
  });
};
