/**
 * Dashboard sign-in: POST /auth/login sets the session cookie and also returns the JWT (for
 * API clients); POST /auth/logout clears it; GET /auth/me says who the credential is.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { LoginService } from '../../auth/login.js';
import { LoginThrottled } from '../../auth/login-limiter.js';
import { permissionsOf } from '../../auth/policy.js';
import type { SessionSettings } from '../../auth/session.js';
import { SESSION_COOKIE, sessionCookieOptions } from '../../auth/session.js';
import type { UsersRepository } from '../../auth/users.js';
import { AppError } from '../../domain/errors.js';
import { userOf } from '../plugins/auth.js';
import { problemResponses, ProblemSchema } from '../schemas/common.js';
import { RoleSchema, UserSchema } from './users.js';

export interface AuthRouteOptions {
  login: LoginService;
  users: UsersRepository;
  session: SessionSettings;
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRouteOptions> = async (app, { login, users, session }) => {
  app.post('/auth/login', {
    config: { permission: 'public', checkOrigin: true },
    schema: {
      tags: ['auth'],
      summary: 'Sign in with email and password: a short-lived JWT, also set as the httpOnly session cookie',
      body: Type.Object(
        { org: Type.String({ minLength: 1, maxLength: 200 }), email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ token: Type.String(), expiresAt: Type.String(), user: UserSchema }),
        ...problemResponses,
        429: ProblemSchema,
        501: ProblemSchema,
      },
    },
    handler: async (request, reply) => {
      try {
        const result = await login.login(request.body, request.ip);
        reply.setCookie(SESSION_COOKIE, result.token, sessionCookieOptions(session, request.protocol, session.ttlSeconds));
        request.log.info({ org: result.user.org, userId: result.user.id }, 'login succeeded');
        return result;
      } catch (err) {
        if (err instanceof LoginThrottled) reply.header('retry-after', String(err.retryAfterSeconds));
        if (err instanceof AppError && err.status < 500) request.log.info({ org: request.body.org, email: request.body.email, code: err.code }, 'login refused');
        throw err;
      }
    },
  });

  app.post('/auth/logout', {
    config: { permission: 'public', checkOrigin: true },
    schema: { tags: ['auth'], summary: 'Clear the session cookie', response: { 204: Type.Null(), 403: ProblemSchema } },
    handler: async (request, reply) => {
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(session, request.protocol, 0));
      return reply.status(204).send(null);
    },
  });

  app.get('/auth/me', {
    config: { permission: 'account:read' },
    schema: {
      tags: ['auth'],
      summary: 'Who the presented credential is: org, role, actor, permissions and (after login) the user',
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({
          sub: Type.String(),
          org: Type.String(),
          role: RoleSchema,
          actor: Type.Union([Type.String(), Type.Null()]),
          expiresAt: Type.String(),
          permissions: Type.Array(Type.String()),
          credential: Type.Union([Type.Literal('bearer'), Type.Literal('cookie'), Type.Literal('query'), Type.Null()]),
          user: Type.Union([UserSchema, Type.Null()]),
        }),
        ...problemResponses,
      },
    },
    handler: async (request) => {
      const p = userOf(request);
      return {
        sub: p.sub,
        org: p.org,
        role: p.role,
        actor: p.actor,
        expiresAt: new Date(p.exp * 1000).toISOString(),
        permissions: permissionsOf(p.role),
        credential: request.credentialSource,
        user: p.userId ? await users.get(p.org, p.userId) : null,
      };
    },
  });
};
