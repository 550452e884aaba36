import { pino } from 'pino';
import type { LoggerOptions } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AccessLine } from '../../../src/ops/access-log.js';
import { AccessLog, COMPLETED, SLOW } from '../../../src/ops/access-log.js';

/** A pino logger with a fixed clock whose raw lines are kept. */
function recorded(options: LoggerOptions = {}): { lines: string[]; logger: pino.Logger } {
  const lines: string[] = [];
  const logger = pino({ level: 'info', timestamp: () => ',"time":1700000000000', ...options }, { write: (line: string) => void lines.push(line) });
  return { lines, logger };
}

const line = (overrides: Partial<AccessLine> = {}): AccessLine => ({
  reqId: '3f1e2d4c-1111-2222-3333-444455556666',
  correlationId: undefined,
  method: 'GET',
  route: '/api/v1/dashboard/summary',
  path: '/api/v1/dashboard/summary',
  status: 200,
  durationMs: 0.42,
  org: 'acme',
  ip: '127.0.0.1',
  ...overrides,
});

/** What pino's own generic path writes for the same line. */
function pinoWrites(l: AccessLine, slow: boolean, options: LoggerOptions = {}): string {
  const { lines, logger } = recorded(options);
  if (slow) logger.warn({ ...l, slow: true }, SLOW);
  else logger.info(l, COMPLETED);
  return lines[0] ?? '';
}

/** writeRoute: the same line from a route prepared once (the hit lane's form). */
function routeWrites(l: AccessLine, slow: boolean, options: LoggerOptions = {}): string {
  const { lines, logger } = recorded(options);
  const log = new AccessLog(logger);
  log.writeRoute(log.prepare(l), l.reqId, l.correlationId, l.status, l.durationMs, l.ip, slow);
  return lines[0] ?? '';
}

function templateWrites(l: AccessLine, slow: boolean, options: LoggerOptions = {}): string {
  const { lines, logger } = recorded(options);
  const log = new AccessLog(logger);
  expect(log.templated).toBe(true);
  log.write(l, slow);
  return lines[0] ?? '';
}

const cases: [string, AccessLine][] = [
  ['a plain line', line()],
  ["the client's correlation id", line({ correlationId: 'flow-9' })],
  ['no route and no org (a 404 before auth)', line({ route: null, org: null, status: 404 })],
  ['a path with quotes, backslashes and control characters', line({ path: '/api/v1/"quoted"\\back\u0001\ttab\nline' })],
  ['non-ASCII and a surrogate pair', line({ path: '/api/v1/é/日本/\ud83d\ude00' })],
  ['an address from X-Forwarded-For with a quote', line({ ip: '10.0.0.1"' })],
  ['a non-finite duration', line({ durationMs: Number.NaN })],
];

describe('AccessLog', () => {
  for (const [name, l] of cases) {
    it(`writes the bytes pino writes: ${name}`, () => {
      expect(templateWrites(l, false)).toBe(pinoWrites(l, false));
      expect(templateWrites(l, true)).toBe(pinoWrites(l, true));
    });

    it(`writes the same bytes from a prepared route: ${name}`, () => {
      expect(routeWrites(l, false)).toBe(pinoWrites(l, false));
      expect(routeWrites(l, true)).toBe(pinoWrites(l, true));
    });
  }

  it('a prepared route serves requests with their own ids, statuses and durations', () => {
    const { lines, logger } = recorded();
    const log = new AccessLog(logger);
    const route = log.prepare(line());
    log.writeRoute(route, 'req-1', undefined, 200, 0.1, '10.0.0.1', false);
    log.writeRoute(route, 'req-2', 'flow-9', 304, 0.2, '10.0.0.2', false);
    expect(lines).toEqual([pinoWrites(line({ reqId: 'req-1', durationMs: 0.1, ip: '10.0.0.1' }), false), pinoWrites(line({ reqId: 'req-2', correlationId: 'flow-9', status: 304, durationMs: 0.2, ip: '10.0.0.2' }), false)]);
  });

  it('escapes a lone surrogate, so the line survives UTF-8 (pino on Node 20 writes it raw)', () => {
    const path = '/api/v1/\ud800x';
    const written = Buffer.from(templateWrites(line({ path }), false)).toString('utf8');
    expect((JSON.parse(written) as { path: string }).path).toBe(path);
  });

  it('carries the logger bindings and its message key', () => {
    const options: LoggerOptions = { base: { pid: 1, hostname: 'h', service: 'tally' }, messageKey: 'message' };
    expect(templateWrites(line(), false, options)).toBe(pinoWrites(line(), false, options));
    expect(JSON.parse(templateWrites(line(), false, options))).toMatchObject({ service: 'tally', message: COMPLETED, level: 30 });
  });

  it("follows the logger's level: info lines dropped at warn, slow ones kept", () => {
    const { lines, logger } = recorded({ level: 'warn' });
    const log = new AccessLog(logger);
    log.write(line(), false);
    log.write(line({ durationMs: 2000 }), true);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((l) => [l['level'], l['msg'], l['slow']])).toEqual([[40, SLOW, true]]);
  });

  it('falls back to pino for a logger configured beyond the template (a mixin)', () => {
    const { lines, logger } = recorded({ mixin: () => ({ region: 'eu' }) });
    const log = new AccessLog(logger);
    expect(log.templated).toBe(false);
    log.write(line(), false);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ region: 'eu', reqId: line().reqId, msg: COMPLETED });
  });

  it('writes a prepared route through pino too when the logger is configured beyond the template', () => {
    const options: LoggerOptions = { mixin: () => ({ region: 'eu' }) };
    const l = line({ correlationId: 'flow-9' });
    expect(routeWrites(l, false, options)).toBe(pinoWrites(l, false, options));
    expect(routeWrites(l, true, options)).toBe(pinoWrites(l, true, options));
  });
});
