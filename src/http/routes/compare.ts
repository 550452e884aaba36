/** POST /compare: values of a dimension side by side, with percentile ranks. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import type { CompareBody as Body } from '../../engine/views/compare.js';
import { compare } from '../../engine/views/compare.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { CompareBody, CompareReply } from '../schemas/views.js';

export const compareRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.post('/compare', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: "Two or more values of a dimension side by side, each with its percentile rank among all the dimension's values",
      security: [{ bearer: [] }],
      body: CompareBody,
      response: { 200: CompareReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      const body = request.body as Body;
      return cachedRead(request, reply, { endpoint: 'compare', org, keyInput: body }, () => compare({ engine, org }, body));
    },
  });
};
