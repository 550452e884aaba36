/** The access log: one structured line per request, slow ones as warnings, no credentials. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../../src/ops/logger.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  correlationId?: string;
  [key: string]: unknown;
}

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function logged(slowRequestMs: number): Promise<{ t: TestApp; lines: Line[]; raw: () => string }> {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const t = await createTestApp({ now: FIXTURE_END, logger: { ...loggerOptions({ logLevel: 'info' }), stream }, ops: { slowRequestMs }, rateLimitPrefix: `log-${Math.random()}` });
  apps.push(t);
  const lines: Line[] = [];
  return {
    t,
    lines,
    raw: () => {
      lines.splice(0, lines.length, ...chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line));
      return chunks.join('');
    },
  };
}

describe('access log', () => {
  it('writes one line per request with request id, org, route, status and duration', async () => {
    const { t, lines, raw } = await logged(60_000);
    const token = await t.token('acme', 'admin');
    await t.app.inject({ url: '/api/v1/keys', headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-1', 'x-correlation-id': 'flow-9' } });
    raw();
    const access = lines.filter((l) => l.msg === 'request completed');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ level: 30, reqId: 'req-1', correlationId: 'flow-9', method: 'GET', route: '/api/v1/keys', path: '/api/v1/keys', status: 200, org: 'acme' });
    expect(access[0]?.['durationMs']).toEqual(expect.any(Number));
    expect(lines.some((l) => l.msg === 'incoming request')).toBe(false);
  });

  it('logs requests over the threshold as warnings', async () => {
    const { t, lines, raw } = await logged(1);
    await t.seed('acme', fixtureEvents(2000));
    const token = await t.token('acme');
    await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${token}` }, payload: { metrics: ['count', 'p90_amount'], dimensions: ['channel'], granularity: '1d', timeRange: { preset: '7d' } } });
    raw();
    const slow = lines.find((l) => l.msg === 'slow request');
    expect(slow).toMatchObject({ level: 40, slow: true, route: '/api/v1/query', status: 200 });
  });

  it('keeps credentials out of the log', async () => {
    const { t, raw } = await logged(60_000);
    await t.app.inject({ url: '/api/v1/keys?token=very-secret-token', headers: { authorization: 'Bearer also-very-secret' } });
    const text = raw();
    expect(text).toContain('"path":"/api/v1/keys"');
    expect(text).not.toContain('very-secret-token');
    expect(text).not.toContain('also-very-secret');
  });
});
