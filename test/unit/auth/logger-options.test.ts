/** The shared logger options (src/ops/logger.ts) blank credentials wherever a log line carries them. */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggerOptions, redactUrl } from '../../../src/ops/logger.js';

const SECRET = 'tk_SECRET-VALUE-123';

describe('loggerOptions', () => {
  it('cuts credentials out of URLs', () => {
    expect(redactUrl(`/api/v1/live?token=${SECRET}&x=1`)).toBe('/api/v1/live?token=[redacted]&x=1');
    expect(redactUrl(`/a?x=1&access_token=${SECRET}#f`)).toBe('/a?x=1&access_token=[redacted]#f');
    expect(redactUrl(`/a?KEY=${SECRET}`)).toBe('/a?KEY=[redacted]');
    expect(redactUrl('/a?tokens=1&monkey=2')).toBe('/a?tokens=1&monkey=2');
  });

  it('redacts headers, passwords and tokens in logged objects, and the logged request URL', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = Fastify({ logger: { ...loggerOptions({ logLevel: 'info' }), stream } });
    app.get('/echo', async (request) => {
      request.log.info({ req: request }, 'with request');
      return 'ok';
    });
    app.log.info(
      {
        req: { method: 'GET', url: `/x?token=${SECRET}`, headers: { authorization: `Bearer ${SECRET}`, cookie: `tally_session=${SECRET}` } },
        res: { headers: { 'set-cookie': `tally_session=${SECRET}` } },
        headers: { authorization: `Bearer ${SECRET}` },
        password: SECRET,
        body: { password: SECRET, token: SECRET, key: SECRET },
      },
      'everything at once',
    );
    await app.inject({ method: 'GET', url: `/echo?token=${SECRET}` });
    await app.close();
    const log = lines.join('');
    expect(log).toContain('everything at once');
    expect(log).toContain('with request');
    expect(log).toContain('[redacted]');
    expect(log).not.toContain(SECRET);
  });
});
