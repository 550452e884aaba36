/** GET /percentiles: percentiles of a numeric prop, per dimension, with SLA compliance. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { percentiles } from '../../engine/views/percentiles.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { PercentilesQuery, PercentilesReply } from '../schemas/views.js';

export const percentilesRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.get('/percentiles', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'Percentiles of a numeric prop (optionally per dimension) and SLA compliance under a threshold',
      security: [{ bearer: [] }],
      querystring: PercentilesQuery,
      response: { 200: PercentilesReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      return cachedRead(request, reply, { endpoint: 'percentiles', org, keyInput: request.query }, () => percentiles({ engine, org }, request.query));
    },
  });
};
