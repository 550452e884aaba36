/**
 * Two rules every request value keeps, checked after schema validation on every route:
 *
 * - Query-string and path numbers are finite. Ajv's type coercion turns "1e309" into Infinity and
 *   then skips `minimum` / `maximum` for non-finite numbers (ajv 8.20), so `?limit=1e309` would
 *   pass the schema and reach the store.
 * - Text holds no NUL character (domain/text.ts): a filter value, an actor id or a key id with
 *   a NUL would fail a PostgreSQL statement. Object keys count as text.
 *
 * Either is a 400 naming the value (`/querystring/limit`, `/params/actor`, `/filters/0/value`).
 * Routes that check their own body (ingest, large NDJSON) set `config.checksOwnBody`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../../domain/errors.js';
import { hasNul, NUL_MESSAGE } from '../../domain/text.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route validates its body itself, NUL characters included (POST /events). */
    checksOwnBody?: boolean;
  }
}

const escapeToken = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The first problem in `root` (walked without recursion: bodies may nest deeply), or null. */
function firstProblem(root: unknown, at: string, numbersMustBeFinite: boolean): { path: string; message: string } | null {
  const stack: Array<[unknown, string]> = [[root, at]];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (hasNul(value)) return { path: path || '/', message: NUL_MESSAGE };
    } else if (typeof value === 'number') {
      if (numbersMustBeFinite && !Number.isFinite(value)) return { path: path || '/', message: 'must be a finite number' };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}/${i}`]);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        const innerPath = `${path}/${escapeToken(key)}`;
        if (hasNul(key)) return { path: innerPath, message: `its name ${NUL_MESSAGE}` };
        stack.push([inner, innerPath]);
      }
    }
  }
  return null;
}

export function checkRequestValues(request: Pick<FastifyRequest, 'query' | 'params' | 'body'>, checksOwnBody = false): void {
  const problem =
    firstProblem(request.query, '/querystring', true) ??
    firstProblem(request.params, '/params', true) ??
    (checksOwnBody ? null : firstProblem(request.body, '', false));
  if (problem !== null) throw new AppError('VALIDATION', `${problem.path} ${problem.message}`, [problem]);
}

export const requestValuesPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preHandler', (request, _reply, done) => {
      try {
        checkRequestValues(request, request.routeOptions.config.checksOwnBody === true);
        done();
      } catch (err) {
        done(err as AppError);
      }
    });
  },
  { name: 'tally-request-values' },
);
