/**
 * The PostgreSQL store as deployments use it: several instances (each its own PostgresStore, as
 * each process has) on one schema, and the `tally` process itself started with DATABASE_URL.
 * The suites that run the app on PostgreSQL are listed in vitest.config.ts (project `postgres`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import pg from 'pg';
import { arrayLiteral } from '../../src/store/postgres/array-literal.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/schema-migrations.js';
import { CONTRACT_PROPS, storeCatalog } from '../fixtures/store-catalog.js';
import { SHARED_PG_URL, dropSchema, testSchema } from '../fixtures/postgres.js';
import { waitUntilReady } from '../fixtures/http-ready.js';
import { dropPrefix, freePort, redisKeys, SHARED_REDIS_URL, testPrefix } from '../fixtures/redis.js';
import { redisNamespaces } from '../../src/config/redis.js';
import { RedisBus } from '../../src/live/bus/redis-bus.js';
import { openSse, until, WsClient } from './live/helpers.js';

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const schemas: string[] = [];

function freshSchema(name: string): string {
  const schema = testSchema(name);
  schemas.push(schema);
  return schema;
}

afterAll(async () => {
  await Promise.all(schemas.map((s) => dropSchema(s)));
});

function events(ids: readonly string[], props: StoredEvent['props'] = {}): StoredEvent[] {
  return ids.map((id, i) => ({ event: 'payment.completed', timestamp: T0 + i, actor: `u_${i % 7}`, id, props: { amount: i, ...props } }));
}

const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

describe('several instances on one PostgreSQL schema', () => {
  const open: PostgresStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  const instance = async (schema: string): Promise<PostgresStore> => {
    const store = await PostgresStore.open({ url: SHARED_PG_URL, schema, poolSize: 3 });
    open.push(store);
    return store;
  };

  it('start together: the schema is migrated once, and each sees the same tables', async () => {
    const schema = freshSchema('start');
    const [a, b, c] = await Promise.all([instance(schema), instance(schema), instance(schema)]);
    await Promise.all([a, b, c].map((s) => s.migrate(storeCatalog(CONTRACT_PROPS))));
    const versions = await a.query('SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version', []);
    expect(versions).toEqual(PG_MIGRATIONS.map(({ version }) => ({ version, n: 1 })));
    const columns = await b.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'events' AND column_name LIKE 'p\\_%' ORDER BY column_name`,
      [schema],
    );
    expect(columns.map((r) => r['column_name'])).toEqual(['p_amount', 'p_paid_at', 'p_plan', 'p_premium']);
  });

  it('store a repeated id once across instances, whichever sends it, even at the same moment', async () => {
    const schema = freshSchema('dedupe');
    const [a, b] = await Promise.all([instance(schema), instance(schema)]);
    await a.migrate(storeCatalog(CONTRACT_PROPS));
    await b.migrate(storeCatalog(CONTRACT_PROPS));
    // Ten requests per instance over ids 0..1499, every id sent by both instances.
    const sends = Array.from({ length: 10 }, (_, i) => [
      a.append('acme', events(range('e', i * 150, i * 150 + 150))),
      b.append('acme', events(range('e', i * 150, i * 150 + 150))),
    ]).flat();
    const results = await Promise.all(sends);
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(1500);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(1500);
    const stored = await b.query('SELECT count(*) AS n, count(DISTINCT id) AS ids FROM events WHERE org_id = $1', ['acme']);
    expect(stored).toEqual([{ n: 1500, ids: 1500 }]);
    // What one instance wrote, every other one reads at once (no cache between them and the store).
    const written = results.flatMap((r) => r.written.map((e) => e.id));
    expect(new Set(written).size).toBe(1500);
  });

  it('a prop declared by one instance is typed for all after they migrate', async () => {
    const schema = freshSchema('props');
    const [a, b] = await Promise.all([instance(schema), instance(schema)]);
    await Promise.all([a, b].map((s) => s.migrate(storeCatalog({ amount: 'number' }))));
    await b.append('acme', events(['old-1'], { tier: 'gold' }));
    const wider = storeCatalog({ amount: 'number', tier: 'string' }, 'v2');
    await a.migrate(wider);
    await b.migrate(wider);
    await b.append('acme', events(['new-1'], { tier: 'silver' }));
    const rows = await a.query('SELECT id, p_tier, extra FROM events WHERE org_id = $1 ORDER BY id', ['acme']);
    // The old event was backfilled from `extra` by the migration; the new one went to the column.
    expect(rows).toEqual([
      { id: 'new-1', p_tier: 'silver', extra: null },
      { id: 'old-1', p_tier: 'gold', extra: '{"tier": "gold"}' },
    ]);
  });
});

describe('array literals of the insert (array-literal.ts)', () => {
  it('round-trip every kind of value through PostgreSQL unchanged', async () => {
    const texts = ['plain', '', 'NULL', 'null', ' padded ', 'a,b', '{braces}', 'say "hi"', 'back\\slash', 'both \\"', "it's", 'ünïcødé ✓', 'line\nbreak', '\t', null];
    const numbers = [0, -1.5, 42, 1e21, 5e-324, -0.000123, 1795168800123, null];
    const flags = [true, false, null];
    const client = new pg.Client({ connectionString: SHARED_PG_URL });
    await client.connect();
    try {
      const read = async (literal: string, type: string): Promise<unknown[]> =>
        (await client.query<{ v: unknown }>(`SELECT unnest($1::${type}) AS v`, [literal])).rows.map((r) => r.v);
      expect(await read(arrayLiteral(texts), 'text[]')).toEqual(texts);
      expect(await read(arrayLiteral(numbers), 'float8[]')).toEqual(numbers);
      expect(await read(arrayLiteral(flags), 'boolean[]')).toEqual(flags);
      expect(await read(arrayLiteral([]), 'text[]')).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

describe('tally serve on DATABASE_URL', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const dir = mkdtempSync(path.join(tmpdir(), 'tally-pg-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps events in PostgreSQL: keys and tokens from the CLI, ingest and query over HTTP, a CLI import the cache and live clients see, Redis state under TALLY_REDIS_PREFIX, a clean stop', async () => {
    const schema = freshSchema('serve');
    const port = await freePort();
    const redisPrefix = testPrefix('pg-serve');
    const otherDeployment = testPrefix('pg-serve-other');
    onTestFinished(() => dropPrefix(redisPrefix));
    onTestFinished(() => dropPrefix(otherDeployment));
    const env = {
      REDIS_URL: SHARED_REDIS_URL,
      TALLY_REDIS_PREFIX: redisPrefix,
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: SHARED_PG_URL,
      TALLY_PG_SCHEMA: schema,
      TALLY_JWT_SECRET: 'pg-serve-secret-0123456789-0123456789',
      TALLY_EXPORT_DIR: path.join(dir, 'exports'),
      // Nothing may land in a DuckDB file: point it where no file can be created.
      TALLY_DB: '/dev/null/tally.duckdb',
      TALLY_PORT: String(port),
    };
    const cli = (args: string[]): string => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/entry.ts'), ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      return run.stdout.trim();
    };
    const key = cli(['keys', 'create', '--org', 'acme']);
    const token = cli(['token', '--org', 'acme', '--role', 'analyst']);
    const server = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/entry.ts'), 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitUntilReady(`${base}/health/ready`, () => stderr);
      const ready = (await (await fetch(`${base}/health/ready`)).json()) as { checks: { store: { status: string } } };
      expect(ready.checks.store.status).toBe('ok');

      const body = [0, 1, 2].map((i) => JSON.stringify({ id: `pg-${i}`, event: 'payment.completed', timestamp: new Date(Date.now() - 60_000 * (i + 1)).toISOString(), actor: `u${i}`, props: { amount: 10 * (i + 1), currency: 'EUR' } })).join('\n');
      const ingest = await fetch(`${base}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body });
      expect(ingest.status, await ingest.clone().text()).toBe(200);
      const again = await fetch(`${base}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body });
      expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 3 });

      const revenueQuery = () =>
        fetch(`${base}/api/v1/query`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ metrics: ['revenue', 'orders'], timeRange: { preset: '24h' } }),
        });
      const query = await revenueQuery();
      expect(query.status, await query.clone().text()).toBe(200);
      expect(((await query.json()) as { rows: Array<Record<string, unknown>> }).rows[0]).toMatchObject({ revenue: 60, orders: 3 });
      expect(((await (await revenueQuery()).json()) as { meta: { cache: { hit: boolean } } }).meta.cache.hit).toBe(true);

      // Live clients of the server: a live query and an event stream.
      const ws = await WsClient.open(`ws://127.0.0.1:${port}/api/v1/ws`, { token });
      onTestFinished(() => ws.close());
      ws.send({ type: 'subscribe', id: 'rev', query: { metrics: ['revenue'], timeRange: { preset: '24h' } }, interval: 0.1 });
      expect(((await ws.result('rev')).data as { rows: Array<Record<string, unknown>> }).rows[0]).toMatchObject({ revenue: 60 });
      const sse = openSse(`http://127.0.0.1:${port}/api/v1/stream`, { token });
      onTestFinished(() => sse.es.close());
      await sse.opened;

      // Another deployment on the same Redis (its own TALLY_REDIS_PREFIX) with an org of the same
      // name: what it publishes never reaches this deployment's clients.
      const foreign = { kind: 'appended' as const, org: 'acme', eventNames: ['foreign.event'], minTime: Date.now(), maxTime: Date.now(), count: 1, events: [{ event: 'foreign.event', timestamp: Date.now(), actor: 'x', id: null, props: {} }], origin: 'other' };
      const otherBus = await RedisBus.open({ url: SHARED_REDIS_URL, prefix: redisNamespaces(otherDeployment).liveBus });
      onTestFinished(() => otherBus.close());
      await otherBus.publish(foreign);

      // Imported while the server runs (PostgreSQL allows it): the server's cached answer is dropped
      // through Redis as the import commits, so the same query sees the new events at once; the live
      // query is pushed the new answer and the event stream hears of 2 events it does not carry.
      const file = path.join(dir, 'more.ndjson');
      writeFileSync(file, [3, 4].map((i) => JSON.stringify({ id: `pg-${i}`, event: 'payment.completed', timestamp: new Date(Date.now() - 60_000 * (i + 1)).toISOString(), actor: `u${i}`, props: { amount: 5, currency: 'EUR' } })).join('\n'));
      expect(cli(['import', file, '--org', 'acme'])).toMatch(/: 2 stored, 0 duplicates/);
      const afterImport = (await (await revenueQuery()).json()) as { rows: Array<Record<string, unknown>> };
      expect(afterImport.rows[0]).toMatchObject({ revenue: 70, orders: 5 });
      expect(((await ws.result('rev', 15_000)).data as { rows: Array<Record<string, unknown>> }).rows[0]).toMatchObject({ revenue: 70 });
      await until(() => sse.got.some((m) => m.type === 'dropped'), 'the import announced on the event stream', 15_000);
      expect(sse.got).toEqual([{ type: 'dropped', id: expect.any(String) as string, data: { count: 2 } }]);

      // The same message under this deployment's prefix does arrive (the check above can fail).
      const ownBus = await RedisBus.open({ url: SHARED_REDIS_URL, prefix: redisNamespaces(redisPrefix).liveBus });
      onTestFinished(() => ownBus.close());
      await ownBus.publish({ ...foreign, eventNames: ['own.event'], events: [{ ...foreign.events[0]!, event: 'own.event' }] });
      await until(() => sse.got.length === 2, 'the message published under the deployment prefix', 15_000);
      expect(sse.got.map((m) => (m.data as { event?: string }).event)).toEqual([undefined, 'own.event']);

      // Everything the process keeps in Redis is under its prefix: answers, rate-limit counters, live ids.
      const keys = await redisKeys(redisPrefix);
      for (const part of ['cache:', 'rl', 'live:seq:acme']) expect(keys.some((k) => k.startsWith(`${redisPrefix}${part}`)), `${part} in ${keys.join(', ')}`).toBe(true);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    // The rows are in the schema the process was given.
    const check = await PostgresStore.open({ url: SHARED_PG_URL, schema });
    try {
      expect(await check.query('SELECT count(*) AS n FROM events WHERE org_id = $1', ['acme'])).toEqual([{ n: 5 }]);
    } finally {
      await check.close();
    }
  });
});

