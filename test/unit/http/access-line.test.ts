import { pino } from 'pino';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { accessLine, logCompletion } from '../../../src/http/plugins/request-id.js';
import { AccessLog } from '../../../src/ops/access-log.js';

/** A real pino logger whose lines are kept, parsed. */
function recorder(): { logged: Record<string, unknown>[]; logger: Logger } {
  const logged: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
  return { logged, logger };
}

const fields = { method: 'GET', route: '/api/v1/query', path: '/api/v1/query', status: 200, durationMs: 3.5, org: 'acme', ip: '127.0.0.1' };

describe('access line', () => {
  it('keeps reqId first and leaves correlationId out when it is the request id', () => {
    const line = accessLine('req-1', 'req-1', fields);
    expect(Object.keys(line)[0]).toBe('reqId');
    expect(line.correlationId).toBeUndefined();
    // pino drops undefined fields, as JSON.stringify does.
    expect(JSON.parse(JSON.stringify(line))).toEqual({ reqId: 'req-1', ...fields });
  });

  it("carries the client's correlation id when it differs", () => {
    const line = accessLine('req-1', 'flow-9', fields);
    expect(JSON.parse(JSON.stringify(line))).toEqual({ reqId: 'req-1', correlationId: 'flow-9', ...fields });
  });

  it('logs info, a slow request as a warning with slow: true, an error at error level with err', () => {
    const { logged, logger } = recorder();
    logCompletion(new AccessLog(logger), logger, null, accessLine('a', undefined, fields), 1000);
    logCompletion(new AccessLog(logger), logger, null, accessLine('b', undefined, { ...fields, durationMs: 1000 }), 1000);
    const err = new Error('boom');
    logCompletion(new AccessLog(logger), logger, err, accessLine('c', undefined, fields), 1000);
    expect(logged.map((l) => [l['level'], l['msg'], l['reqId']])).toEqual([
      [30, 'request completed', 'a'],
      [40, 'slow request', 'b'],
      [50, 'request errored', 'c'],
    ]);
    expect(logged[0]).not.toHaveProperty('slow');
    expect(logged[0]).not.toHaveProperty('correlationId');
    expect(logged[1]?.['slow']).toBe(true);
    expect(logged[2]?.['err']).toMatchObject({ message: 'boom' });
  });
});
