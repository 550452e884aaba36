/** GET /dashboard/summary: the model's KPIs with the previous period and sparklines. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { summary } from '../../engine/views/summary.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { SummaryQuery, SummaryReply } from '../schemas/views.js';

export const dashboardRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.get('/dashboard/summary', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: "The model's KPIs: value, previous period, change and a sparkline each",
      security: [{ bearer: [] }],
      querystring: SummaryQuery,
      response: { 200: SummaryReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      return cachedRead(request, reply, { endpoint: 'summary', org, keyInput: request.query }, () => summary({ engine, org }, request.query));
    },
  });
};
