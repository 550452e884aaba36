/**
 * A client that goes away mid-export stops the work. Over a real socket the connection is
 * destroyed after the first chunk, for both ways a raw CSV is produced:
 * - rows through JavaScript: the store statement's abort signal fires and its row stream ends
 *   well before the last row;
 * - DuckDB-rendered parts (native text): no further part is COPY'd and no temp file is left.
 * Either way the user's export slot is free again and the server keeps serving.
 */
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SqlParam, SqlRow, StreamOptions } from '../../../src/store/port.js';
import type { TestApp } from '../../fixtures/app.js';
import { fixtureEvents } from '../../fixtures/events.js';
import { exportApp, ORG, RANGE } from './setup.js';

const EVENTS = 150_000;
const WINDOW = 1_250;

interface Watch {
  calls: Array<{ copy: boolean; signal: AbortSignal | undefined }>;
  rows: number;
  open: number;
}

/** Wraps store.stream: records each statement, the rows it yielded, and how many are still open. */
function watchStream(t: TestApp): Watch {
  const watch: Watch = { calls: [], rows: 0, open: 0 };
  const original = t.store.stream.bind(t.store);
  vi.spyOn(t.store, 'stream').mockImplementation((sql: string, params: readonly SqlParam[], options?: StreamOptions) => {
    watch.calls.push({ copy: sql.startsWith('COPY'), signal: options?.signal });
    return (async function* (): AsyncGenerator<SqlRow[]> {
      watch.open++;
      try {
        for await (const chunk of original(sql, params, options)) {
          watch.rows += chunk.length;
          yield chunk;
        }
      } finally {
        watch.open--;
      }
    })();
  });
  return watch;
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Starts a raw CSV export and resolves at its first chunk, with a way to hang up. */
function startExport(port: number, token: string): Promise<{ status: number; firstChunk: number; destroy: () => void }> {
  const body = JSON.stringify({ format: 'csv', raw: { timeRange: RANGE, order: 'none' } });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/exports', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.once('data', (chunk: Buffer) => {
          res.pause();
          resolve({ status: res.statusCode ?? 0, firstChunk: chunk.length, destroy: () => req.destroy() });
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET') reject(err);
    });
    req.end(body);
  });
}

describe.each([
  ['rows through JavaScript', false],
  ['DuckDB-rendered parts', true],
])('client disconnect, %s', (_label, nativeText) => {
  let t: TestApp;
  let token: string;
  let port: number;

  beforeAll(async () => {
    t = await exportApp({ exports: { chunkRows: 512, windowRows: WINDOW, nativeText } });
    await t.seed(ORG, fixtureEvents(EVENTS, 3));
    token = await t.token(ORG, 'analyst');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  it('destroying the connection after the first chunk stops the store work and frees the slot', async () => {
    const watch = watchStream(t);
    const started = await startExport(port, token);
    expect(started.status).toBe(200);
    expect(started.firstChunk).toBeGreaterThan(0);
    started.destroy();

    // Every statement started got an abort signal that fired, and none is left running.
    await until(() => watch.calls.length > 0 && watch.calls.every((c) => c.signal?.aborted === true) && watch.open === 0);
    const windows = Math.ceil(EVENTS / (4 * WINDOW));
    if (nativeText) {
      // Backpressure held the look-ahead: far fewer parts than the export has were ever COPY'd.
      expect(watch.calls.filter((c) => c.copy).length).toBeLessThan(windows / 2);
      const dir = t.exports?.directory as string;
      const leftovers = async (): Promise<string[]> => (await readdir(dir)).filter((f) => f.startsWith('.tmp-'));
      for (let i = 0; i < 200 && (await leftovers()).length > 0; i++) await sleep(25);
      expect(await leftovers()).toEqual([]);
    } else {
      expect(watch.calls.every((c) => !c.copy)).toBe(true);
      expect(watch.rows).toBeLessThan(EVENTS / 2);
    }
    vi.restoreAllMocks();

    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/exports',
      headers: { authorization: `Bearer ${token}` },
      payload: { format: 'ndjson', raw: { timeRange: RANGE, columns: ['time'], events: ['page.viewed'] } },
    });
    expect(again.statusCode).toBe(200);
    expect(again.body.trim().split('\n').length).toBeGreaterThan(1000);
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});
