/**
 * Request identity and the completion of every request. Each reply carries `X-Request-ID` (the
 * client's own when it is sane, else a fresh UUID) and `X-Response-Time`; a sane
 * `X-Correlation-ID` from the client is echoed and put on every log line of the request. RequestObserver replaces Fastify's two
 * per-request log lines with one structured line — request and correlation id, org, route,
 * status, duration; slow requests as warnings — and records the request in Telemetry.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessLine } from '../../ops/access-log.js';
import { AccessLog } from '../../ops/access-log.js';
import type { Telemetry } from '../../ops/telemetry.js';

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
  }
}

/** Printable, header- and log-safe, bounded: anything else is replaced, never trusted. */
const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function saneId(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v !== undefined && SANE_ID.test(v) ? v : null;
}

/** Fastify's genReqId: used when the app is built, before any hook runs. */
export function requestIdFrom(req: IncomingMessage): string {
  return saneId(req.headers['x-request-id']) ?? randomUUID();
}

/** Part of the stack's one onRequest hook (ops-stack.ts). */
export function applyRequestIds(request: FastifyRequest, reply: FastifyReply): void {
  const sent = saneId(request.headers['x-correlation-id']);
  const correlationId = sent ?? request.id;
  request.correlationId = correlationId;
  reply.header('x-request-id', request.id);
  // Echoed when the client sent one; without it the correlation id is the request id.
  if (sent !== null) reply.header('x-correlation-id', correlationId);
  if (correlationId !== request.id) {
    // Every later line of this request (errors included) carries the caller's correlation id.
    request.log = request.log.child({ correlationId });
    reply.log = request.log;
  }
}

/** Part of the stack's one onSend hook. */
export function applyResponseTime(reply: FastifyReply): void {
  reply.header('x-response-time', `${reply.elapsedTime.toFixed(2)}ms`);
}

const UNMATCHED = '<unmatched>';

/** What a finished request logs, besides its ids (access-log.ts AccessLine). */
export type CompletionLine = Omit<AccessLine, 'reqId' | 'correlationId'>;

type ErrorLogger = Pick<FastifyBaseLogger, 'error'>;

/** The correlation id an access line logs: only one that differs from the request id. */
export function loggedCorrelationId(reqId: string, correlationId: string | undefined): string | undefined {
  return correlationId === reqId ? undefined : correlationId;
}

/** The access line of a request (its correlation id as loggedCorrelationId keeps it). */
export function accessLine(reqId: string, correlationId: string | undefined, l: CompletionLine): AccessLine {
  return {
    reqId,
    correlationId: loggedCorrelationId(reqId, correlationId),
    method: l.method,
    route: l.route,
    path: l.path,
    status: l.status,
    durationMs: l.durationMs,
    org: l.org,
    ip: l.ip,
  };
}

/**
 * The access log: from a child without redaction. An access line holds only the fixed,
 * credential-free fields above (the path without its query string), and the logger's redaction
 * walks its wildcard paths on every line, which doubled the cost of the line logged for every
 * request. Error lines carry an `err` and keep the request's redacting logger.
 */
export function accessLogger(root: FastifyBaseLogger): AccessLog {
  return new AccessLog(root.child({}, { redact: [] }));
}

/** The path of a URL, without its query string (which may carry credentials and unbounded values). */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Errors at error level (redacted), slow requests as warnings, the rest at info. */
export function logCompletion(access: AccessLog, redacted: ErrorLogger, error: Error | null | undefined, line: AccessLine, slowRequestMs: number): void {
  if (error) redacted.error({ ...line, err: error }, 'request errored');
  else access.write(line, line.durationMs >= slowRequestMs);
}

/**
 * Fastify calls the log controller once when a request completes: the one place that sees every
 * finished request (errors, 404s and 401s included) without a hook of its own. The path is logged without its query string, which may carry
 * credentials (`?token=`) and unbounded values.
 */
export class RequestObserver extends LogController {
  constructor(
    private readonly telemetry: Telemetry,
    private readonly slowRequestMs: number,
  ) {
    super();
  }

  private access: AccessLog | null = null;

  override incomingRequest(): void {}

  private observe(request: FastifyRequest, reply: FastifyReply): void {
    this.telemetry.recordRequest(request.method, request.routeOptions.url ?? UNMATCHED, reply.statusCode, reply.elapsedTime);
    if (reply.statusCode === 200 && request.routeOptions.config.permission === 'events:write') {
      const length = Number(request.headers['content-length']);
      if (Number.isFinite(length)) this.telemetry.metrics.ingestBytes.inc(length);
    }
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    this.observe(request, reply);
    // correlationId is '' when the request ended before the onRequest hook ran.
    const line = accessLine(request.id, request.correlationId || undefined, {
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: pathOf(request.url),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      org: request.principal?.org ?? null,
      ip: request.ip,
    });
    // The request's own logger only for errors; created once, the access logger has no bindings.
    this.access ??= accessLogger(request.server.log);
    logCompletion(this.access, request.log, error, line, this.slowRequestMs);
  }
}
