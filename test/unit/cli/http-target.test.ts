/** HttpTarget (`tally import --url`): what is sent, what is retried and what stops the import. */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsEndpoint, HttpTarget } from '../../../src/cli/http-target.js';
import type { RawEvent } from '../../../src/ingest/import/row-event.js';
import { freePort } from '../../fixtures/redis.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Answer = (res: ServerResponse, req: IncomingMessage) => void;

let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (s) await new Promise((resolve) => s.close(resolve));
});

/** A server that answers request i with answers[i] (the last one for any later request). */
async function scripted(answers: Answer[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      (answers[seen.length - 1] ?? (answers.at(-1) as Answer))(res, req);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server?.address() as AddressInfo).port}`, seen };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (res) => {
    res.writeHead(status, { 'content-type': status < 400 ? 'application/json' : 'application/problem+json', ...headers });
    res.end(JSON.stringify(body));
  };

const stored = json(200, { accepted: 2, duplicates: 0 });
const batch: RawEvent[] = [
  { event: 'a', timestamp: '2026-11-19T10:00:00Z', actor: 'u1', id: 'x1', props: { amount: 1 } },
  { event: 'b', timestamp: 1763546400000, actor: undefined, id: undefined, props: {} },
];

function target(url: string, waits: number[], attempts = 4): HttpTarget {
  return new HttpTarget({ url, key: 'tk_secret', attempts, sleep: async (ms) => void waits.push(ms) });
}

describe('HttpTarget', () => {
  it('finds the events endpoint however the server address is written', () => {
    for (const url of ['http://h:8080', 'http://h:8080/', 'http://h:8080/api/v1', 'http://h:8080/api/v1/']) expect(eventsEndpoint(url)).toBe('http://h:8080/api/v1/events');
    expect(eventsEndpoint('https://h.example.com/tally')).toBe('https://h.example.com/tally/api/v1/events');
  });

  it('posts the batch as NDJSON with the key and returns the server reply', async () => {
    const { url, seen } = await scripted([stored]);
    expect(await target(url, []).append(batch)).toEqual({ accepted: 2, duplicates: 0 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/v1/events', headers: { authorization: 'Bearer tk_secret', 'content-type': 'application/x-ndjson' } });
    expect(seen[0]?.body.split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([
      { event: 'a', timestamp: '2026-11-19T10:00:00Z', actor: 'u1', id: 'x1', props: { amount: 1 } },
      { event: 'b', timestamp: 1763546400000, props: {} },
    ]);
  });

  it('waits as a 429 or 503 says and sends the same batch again', async () => {
    const { url, seen } = await scripted([json(429, { title: 'Too many requests' }, { 'retry-after': '3' }), json(503, { title: 'Store unavailable' }), json(503, { title: 'Store unavailable' }), stored]);
    const waits: number[] = [];
    expect(await target(url, waits).append(batch)).toEqual({ accepted: 2, duplicates: 0 });
    // Retry-After when given, else 0.5 s doubling per try.
    expect(waits).toEqual([3000, 1000, 2000]);
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
  });

  it('gives up after its attempts, with the last answer', async () => {
    const { url, seen } = await scripted([json(503, { title: 'Store unavailable', detail: 'the store did not answer' })]);
    const waits: number[] = [];
    await expect(target(url, waits, 3).append(batch)).rejects.toThrow(/answered 503: Store unavailable — the store did not answer/);
    expect(seen).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it('stops at once on a refusal, naming the problem and its fields', async () => {
    const { url, seen } = await scripted([json(400, { title: 'Invalid event', detail: '1 event is invalid', errors: [{ path: '/1/props/amount', message: 'must be a number' }] })]);
    await expect(target(url, []).append(batch)).rejects.toThrow('answered 400: Invalid event — 1 event is invalid — /1/props/amount must be a number');
    expect(seen).toHaveLength(1);
  });

  it('hints at the cause of 401 and 413', async () => {
    const unauthorized = await scripted([json(401, { title: 'Unauthorized' })]);
    await expect(target(unauthorized.url, []).append(batch)).rejects.toThrow(/401: Unauthorized \(is TALLY_INGEST_KEY an active ingest key/);
    await new Promise((resolve) => server?.close(resolve));
    const tooLarge = await scripted([json(413, { title: 'Payload too large' })]);
    await expect(target(tooLarge.url, []).append(batch)).rejects.toThrow(/413: Payload too large \(send smaller batches: --batch\)/);
  });

  it('stops when a 200 is not an ingest reply (the URL is not a Tally server)', async () => {
    const page: Answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>welcome</html>');
    };
    const { url, seen } = await scripted([page]);
    await expect(target(url, []).append(batch)).rejects.toThrow(/answered 200 without an ingest reply \(is --url a Tally server\?\): <html>welcome/);
    expect(seen).toHaveLength(1);
  });

  it('tries again while nothing listens, then says the connection was refused', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const waits: number[] = [];
    await expect(target(url, waits, 3).append(batch)).rejects.toThrow(/refused the connection 3 times/);
    expect(waits).toEqual([500, 1000]);
  });

  it('does not send again when the connection is cut after the request went out: the batch may be stored', async () => {
    const { url, seen } = await scripted([(_res, req) => req.socket.destroy()]);
    const waits: number[] = [];
    await expect(target(url, waits).append(batch)).rejects.toThrow(/the batch may have been stored/);
    expect(seen).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});
