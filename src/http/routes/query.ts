/** POST /query: the JSON query language, answered by the engine within the token's org (cached). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { cachedRead } from '../../cache/cached-read.js';
import { normalizeQuerySpec } from '../../cache/keys.js';
import type { QuerySpec } from '../../domain/query.js';
import type { QueryEngine } from '../../engine/query-engine.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses, QueryResultSchema, QuerySchema } from '../schemas/common.js';

export const queryRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  app.post('/query', {
    config: { permission: 'query:read' },
    schema: {
      tags: ['query'],
      summary: 'Run a query in the JSON query language',
      security: [{ bearer: [] }],
      body: QuerySchema,
      response: { 200: QueryResultSchema, ...problemResponses },
    },
    handler: async (request, reply) => {
      const spec = request.body as QuerySpec;
      const org = userOf(request).org;
      return cachedRead(request, reply, { endpoint: 'query', org, keyInput: normalizeQuerySpec(spec) }, () => engine.run(spec, { org }));
    },
  });
};
