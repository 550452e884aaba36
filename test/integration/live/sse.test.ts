/** GET /stream over real sockets with an EventSource client: ids, filters, replay, gaps, heartbeats. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveTestApp } from './helpers.js';
import { ingest, openSse, startLiveApp, until } from './helpers.js';

let t: LiveTestApp;
let key: string;
let token: string;

beforeAll(async () => {
  t = await startLiveApp({ live: { settings: { replayBufferSize: 5, heartbeatMs: 200 } } });
  key = await t.ingestKey('acme');
  token = await t.token('acme', 'viewer');
});
afterAll(() => t.close());

const names = (got: { data: unknown }[]) => got.map((m) => (m.data as { event: string }).event);

describe('GET /stream', () => {
  it('refuses a missing credential and an ingest key', async () => {
    expect((await fetch(`${t.http}/stream`)).status).toBe(401);
    expect((await fetch(`${t.http}/stream`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    expect((await fetch(`${t.http}/stream?types=nope`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);
  });

  it('streams events with increasing ids, filtered by name pattern, with ?token=', async () => {
    const { es, got, opened } = openSse(`${t.http}/stream?types=event&events=payment.*&token=${token}`);
    await opened;
    await ingest(t, key, [{ event: 'page.viewed' }, { event: 'payment.completed', props: { amount: 1 } }, { event: 'payment.failed' }]);
    await until(() => got.length === 2, 'two payment events');
    expect(names(got)).toEqual(['payment.completed', 'payment.failed']);
    expect(Number(got[1]?.id)).toBe(Number(got[0]?.id) + 1);
    es.close();
  });

  it('replays exactly the missed messages after Last-Event-ID', async () => {
    const first = openSse(`${t.http}/stream`, { token });
    await first.opened;
    await ingest(t, key, [{ event: 'a.one' }, { event: 'a.two' }]);
    await until(() => first.got.length === 2, 'the first two events');
    first.es.close();
    const lastId = first.got[1]?.id as string;

    await ingest(t, key, [{ event: 'a.three' }]);
    await ingest(t, key, [{ event: 'a.four' }, { event: 'a.five' }]);
    const again = openSse(`${t.http}/stream`, { token, lastEventId: lastId });
    await again.opened;
    await until(() => again.got.length === 3, 'the three missed events');
    expect(names(again.got)).toEqual(['a.three', 'a.four', 'a.five']);
    expect(again.got.map((m) => Number(m.id))).toEqual([1, 2, 3].map((i) => Number(lastId) + i));
    // Then live, with nothing replayed twice.
    await ingest(t, key, [{ event: 'a.six' }]);
    await until(() => again.got.length === 4, 'the live event');
    expect(names(again.got)).toEqual(['a.three', 'a.four', 'a.five', 'a.six']);
    again.es.close();
  });

  it('says how many were lost when the gap is larger than the buffer', async () => {
    const probe = openSse(`${t.http}/stream`, { token });
    await probe.opened;
    await ingest(t, key, [{ event: 'g.0' }]);
    await until(() => probe.got.length === 1, 'a starting id');
    probe.es.close();
    const start = Number(probe.got[0]?.id);
    await ingest(t, key, Array.from({ length: 8 }, (_, i) => ({ event: `g.${i + 1}` })));
    const late = openSse(`${t.http}/stream?lastEventId=${start}`, { token });
    await late.opened;
    await until(() => late.got.length === 6, 'the gap and the buffered five');
    expect(late.got[0]).toEqual({ type: 'gap', id: '', data: { lastEventId: start, missed: 3 } });
    expect(names(late.got.slice(1))).toEqual(['g.4', 'g.5', 'g.6', 'g.7', 'g.8']);
    late.es.close();
  });

  it('never streams another org’s events', async () => {
    const globex = await t.ingestKey('globex');
    const { es, got, opened } = openSse(`${t.http}/stream`, { token });
    await opened;
    await ingest(t, globex, [{ event: 'secret.globex' }]);
    await ingest(t, key, [{ event: 'mine.acme' }]);
    await until(() => got.length >= 1, 'an acme event');
    expect(names(got)).toEqual(['mine.acme']);
    es.close();
  });

  it('sends a ": ping" comment every heartbeat', async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.http}/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while ((text.match(/: ping\n\n/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.startsWith('retry: ')).toBe(true);
    controller.abort();
  });
});

describe('GET /stream shutdown', () => {
  it('tells the client it is going away, then ends the stream', async () => {
    const app = await startLiveApp();
    const { es, got, opened } = openSse(`${app.http}/stream`, { token: await app.token('acme', 'viewer') });
    await opened;
    await app.close();
    await until(() => got.some((m) => m.type === 'close'), 'the close event');
    expect(got.find((m) => m.type === 'close')?.data).toEqual({ reason: 'going away' });
    es.close();
  });
});
