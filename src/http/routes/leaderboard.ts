/** GET /leaderboard: actors ranked by a metric, with `me` for the token's actor. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { leaderboard } from '../../engine/views/leaderboard.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { LeaderboardQuery, LeaderboardReply } from '../schemas/views.js';

export const leaderboardRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.get('/leaderboard', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'Actors ranked by a metric (competition ranking), with percentiles and the caller\'s own position',
      security: [{ bearer: [] }],
      querystring: LeaderboardQuery,
      response: { 200: LeaderboardReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const user = userOf(request);
      // "me" depends on the caller's actor, so it is part of the key.
      const keyInput = { ...request.query, me: user.actor };
      return cachedRead(request, reply, { endpoint: 'leaderboard', org: user.org, keyInput }, () => leaderboard({ engine, org: user.org }, request.query, user.actor));
    },
  });
};
