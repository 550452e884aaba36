/** Real-socket clients for the live tests: a buffered WebSocket client and an EventSource client. */
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import type { TestApp, TestAppOptions } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';

export type Msg = Record<string, unknown> & { type?: string; id?: string };

export interface LiveTestApp extends TestApp {
  http: string;
  ws: string;
}

export async function startLiveApp(options: TestAppOptions = {}): Promise<LiveTestApp> {
  const t = await createTestApp({ cache: false, ...options });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { ...t, http: `${address}/api/v1`, ws: `${address.replace('http', 'ws')}/api/v1/ws` };
}

/** Polls until `cond` holds; fails with `what` after the timeout. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export class WsClient {
  readonly messages: Msg[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Msg);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  static open(url: string, options: { token?: string; headers?: Record<string, string> } = {}): Promise<WsClient> {
    const headers = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`HTTP ${res.statusCode}`));
      });
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Removes and returns the first buffered message matching `pred`, waiting for it if needed. */
  async take(pred: (m: Msg) => boolean, timeoutMs = 5000, what = 'a message'): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i !== -1) return this.messages.splice(i, 1)[0] as Msg;
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) throw new Error(`no ${what} within ${timeoutMs} ms (closed: ${JSON.stringify(this.closed)}; have ${JSON.stringify(this.messages).slice(0, 500)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  result(id: string, timeoutMs = 5000): Promise<Msg> {
    return this.take((m) => m.type === 'result' && m.id === id, timeoutMs, `result for ${id}`);
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await until(() => this.closed !== null, 'the socket to close', timeoutMs);
    return this.closed as { code: number; reason: string };
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export interface SseMessage {
  type: string;
  id: string;
  data: unknown;
}

/** An EventSource (the `eventsource` package) that sends a bearer token and optionally Last-Event-ID. */
export function openSse(url: string, options: { token?: string; lastEventId?: string } = {}) {
  const got: SseMessage[] = [];
  const es = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : {}),
        },
      }),
  });
  for (const type of ['event', 'alert', 'gap', 'dropped', 'close']) {
    es.addEventListener(type, (e) => got.push({ type, id: e.lastEventId, data: JSON.parse(e.data) as unknown }));
  }
  const opened = new Promise<void>((resolve, reject) => {
    es.addEventListener('open', () => resolve());
    es.addEventListener('error', (e) => reject(new Error(`EventSource error: ${String((e as { message?: string }).message)}`)));
  });
  return { es, got, opened };
}

export async function ingest(app: LiveTestApp, key: string, events: unknown): Promise<void> {
  const res = await fetch(`${app.http}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
}
