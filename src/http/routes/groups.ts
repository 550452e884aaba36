/** GET /groups/{dimension}/{value}: a group of actors (a class, a plan) at a glance. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { group } from '../../engine/views/groups.js';
import { userOf } from '../plugins/auth.js';
import { ProblemSchema, problemResponses } from '../schemas/common.js';
import { GroupParams, GroupQuery, GroupReply } from '../schemas/views.js';

export const groupRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.get('/groups/:dimension/:value', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'Members, active members, metric averages and top/bottom performers of a group; 404 for a group without members',
      security: [{ bearer: [] }],
      params: GroupParams,
      querystring: GroupQuery,
      response: { 200: GroupReply, ...problemResponses, 404: ProblemSchema },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      const { dimension, value } = request.params;
      return cachedRead(request, reply, { endpoint: 'groups', org, keyInput: { ...request.query, dimension, value } }, () => group({ engine, org }, dimension, value, request.query));
    },
  });
};
