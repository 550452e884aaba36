/** GET /breakdown/{field}: top values with shares, or a histogram with `bins`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { breakdownOrHistogram } from '../../engine/views/breakdown.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { BreakdownParams, BreakdownQuery, BreakdownReply } from '../schemas/views.js';

export const breakdownRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.get('/breakdown/:field', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'Top-N values of a field with share and remainder; ?bins= gives a histogram of a numeric field',
      security: [{ bearer: [] }],
      params: BreakdownParams,
      querystring: BreakdownQuery,
      response: { 200: BreakdownReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      const params = { ...request.query, field: request.params.field };
      return cachedRead(request, reply, { endpoint: 'breakdown', org, keyInput: params }, () => breakdownOrHistogram({ engine, org }, params));
    },
  });
};
