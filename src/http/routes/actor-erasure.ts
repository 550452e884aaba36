/**
 * DELETE /actors/{actor}: erase one actor of the caller's org — a data subject's request to be
 * forgotten, or a test account cleaned up. Its events and their ids leave the store in one
 * transaction, cached answers that read them are dropped on every instance, live queries
 * recompute. Erasing an actor the org does not hold is not an error (erased: 0): the request can
 * be repeated safely.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { IngestService } from '../../ingest/ingest-service.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';
import { InsightsParams } from '../schemas/views.js';

export const actorErasureRoutes: FastifyPluginAsyncTypebox<{ ingest: IngestService }> = async (app, { ingest }) => {
  app.delete('/actors/:actor', {
    config: { permission: 'actors:erase' },
    schema: {
      tags: ['events'],
      summary: "Erase an actor of the caller's org: its events and their ids, everywhere they are cached",
      security: [{ bearer: [] }],
      params: InsightsParams,
      response: { 200: Type.Object({ erased: Type.Object({ events: Type.Integer() }) }), ...problemResponses },
    },
    handler: async (request) => {
      const { org } = userOf(request);
      const erased = await ingest.eraseActor(org, request.params.actor);
      // The actor stays out of the log line (the URL is in the access line already); the count is the record.
      request.log.info({ org, erasedEvents: erased.events }, 'actor erased');
      return { erased: { events: erased.events } };
    },
  });
};
