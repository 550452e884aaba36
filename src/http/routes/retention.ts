/** POST /retention: cohorts by first occurrence of an event, return rate per later period. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import type { RetentionBody as Body } from '../../engine/views/retention.js';
import { retention } from '../../engine/views/retention.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { RetentionBody, RetentionReply } from '../schemas/views.js';

export const retentionRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.post('/retention', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: ['dashboard'],
      summary: "Cohort matrix: cohorts by the period of each actor's first cohortEvent, return rate per later period",
      security: [{ bearer: [] }],
      body: RetentionBody,
      response: { 200: RetentionReply, ...problemResponses },
    },
    handler: async (request, reply) => {
      const org = userOf(request).org;
      const body = request.body as Body;
      return cachedRead(request, reply, { endpoint: 'retention', org, keyInput: body }, () => retention({ engine, org }, body));
    },
  });
};
