/**
 * Graceful shutdown over a real socket: an ingest request in flight when the signal arrives
 * completes and its events are durable; new connections are refused; past the timeout the
 * remaining connections are cut and the exit code says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppendResult, StoredEvent } from '../../../src/domain/event.js';
import { loadCatalog } from '../../../src/model/load.js';
import { gracefulShutdown } from '../../../src/ops/shutdown.js';
import { DuckDbStore } from '../../../src/store/duckdb/duckdb-store.js';
import type { Store } from '../../../src/store/port.js';
import { createTestApp, SHOP_MODEL } from '../../fixtures/app.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Appends wait at a gate the test opens, so a request is provably in flight. */
function gated(inner: Store): { store: Store; entered: Promise<void>; open: () => void } {
  let signalEntered: () => void = () => {};
  const entered = new Promise<void>((resolve) => (signalEntered = resolve));
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  const store: Store = {
    dialect: inner.dialect,
    migrate: (c) => inner.migrate(c),
    append: async (org: string, events: readonly StoredEvent[]): Promise<AppendResult> => {
      signalEntered();
      await gate;
      return inner.append(org, events);
    },
    query: (sql, params, options) => inner.query(sql, params, options),
    stream: (sql, params, options) => inner.stream(sql, params, options),
    execute: (sql, params) => inner.execute(sql, params),
    eraseActor: (org, actor) => inner.eraseActor(org, actor),
    expireEvents: (latest, beforeFor) => inner.expireEvents(latest, beforeFor),
    largestActorKey: () => inner.largestActorKey(),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return { store, entered, open };
}

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'tally-shutdown-'));
  dirs.push(dir);
  const path = join(dir, 'tally.duckdb');
  const catalog = await loadCatalog([SHOP_MODEL]);
  const inner = await DuckDbStore.open({ path });
  await inner.migrate(catalog);
  const g = gated(inner);
  const t = await createTestApp({ store: g.store, cache: false, rateLimitPrefix: `sd-${Math.random()}` });
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const key = await t.ingestKey('acme');
  return { t, g, url, key, path, catalog, inner };
}

const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ event: 'page.viewed', id: `e${i}`, props: { page: '/home' } }));

describe('graceful shutdown', () => {
  it('finishes an in-flight ingest, refuses new connections, closes the store: nothing accepted is lost', async () => {
    const { t, g, url, key, path, catalog, inner } = await setup();
    const exit = vi.fn();
    const inFlight = fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch(100)),
    });
    await g.entered;
    const closing = gracefulShutdown(t.app, { timeoutMs: 10_000, exit })('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    g.open();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 100, duplicates: 0 });
    await closing;
    expect(exit).toHaveBeenCalledWith(0);
    // What `tally serve` does in its onClose hook, once the server has drained.
    await inner.close();

    const reopened = await DuckDbStore.open({ path });
    try {
      await reopened.migrate(catalog);
      const rows = await reopened.query("SELECT count(*) AS n FROM events WHERE org_id = 'acme'", []);
      expect(rows[0]?.['n']).toBe(100);
    } finally {
      await reopened.close();
    }
  });

  it('app.close() ends when the last request does, though its connection is kept alive', async () => {
    const { t, g, url, key, inner } = await setup();
    // An idle kept-alive connection would now hold a plain close for ten minutes.
    t.app.server.keepAliveTimeout = 600_000;
    const inFlight = fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'keep-alive' },
      body: JSON.stringify(batch(2)),
    });
    await g.entered;
    const closing = t.app.close();
    g.open();
    expect((await inFlight).status).toBe(200);
    // Within the test's timeout, not the keep-alive's: the connection is closed once it turns idle.
    await closing;
    await inner.close();
  });

  it('cuts connections still busy after the timeout and exits non-zero', async () => {
    const { t, g, url, key, inner } = await setup();
    const exit = vi.fn();
    const stuck = fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch(3)),
    });
    await g.entered;
    const shutdown = gracefulShutdown(t.app, { timeoutMs: 200, exit });
    const closing = shutdown('SIGTERM');
    await expect(stuck).rejects.toThrow();
    // The store work under the cut request still finishes before the store closes.
    g.open();
    await closing;
    await inner.close();
    expect(exit).toHaveBeenCalledWith(1);
    // A second signal exits at once.
    await shutdown('SIGINT');
    expect(exit).toHaveBeenLastCalledWith(1);
  });
});
