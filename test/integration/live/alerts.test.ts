/** Alert rules: CRUD, validation, firing on data and on the timer, pushes, history, webhooks. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveTestApp } from './helpers.js';
import { ingest, openSse, startLiveApp, until, WsClient } from './helpers.js';

const PAYMENT_RULE = {
  name: 'payment burst',
  query: { metric: 'count', filters: [{ field: 'event', op: 'eq', value: 'payment.completed' }], window: '5m' },
  comparison: 'gte',
  threshold: 3,
  cooldown: '1h',
};

async function call(t: LiveTestApp, method: string, path: string, token: string, body?: unknown) {
  return t.app.inject({ method: method as 'GET', url: `/api/v1${path}`, headers: { authorization: `Bearer ${token}` }, ...(body ? { payload: body as object } : {}) });
}

describe('alert rules without private webhooks allowed', () => {
  let t: LiveTestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startLiveApp();
    admin = await t.token('acme', 'admin');
  });
  afterAll(() => t.close());

  it('are managed by admins only, per org', async () => {
    expect((await call(t, 'GET', '/alerts', await t.token('acme', 'analyst'))).statusCode).toBe(403);
    const created = await call(t, 'POST', '/alerts', admin, PAYMENT_RULE);
    expect(created.statusCode).toBe(201);
    const rule = created.json();
    expect(rule).toMatchObject({ ...PAYMENT_RULE, org: 'acme', webhook: null, lastFiredAt: null });
    expect((await call(t, 'GET', '/alerts', admin)).json().rules).toHaveLength(1);
    const otherAdmin = await t.token('globex', 'admin');
    expect((await call(t, 'GET', '/alerts', otherAdmin)).json().rules).toEqual([]);
    expect((await call(t, 'DELETE', `/alerts/${rule.id}`, otherAdmin)).statusCode).toBe(404);
    expect((await call(t, 'DELETE', `/alerts/${rule.id}`, admin)).statusCode).toBe(204);
    expect((await call(t, 'DELETE', `/alerts/${rule.id}`, admin)).statusCode).toBe(404);
  });

  it('are validated against the model, naming each problem', async () => {
    const res = await call(t, 'POST', '/alerts', admin, { ...PAYMENT_RULE, query: { metric: 'revnue', filters: [{ field: 'nope', op: 'eq', value: 1 }], window: '10s' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['/query/filters/0/field', '/query/metric', '/query/window']);
  });

  it('refuse webhooks to loopback, private and link-local targets', async () => {
    for (const webhook of ['http://127.0.0.1:9/hook', 'http://localhost:9/hook', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://[::ffff:192.168.0.1]/x']) {
      const res = await call(t, 'POST', '/alerts', admin, { ...PAYMENT_RULE, webhook });
      expect(res.statusCode, webhook).toBe(400);
      expect(res.json().errors[0]).toMatchObject({ path: '/webhook' });
      expect(res.json().errors[0].message).toMatch(/TALLY_WEBHOOK_ALLOW_PRIVATE/);
    }
    expect((await call(t, 'POST', '/alerts', admin, { ...PAYMENT_RULE, webhook: 'ftp://example.com/x' })).statusCode).toBe(400);
  });
});

describe('alert firing', () => {
  let t: LiveTestApp;
  let admin: string;
  let key: string;
  const received: unknown[] = [];
  let receiver: http.Server;
  let hookUrl: string;

  beforeAll(async () => {
    let calls = 0;
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        calls++;
        // The first delivery fails: the retry must bring it home.
        if (calls === 1) {
          res.writeHead(500).end();
          return;
        }
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    t = await startLiveApp({
      live: { settings: { webhookAllowPrivate: true }, alertDebounceMs: 50, delivery: { attempts: 3, baseDelayMs: 50, timeoutMs: 2000 } },
    });
    admin = await t.token('acme', 'admin');
    key = await t.ingestKey('acme');
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('fires on new data: stored, pushed to WS and SSE clients of the org only, delivered to the webhook', async () => {
    const rule = (await call(t, 'POST', '/alerts', admin, { ...PAYMENT_RULE, webhook: hookUrl })).json();
    const viewer = await WsClient.open(t.ws, { token: await t.token('acme', 'viewer') });
    const outsider = await WsClient.open(t.ws, { token: await t.token('globex', 'admin') });
    const sse = openSse(`${t.http}/stream?types=alert`, { token: admin });
    await sse.opened;
    for (const c of [viewer, outsider]) {
      c.send({ type: 'ping' });
      await c.take((m) => m.type === 'pong');
    }

    await ingest(t, key, [{ event: 'payment.completed' }, { event: 'payment.completed' }]);
    await ingest(t, key, [{ event: 'payment.completed' }]);
    const pushed = await viewer.take((m) => m.type === 'alert');
    expect(pushed['alert']).toMatchObject({ ruleId: rule.id, name: 'payment burst', value: 3, comparison: 'gte', threshold: 3, trigger: 'data' });
    await until(() => sse.got.length === 1, 'the SSE alert');
    expect(sse.got[0]).toMatchObject({ type: 'alert', data: { ruleId: rule.id, value: 3 } });

    await until(() => received.length === 1, 'the webhook delivery');
    expect(received[0]).toMatchObject({ type: 'alert', alert: { ruleId: rule.id, value: 3 }, rule: { id: rule.id, name: 'payment burst' } });
    await until(async () => (await call(t, 'GET', '/alerts/events', admin)).json().events[0]?.delivery === 'delivered', 'the delivery to be recorded');
    const events = (await call(t, 'GET', '/alerts/events', admin)).json().events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ruleId: rule.id, value: 3, delivery: 'delivered', deliveryAttempts: 2, deliveryError: null });
    expect((await call(t, 'GET', '/alerts/events', await t.token('globex', 'admin'))).json().events).toEqual([]);
    // Paging with ?before= reads the instant with its offset (an hour after the firing, written at -05:00).
    const firedAt = Date.parse(events[0].firedAt as string);
    const at = (ms: number) => new Date(ms - 5 * 3_600_000).toISOString().replace('Z', '-05:00');
    expect((await call(t, 'GET', `/alerts/events?before=${encodeURIComponent(at(firedAt + 3_600_000))}`, admin)).json().events).toHaveLength(1);
    expect((await call(t, 'GET', `/alerts/events?before=${encodeURIComponent(at(firedAt))}`, admin)).json().events).toEqual([]);
    expect((await call(t, 'GET', '/alerts/events?before=0000-01-01T00:00:00Z', admin)).json().events).toEqual([]);
    expect((await call(t, 'GET', '/alerts/events?before=9999-12-31T23:59:59Z', admin)).json().events).toHaveLength(1);
    expect(outsider.messages.filter((m) => m.type === 'alert')).toEqual([]);

    // Within the cooldown more data does not fire again.
    await ingest(t, key, [{ event: 'payment.completed' }]);
    await t.app.live.evaluator.evaluateOrg('acme', 'data');
    expect((await call(t, 'GET', '/alerts/events', admin)).json().events).toHaveLength(1);
    expect((await call(t, 'GET', '/alerts', admin)).json().rules[0].lastFiredAt).toBe(events[0].firedAt);
    for (const c of [viewer, outsider]) c.close();
    sse.es.close();
    await call(t, 'DELETE', `/alerts/${rule.id}`, admin);
  });

  it('fires on the timer for a condition that holds without new data', async () => {
    const rule = (
      await call(t, 'POST', '/alerts', admin, {
        name: 'no signups',
        query: { metric: 'count', filters: [{ field: 'event', op: 'eq', value: 'signup.completed' }], window: '15m' },
        comparison: 'lt',
        threshold: 1,
      })
    ).json();
    const viewer = await WsClient.open(t.ws, { token: await t.token('acme', 'viewer') });
    viewer.send({ type: 'ping' });
    await viewer.take((m) => m.type === 'pong');
    await t.app.live.evaluator.tick();
    expect(await viewer.take((m) => m.type === 'alert')).toMatchObject({ alert: { ruleId: rule.id, value: 0, trigger: 'timer' } });
    const events = (await call(t, 'GET', `/alerts/events?ruleId=${rule.id}`, admin)).json().events;
    expect(events).toMatchObject([{ ruleId: rule.id, trigger: 'timer', delivery: 'none' }]);
    viewer.close();
  });
});
