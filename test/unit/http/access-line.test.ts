import { describe, expect, it } from 'vitest';
import { accessLine, logCompletion } from '../../../src/http/plugins/request-id.js';

type Logged = { level: 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string };

function recorder(): { logged: Logged[]; logger: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void } } {
  const logged: Logged[] = [];
  const at = (level: Logged['level']) => (obj: object, msg: string) => logged.push({ level, obj: { ...obj } as Record<string, unknown>, msg });
  return { logged, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
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
    logCompletion(logger, logger, null, accessLine('a', undefined, fields), 1000);
    logCompletion(logger, logger, null, accessLine('b', undefined, { ...fields, durationMs: 1000 }), 1000);
    const err = new Error('boom');
    logCompletion(logger, logger, err, accessLine('c', undefined, fields), 1000);
    expect(logged.map((l) => [l.level, l.msg, l.obj['reqId']])).toEqual([
      ['info', 'request completed', 'a'],
      ['warn', 'slow request', 'b'],
      ['error', 'request errored', 'c'],
    ]);
    expect(logged[0]?.obj['slow']).toBeUndefined();
    expect(logged[1]?.obj['slow']).toBe(true);
    expect(logged[2]?.obj['err']).toBe(err);
  });
});
