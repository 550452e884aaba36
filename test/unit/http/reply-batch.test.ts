/**
 * The hit lane's reply batch (http/reply-batch.ts) over a real Node HTTP server and real
 * sockets: replies wait for the end of the event-loop turn, then all go, each complete; a client
 * gone meanwhile is skipped without costing the others their replies.
 */
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplyBatch } from '../../../src/http/reply-batch.js';

let server: Server | null = null;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = null;
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function get(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ReplyBatch', () => {
  it('holds replies until the end of the turn, then writes each one whole', async () => {
    const batch = new ReplyBatch();
    const queuedAtSend: number[] = [];
    const port = await listen((req, res) => {
      const body = Buffer.from(JSON.stringify({ path: req.url }));
      batch.send(res, 200, { 'content-type': 'application/json', 'content-length': body.length, 'x-path': req.url ?? '' }, body);
      queuedAtSend.push(batch.size);
      // Nothing was written yet: the reply waits for the turn to end.
      expect(res.headersSent).toBe(false);
    });
    const replies = await Promise.all(['/a', '/b', '/c', '/d'].map((p) => get(port, p)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(replies.map((r) => JSON.parse(r.body) as { path: string })).toEqual([{ path: '/a' }, { path: '/b' }, { path: '/c' }, { path: '/d' }]);
    expect(replies.map((r) => r.headers['x-path'])).toEqual(['/a', '/b', '/c', '/d']);
    expect(queuedAtSend.every((n) => n >= 1)).toBe(true);
    expect(batch.size).toBe(0);
  });

  it('flushNow() writes the waiting replies at once, and the end of the turn finds nothing left', async () => {
    const batch = new ReplyBatch();
    let sentAtFlush: boolean[] = [];
    const port = await listen((req, res) => {
      const body = Buffer.from(req.url ?? '');
      batch.send(res, 200, { 'content-length': body.length }, body);
      batch.flushNow();
      sentAtFlush = [...sentAtFlush, res.headersSent];
      expect(batch.size).toBe(0);
    });
    const replies = await Promise.all(['/x', '/y'].map((p) => get(port, p)));
    expect(replies.map((r) => r.body)).toEqual(['/x', '/y']);
    expect(sentAtFlush).toEqual([true, true]);
  });

  it('sends a reply without a body (304)', async () => {
    const batch = new ReplyBatch();
    const port = await listen((_req, res) => batch.send(res, 304, { etag: '"x"' }, undefined));
    const reply = await get(port, '/');
    expect(reply.status).toBe(304);
    expect(reply.headers['etag']).toBe('"x"');
    expect(reply.body).toBe('');
  });

  it('skips a reply whose client is gone and still writes the others of the turn', async () => {
    const batch = new ReplyBatch();
    let first = true;
    const port = await listen((_req, res) => {
      if (first) {
        first = false;
        res.destroy(); // the client is gone before the turn ends
        batch.send(res, 200, { 'content-length': 4 }, Buffer.from('lost'));
        return;
      }
      batch.send(res, 200, { 'content-length': 2 }, Buffer.from('ok'));
    });
    await expect(get(port, '/gone')).rejects.toThrow();
    const reply = await get(port, '/next');
    expect(reply).toMatchObject({ status: 200, body: 'ok' });
  });
});
