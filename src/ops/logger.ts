/**
 * Logger options shared by `tally serve` and the tests: one function so every process logs the
 * same way. Credentials never reach the log: headers that carry them are redacted wherever they
 * appear, and `?token=` is cut out of logged URLs (Fastify logs `req.url` with its query).
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../config/index.js';
import { bufferedDestination } from './log-destination.js';

export type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

const CENSOR = '[redacted]';

/** Paths pino blanks out; `*.x` covers any object one level down (e.g. a logged body). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'token',
  'key',
  '*.password',
  '*.token',
  '*.key',
];

/** Query parameters that may carry a credential (browsers' EventSource cannot send headers). */
const SECRET_QUERY = /([?&](?:token|access_token|key)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${CENSOR}`);
}

/** Fastify's request serializer, with the URL's credentials removed. */
function serializeRequest(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : undefined,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * `destination`: a file path or descriptor (default 1, stdout), written in batches
 * (log-destination.ts). Tests replace it with their own `stream`.
 */
export function loggerOptions(config: Pick<Config, 'logLevel'>, destination: string | number = 1): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    serializers: { req: serializeRequest },
    stream: bufferedDestination(destination),
  };
}
