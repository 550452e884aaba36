/** Ingest key management for admins of an org: create (shown once), list (prefix only), revoke. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { IngestKeys } from '../../auth/ingest-keys.js';
import { AppError } from '../../domain/errors.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses } from '../schemas/common.js';

const KeyInfo = Type.Object({
  id: Type.String(),
  org: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  prefix: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

export const keyRoutes: FastifyPluginAsyncTypebox<{ keys: IngestKeys }> = async (app, { keys }) => {
  app.post('/keys', {
    config: { permission: 'keys:manage' },
    schema: {
      tags: ['keys'],
      summary: 'Create an ingest key (the full key is returned once)',
      security: [{ bearer: [] }],
      body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      response: { 201: Type.Object({ ...KeyInfo.properties, key: Type.String() }), ...problemResponses },
    },
    handler: async (request, reply) => {
      reply.status(201);
      return keys.create(userOf(request).org, request.body.name ?? null);
    },
  });

  app.get('/keys', {
    config: { permission: 'keys:manage' },
    schema: { tags: ['keys'], summary: 'List ingest keys (prefixes only)', security: [{ bearer: [] }], response: { 200: Type.Object({ keys: Type.Array(KeyInfo) }), ...problemResponses } },
    handler: async (request) => ({ keys: await keys.list(userOf(request).org) }),
  });

  app.delete('/keys/:id', {
    config: { permission: 'keys:manage' },
    schema: {
      tags: ['keys'],
      summary: 'Revoke an ingest key',
      security: [{ bearer: [] }],
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      response: { 204: Type.Null(), ...problemResponses },
    },
    handler: async (request, reply) => {
      const revoked = await keys.revoke(userOf(request).org, request.params.id);
      if (!revoked) throw new AppError('NOT_FOUND', 'No such ingest key.');
      return reply.status(204).send(null);
    },
  });
};
