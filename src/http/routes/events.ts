/** POST /events: JSON, JSON array or NDJSON; replies once the batch is committed. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { IngestService } from '../../ingest/ingest-service.js';
import { parseNdjson } from '../../ingest/ndjson.js';
import { writerOrg } from '../plugins/auth.js';
import { ProblemSchema } from '../schemas/common.js';

const EventSchema = Type.Object(
  {
    event: Type.String({ pattern: '^[A-Za-z0-9_.:/-]{1,200}$' }),
    timestamp: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Number()])),
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    id: Type.Optional(Type.String({ maxLength: 128, description: 'Idempotency key: a repeated id is stored once' })),
    props: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]))),
  },
  { description: 'One analytics event' },
);

export const eventRoutes: FastifyPluginAsyncTypebox<{ ingest: IngestService }> = async (app, { ingest }) => {
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseNdjson(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.post('/events', {
    config: { permission: 'events:write', checksOwnBody: true },
    // Validation is done by ingest/validate.ts (precise paths, all-or-nothing); the schema documents.
    validatorCompiler: () => () => true,
    schema: {
      tags: ['events'],
      summary: 'Ingest one event, an array of events, or NDJSON (application/x-ndjson)',
      security: [{ bearer: [] }],
      body: Type.Union([EventSchema, Type.Array(EventSchema)]),
      response: {
        200: Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer() }),
        400: ProblemSchema,
        401: ProblemSchema,
        413: ProblemSchema,
      },
    },
    handler: async (request) => ingest.ingest(writerOrg(request), request.body),
  });
};
