/**
 * GET /activity: the newest events, cursor-paginated. A viewer whose token names an actor (an end
 * user) sees only that actor's events; other tokens see the org's whole feed.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { activity } from '../../engine/views/activity.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { ActivityQuery, ActivityReply } from '../schemas/views.js';

export const activityRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.get('/activity', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'The newest events, newest first, with an opaque cursor for the next page',
      security: [{ bearer: [] }],
      querystring: ActivityQuery,
      response: { 200: ActivityReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const user = userOf(request);
      const own = user.role === 'viewer' && user.actor !== null ? { actor: user.actor } : {};
      const params = { ...request.query, ...own };
      return cachedRead(request, reply, { endpoint: 'activity', org: user.org, keyInput: params }, () => activity({ engine, org: user.org }, params));
    },
  });
};
