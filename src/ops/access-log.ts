/**
 * The access log: one line per finished request, in the process's pino format.
 *
 * Every request writes one, so its cost is paid on every reply: with pino's generic path
 * (`logger.info(obj, msg)`: walking the object's keys, looking up serializers and stringifiers
 * per key, escaping each key) the line cost about as much as everything else the production stack
 * adds to a cached read. Its shape never changes, so AccessLog writes it from a fixed template
 * into the logger's own destination, with the logger's own level prefix, time, bindings and end
 * (pino.symbols, which pino exposes for integrations like this one): byte for byte the line
 * `logger.info(line, msg)` writes (test/unit/ops/access-log.test.ts compares the two), except
 * that a lone surrogate in a path is escaped where pino on Node 20 writes it raw (and its UTF-8
 * encoding then replaces it).
 *
 * A logger configured in a way the template does not cover (a mixin, a log formatter, a nested
 * key, a message prefix, a stream write hook, a multistream) gets the generic path.
 */
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';

/** The one access-log line of a finished request, in the order its fields are written. */
export interface AccessLine {
  reqId: string;
  /** Only when the client sent its own (else the request id is the correlation id). */
  correlationId: string | undefined;
  method: string;
  route: string | null;
  path: string;
  status: number;
  durationMs: number;
  org: string | null;
  ip: string;
}

export const COMPLETED = 'request completed';
export const SLOW = 'slow request';

type LineLogger = Pick<FastifyBaseLogger, 'info' | 'warn'>;

/** Strings JSON leaves as they are: no quote, backslash, control character or lone surrogate. */
const PLAIN = /^[\u0020\u0021\u0023-\u005b\u005d-\ud7ff\ue000-\uffff]*$/;

function jsonString(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

function jsonNullable(value: string | null): string {
  return value === null ? 'null' : jsonString(value);
}

/** As pino writes a number (non-finite numbers as null). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

interface Template {
  /** `{"level":30` and `{"level":40`: the logger's own level prefixes. */
  info: string;
  warn: string;
  time: () => string;
  /** The logger's bindings and the request id's key: `,"pid":…,"reqId":`. */
  head: string;
  /** The end of a completed request's line, and of a slow one's: message and line end. */
  completedTail: string;
  slowTail: string;
  stream: { write(line: string): unknown };
  enabled: (level: 'info' | 'warn') => boolean;
}

type PinoInternals = Record<symbol, unknown>;

/** The pieces of a pino logger the template needs, or null when it is configured beyond them. */
function templateOf(logger: LineLogger): Template | null {
  const s = pino.symbols as typeof pino.symbols & { msgPrefixSym?: symbol };
  const l = logger as unknown as PinoInternals & { isLevelEnabled?: unknown };
  const formatters = l[s.formattersSym] as { log?: unknown } | undefined;
  const hooks = l[s.hooksSym] as { streamWrite?: unknown } | undefined;
  const stream = l[s.streamSym] as ({ write?: unknown } & PinoInternals) | undefined;
  const levels = l[s.lsCacheSym] as Record<number, string> | undefined;
  const time = l[s.timeSym];
  const bindings = l[s.chindingsSym];
  const end = l[s.endSym];
  const messageKey = l[s.messageKeySym];
  if (levels?.[30] === undefined || levels[40] === undefined || typeof time !== 'function' || typeof bindings !== 'string') return null;
  if (typeof end !== 'string' || typeof messageKey !== 'string' || typeof stream?.write !== 'function') return null;
  if (typeof l.isLevelEnabled !== 'function') return null;
  if (l[s.mixinSym] || formatters?.log || hooks?.streamWrite || l[s.nestedKeySym] || (s.msgPrefixSym !== undefined && l[s.msgPrefixSym])) return null;
  if (stream[s.needsMetadataGsym] === true) return null;
  const msgKey = `,${jsonString(messageKey)}:`;
  return {
    info: levels[30],
    warn: levels[40],
    time: () => (time as () => string).call(logger),
    head: `${bindings},"reqId":`,
    completedTail: `${msgKey}"${COMPLETED}"${end}`,
    slowTail: `,"slow":true${msgKey}"${SLOW}"${end}`,
    stream: stream as { write(line: string): unknown },
    enabled: (l.isLevelEnabled as (level: string) => boolean).bind(logger),
  };
}

/** The fields of an access line that stay the same for every request of one route and URL. */
export type RouteFields = Pick<AccessLine, 'method' | 'route' | 'path' | 'org'>;

/**
 * A route's fixed fields, serialized once: for a caller that logs many requests of the same
 * route and URL (the hit lane keeps one per learned URL). AccessLog.prepare makes it.
 */
export class PreparedRoute {
  /** `,"method":…,"route":…,"path":…,"status":` */
  readonly middle: string;
  /** `,"org":…,"ip":` */
  readonly orgIp: string;

  constructor(readonly fields: RouteFields) {
    this.middle = `,"method":${jsonString(fields.method)},"route":${jsonNullable(fields.route)},"path":${jsonString(fields.path)},"status":`;
    this.orgIp = `,"org":${jsonNullable(fields.org)},"ip":`;
  }
}

export class AccessLog {
  private readonly template: Template | null;

  /** `logger`: a logger without redaction (access lines hold no credentials: see request-id.ts). */
  constructor(private readonly logger: LineLogger) {
    this.template = templateOf(logger);
  }

  /** Whether lines are written from the template (false: through pino's generic path). */
  get templated(): boolean {
    return this.template !== null;
  }

  /** Writes the line at info, or at warn with `slow: true` when the request was slow. */
  write(line: AccessLine, slow: boolean): void {
    if (this.template === null) return this.generic(line, slow);
    this.writeRoute(new PreparedRoute(line), line.reqId, line.correlationId, line.status, line.durationMs, line.ip, slow);
  }

  /** The serialized fixed fields of a route, for writeRoute. */
  prepare(fields: RouteFields): PreparedRoute {
    return new PreparedRoute({ method: fields.method, route: fields.route, path: fields.path, org: fields.org });
  }

  /** write() for a request of a prepared route: the same line, with only its own fields serialized. */
  writeRoute(route: PreparedRoute, reqId: string, correlationId: string | undefined, status: number, durationMs: number, ip: string, slow: boolean): void {
    const t = this.template;
    if (t === null) {
      const { method, route: template, path, org } = route.fields;
      return this.generic({ reqId, correlationId, method, route: template, path, status, durationMs, org, ip }, slow);
    }
    if (!t.enabled(slow ? 'warn' : 'info')) return;
    const correlation = correlationId === undefined ? '' : `,"correlationId":${jsonString(correlationId)}`;
    t.stream.write(
      `${slow ? t.warn : t.info}${t.time()}${t.head}${jsonString(reqId)}${correlation}${route.middle}${jsonNumber(status)},"durationMs":${jsonNumber(durationMs)}${route.orgIp}${jsonString(ip)}${slow ? t.slowTail : t.completedTail}`,
    );
  }

  private generic(line: AccessLine, slow: boolean): void {
    if (slow) this.logger.warn({ ...line, slow: true }, SLOW);
    else this.logger.info(line, COMPLETED);
  }
}
