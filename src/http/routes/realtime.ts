/** GET /realtime: active actors, events in the last minute and the last 30 minutes per minute. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { realtime } from '../../engine/views/realtime.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { RealtimeQuery, RealtimeReply } from '../schemas/views.js';

export const realtimeRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.get('/realtime', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'Active actors (last 5 minutes), events in the last minute, events per minute for the last 30 minutes',
      security: [{ bearer: [] }],
      querystring: RealtimeQuery,
      response: { 200: RealtimeReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      return cachedRead(request, reply, { endpoint: 'realtime', org, keyInput: request.query }, () => realtime({ engine, org }, request.query));
    },
  });
};
