/** Dashboard users of the caller's org (admin): create, list, read, change, disable. Other orgs' ids are 404. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { UsersRepository } from '../../auth/users.js';
import { AppError } from '../../domain/errors.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses, ProblemSchema } from '../schemas/common.js';

export const RoleSchema = Type.Union([Type.Literal('admin'), Type.Literal('analyst'), Type.Literal('viewer')]);

export const UserSchema = Type.Object({
  id: Type.String(),
  org: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  actor: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  disabledAt: Type.Union([Type.String(), Type.Null()]),
});

const Password = Type.String({ minLength: 1, maxLength: 1024, description: 'At least 12 characters' });
const Actor = Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()], { description: 'The actor id that is "me" for this user' });
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const withConflict = { ...problemResponses, 404: ProblemSchema, 409: ProblemSchema };

function found<T>(value: T | null): T {
  if (value === null) throw new AppError('NOT_FOUND', 'No such user.');
  return value;
}

export const userRoutes: FastifyPluginAsyncTypebox<{ users: UsersRepository }> = async (app, { users }) => {
  const base = { config: { permission: 'users:manage' as const }, tags: ['users'], security: [{ bearer: [] }] };

  app.post('/users', {
    config: base.config,
    schema: {
      tags: base.tags,
      security: base.security,
      summary: 'Create a user in your org',
      body: Type.Object({ email: Type.String({ maxLength: 320 }), role: RoleSchema, password: Password, actor: Type.Optional(Actor) }, { additionalProperties: false }),
      response: { 201: UserSchema, ...withConflict },
    },
    handler: async (request, reply) => {
      reply.status(201);
      return users.create(userOf(request).org, request.body);
    },
  });

  app.get('/users', {
    config: base.config,
    schema: { tags: base.tags, security: base.security, summary: 'List the users of your org', response: { 200: Type.Object({ users: Type.Array(UserSchema) }), ...problemResponses } },
    handler: async (request) => ({ users: await users.list(userOf(request).org) }),
  });

  app.get('/users/:id', {
    config: base.config,
    schema: { tags: base.tags, security: base.security, summary: 'One user', params: IdParams, response: { 200: UserSchema, ...withConflict } },
    handler: async (request) => found(await users.get(userOf(request).org, request.params.id)),
  });

  app.patch('/users/:id', {
    config: base.config,
    schema: {
      tags: base.tags,
      security: base.security,
      summary: 'Change role, actor or password, or disable / re-enable a user',
      params: IdParams,
      body: Type.Object(
        { role: Type.Optional(RoleSchema), actor: Type.Optional(Actor), password: Type.Optional(Password), disabled: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
      response: { 200: UserSchema, ...withConflict },
    },
    handler: async (request) => found(await users.update(userOf(request).org, request.params.id, request.body)),
  });

  app.delete('/users/:id', {
    config: base.config,
    schema: { tags: base.tags, security: base.security, summary: 'Disable a user (its sessions end)', params: IdParams, response: { 204: Type.Null(), ...withConflict } },
    handler: async (request, reply) => {
      found((await users.disable(userOf(request).org, request.params.id)) ? true : null);
      return reply.status(204).send(null);
    },
  });
};
