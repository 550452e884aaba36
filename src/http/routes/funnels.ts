/** POST /funnels: ordered steps within a conversion window, count and conversion per step. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import type { FunnelBody as Body } from '../../engine/views/funnels.js';
import { funnel } from '../../engine/views/funnels.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { FunnelBody, FunnelReply } from '../schemas/views.js';

export const funnelRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.post('/funnels', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: 'Ordered funnel: actors reaching each step after the previous one, within the window of the first',
      security: [{ bearer: [] }],
      body: FunnelBody,
      response: { 200: FunnelReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      const body = request.body as Body;
      return cachedRead(request, reply, { endpoint: 'funnels', org, keyInput: body }, () => funnel({ engine, org }, body));
    },
  });
};
