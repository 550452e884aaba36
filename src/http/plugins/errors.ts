/** Every error leaves as RFC 9457 problem+json built from the one catalog in domain/errors. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { FieldError } from '../../domain/errors.js';
import { AppError, ERRORS, isAppError } from '../../domain/errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export function toProblem(err: AppError): Problem {
  return {
    type: `https://tally.dev/problems/${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(err.errors ? { errors: err.errors } : {}),
  };
}

interface SchemaIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function fromValidation(err: FastifyError): AppError {
  const issues = (err.validation ?? []) as SchemaIssue[];
  const where = err.validationContext === 'body' ? '' : `/${err.validationContext ?? ''}`;
  const errors = issues.map((v) => {
    const missing = typeof v.params?.['missingProperty'] === 'string' ? `/${v.params['missingProperty']}` : '';
    const extra = typeof v.params?.['additionalProperty'] === 'string' ? `/${v.params['additionalProperty']}` : '';
    return { path: `${where}${v.instancePath ?? ''}${missing}${extra}` || '/', message: v.message ?? 'is invalid' };
  });
  return new AppError('VALIDATION', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
}

/** Maps framework errors (body too large, bad JSON, schema failures) onto the catalog. */
export function normalizeError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const fe = err as FastifyError;
  if (fe.validation) return fromValidation(fe);
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than the configured limit.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send application/json or application/x-ndjson.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('VALIDATION', 'The body is not valid JSON.', [{ path: '/', message: 'is not valid JSON' }]);
    // The router's own refusals, before any route or hook (frameworkErrors).
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('URI_TOO_LONG', 'A path segment is longer than this server takes.', [{ path: '/params', message: 'is too long' }]);
    case 'FST_ERR_BAD_URL':
      return new AppError('VALIDATION', 'A path segment is not valid percent-encoding.', [{ path: '/params', message: 'is not valid percent-encoding' }]);
  }
  if (fe.statusCode === 400 && fe.message) return new AppError('VALIDATION', fe.message);
  if (fe.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE', fe.message);
  if (fe.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', fe.message);
  return new AppError('INTERNAL', 'Something went wrong on our side; the request id identifies it in the logs.', undefined, { cause: err });
}

/**
 * Sends any error as problem+json. The app's error handler, and Fastify's `frameworkErrors` for
 * what the router refuses before any route or hook runs (bad percent-encoding, a path segment
 * longer than the router takes), which would otherwise leave as Fastify's own JSON.
 */
export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const appError = normalizeError(err);
  if (appError.status >= 500) request.log.error({ err }, 'request failed');
  void reply.status(appError.status).type('application/problem+json').send(toProblem(appError));
}

export const errorsPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler(sendError);
    app.setNotFoundHandler((request, reply) => {
      const err = new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`);
      reply.status(404).type('application/problem+json').send(toProblem(err));
    });
  },
  { name: 'tally-errors' },
);

export const PROBLEM_STATUSES = Object.values(ERRORS).map((e) => e.status);
