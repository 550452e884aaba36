/** GET /ws credentials, Origin, limits, heartbeat, expiry, slow consumers — over real sockets. */
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../../src/auth/jwt.js';
import { loggerOptions } from '../../../src/ops/logger.js';
import { TEST_JWT } from '../../fixtures/app.js';
import type { LiveTestApp } from './helpers.js';
import { ingest, startLiveApp, until, WsClient } from './helpers.js';

const Q = { metrics: ['count'], timeRange: { preset: '1h' } };

function rawSocket(c: WsClient): Socket {
  return (c.socket as unknown as { _socket: Socket })._socket;
}

describe('credentials and Origin', () => {
  const lines: string[] = [];
  let t: LiveTestApp;
  beforeAll(async () => {
    const capture = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    t = await startLiveApp({
      session: { allowedOrigins: ['https://dash.example.com'] },
      logger: { ...loggerOptions({ logLevel: 'info' }), stream: capture },
    });
  });
  afterAll(() => t.close());

  it('refuses the upgrade without a credential, or with an ingest key', async () => {
    await expect(WsClient.open(t.ws)).rejects.toThrow('HTTP 401');
    await expect(WsClient.open(t.ws, { token: await t.ingestKey('acme') })).rejects.toThrow('HTTP 401');
    await expect(WsClient.open(`${t.ws}?token=not-a-jwt`)).rejects.toThrow('HTTP 401');
  });

  it('accepts the Authorization header, the session cookie and ?token= (which is never logged)', async () => {
    const token = await t.token('acme', 'viewer');
    for (const c of [
      await WsClient.open(t.ws, { token }),
      // A cookie rides along cross-site, so a cookie upgrade must say where it comes from.
      await WsClient.open(t.ws, { headers: { cookie: `tally_session=${token}`, origin: new URL(t.http).origin } }),
      await WsClient.open(`${t.ws}?token=${token}`),
    ]) {
      c.send({ type: 'ping' });
      await c.take((m) => m.type === 'pong');
      c.close();
    }
    // A refused upgrade is logged (a completed request); its URL carried the token too.
    await expect(WsClient.open(`${t.ws}?token=${token}`, { headers: { origin: 'https://evil.example' } })).rejects.toThrow('HTTP 403');
    await until(() => lines.join('').includes('"path":"/api/v1/ws"'), 'the refused upgrade to be logged');
    expect(lines.join('').includes(token)).toBe(false);
  });

  it('refuses a foreign browser Origin, accepts its own and the allowed ones', async () => {
    const token = await t.token('acme', 'viewer');
    await expect(WsClient.open(t.ws, { headers: { cookie: `tally_session=${token}` } })).rejects.toThrow('HTTP 403');
    await expect(WsClient.open(t.ws, { token, headers: { origin: 'https://evil.example' } })).rejects.toThrow('HTTP 403');
    const own = new URL(t.http).origin;
    for (const origin of [own, 'https://dash.example.com']) {
      const c = await WsClient.open(t.ws, { token, headers: { origin } });
      c.close();
    }
  });
});

describe('limits', () => {
  let t: LiveTestApp;
  let token: string;
  beforeAll(async () => {
    t = await startLiveApp({
      bodyLimitBytes: 4 * 1024 * 1024,
      live: { settings: { maxConnectionsPerOrg: 3, maxSubscriptionsPerConnection: 2, maxMessageBytes: 2048, sendBufferBytes: 64 * 1024 } },
    });
    token = await t.token('acme', 'viewer');
  });
  afterAll(() => t.close());

  it('limits connections per org (429 before the upgrade) without affecting other orgs', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => WsClient.open(t.ws, { token })));
    await expect(WsClient.open(t.ws, { token })).rejects.toThrow('HTTP 429');
    // The ops telemetry sees them (GET /system, tally_live_connections).
    const system = await t.app.inject({ method: 'GET', url: '/api/v1/system', headers: { authorization: `Bearer ${await t.token('acme', 'admin')}` } });
    expect(system.json().live).toMatchObject({ configured: true, connections: 3, byTransport: { ws: 3 } });
    const other = await WsClient.open(t.ws, { token: await t.token('globex', 'viewer') });
    other.close();
    clients[0]?.close();
    await until(() => t.app.live.hub.connections.countOf('acme') === 2, 'a slot to free up');
    const again = await WsClient.open(t.ws, { token });
    for (const c of [...clients, again]) c.close();
    await until(() => t.app.live.hub.connections.count === 0, 'all connections to close');
  });

  it('limits subscriptions per connection with an error message', async () => {
    const c = await WsClient.open(t.ws, { token });
    c.send({ type: 'subscribe', id: 'a', query: Q });
    c.send({ type: 'events', id: 'b' });
    c.send({ type: 'subscribe', id: 'c', query: Q });
    expect(await c.take((m) => m.type === 'error')).toMatchObject({ id: 'c', error: { status: 429, code: 'RATE_LIMITED' } });
    // Re-using an id replaces that subscription rather than counting twice.
    c.send({ type: 'subscribe', id: 'a', query: { ...Q, timeRange: { preset: '6h' } } });
    await c.take((m) => m.type === 'subscribed' && m.id === 'a');
    c.close();
  });

  it('closes the socket with 1009 on a message over the size limit', async () => {
    const c = await WsClient.open(t.ws, { token });
    c.socket.send(JSON.stringify({ type: 'subscribe', id: 'x'.repeat(3000), query: Q }));
    expect((await c.waitClosed()).code).toBe(1009);
  });

  it('closes with 4001 when the token expires', async () => {
    const short = await signToken(TEST_JWT, { sub: 'x', org: 'acme', role: 'viewer' }, 1);
    const c = await WsClient.open(t.ws, { token: short });
    expect(await c.waitClosed(4000)).toEqual({ code: 4001, reason: 'token expired' });
  });

  it('cuts off a slow consumer (4008) while the others keep receiving everything', async () => {
    const key = await t.ingestKey('acme');
    const fast = await WsClient.open(t.ws, { token });
    const slow = await WsClient.open(t.ws, { token });
    for (const c of [fast, slow]) {
      c.send({ type: 'events', id: 'all' });
      await c.take((m) => m.type === 'subscribed');
    }
    rawSocket(slow).pause();
    const note = 'x'.repeat(900);
    let batches = 0;
    while (t.app.live.hub.stats().slowConsumersClosed === 0) {
      if (batches === 40) throw new Error('the slow consumer was never cut off');
      await ingest(t, key, Array.from({ length: 1000 }, (_, i) => ({ event: 'bulk.test', props: { note, i } })));
      batches++;
    }
    await until(() => fast.messages.filter((m) => m.type === 'event').length === batches * 1000, 'the fast client to get every event', 10_000);
    rawSocket(slow).resume();
    const closed = await slow.waitClosed(5000);
    // The close frame sits behind the unread backlog; the connection is usually gone before it.
    expect([4008, 1006]).toContain(closed.code);
    fast.close();
  });
});

describe('heartbeat', () => {
  let t: LiveTestApp;
  let token: string;
  beforeAll(async () => {
    t = await startLiveApp({ live: { settings: { heartbeatMs: 200 } } });
    token = await t.token('acme', 'viewer');
  });
  afterAll(() => t.close());

  it('pings every heartbeat and drops a peer that stops answering', async () => {
    const c = await WsClient.open(t.ws, { token });
    let pings = 0;
    c.socket.on('ping', () => pings++);
    await until(() => pings >= 2, 'two pings');
    const before = t.app.live.hub.connections.count;
    rawSocket(c).pause();
    await until(() => t.app.live.hub.connections.count === before - 1, 'the silent peer to be dropped', 3000);
    c.socket.terminate();
  });

});

describe('graceful shutdown', () => {
  it('closes WebSocket clients with 1001 "going away" after flushing', async () => {
    const t = await startLiveApp();
    const c = await WsClient.open(t.ws, { token: await t.token('acme', 'viewer') });
    c.send({ type: 'subscribe', id: 's', query: Q });
    await c.result('s');
    await t.close();
    expect(await c.waitClosed()).toEqual({ code: 1001, reason: 'going away' });
    expect(c.socket.readyState).toBe(WebSocket.CLOSED);
  });

  it('does not wait for a peer that never answers the close frame: it is cut after a short grace', async () => {
    const t = await startLiveApp();
    const c = await WsClient.open(t.ws, { token: await t.token('acme', 'viewer') });
    // A vanished browser: the TCP connection stays open, nothing is read or answered. Without the
    // cut, the ws server waits 30 s for its close handshake (beyond this test's timeout).
    rawSocket(c).pause();
    await t.close();
    rawSocket(c).resume();
    const closed = await c.waitClosed(5000);
    expect([1001, 1006]).toContain(closed.code);
  });
});
