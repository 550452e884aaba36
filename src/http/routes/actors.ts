/** GET /actors/{actor}/insights: one actor's totals, series, streak, rank and breakdown. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import { assertActorAccess } from '../../auth/policy.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { insights } from '../../engine/views/insights.js';
import { userOf } from '../plugins/auth.js';
import { ProblemSchema, problemResponses } from '../schemas/common.js';
import { InsightsParams, InsightsQuery, InsightsReply } from '../schemas/views.js';

export const actorRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.get('/actors/:actor/insights', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'Per-actor insights; a viewer may read only the actor of its token. 404 for an actor the org has never seen',
      security: [{ bearer: [] }],
      params: InsightsParams,
      querystring: InsightsQuery,
      response: { 200: InsightsReply, ...problemResponses, 404: ProblemSchema },
    },
    handler: async (request, reply) => {
      const user = userOf(request);
      assertActorAccess(user, request.params.actor);
      const keyInput = { ...request.query, actor: request.params.actor };
      return cachedRead(request, reply, { endpoint: 'insights', org: user.org, keyInput }, () => insights({ engine, org: user.org }, request.params.actor, request.query));
    },
  });
};
