/** A runaway query is interrupted at the query timeout: 503 QUERY_TIMEOUT, and the process keeps serving. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { IngestKeys } from '../../../src/auth/ingest-keys.js';
import { signToken } from '../../../src/auth/jwt.js';
import { QueryEngine } from '../../../src/engine/query-engine.js';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import { loadCatalog } from '../../../src/model/load.js';
import { DuckDbStore } from '../../../src/store/duckdb/duckdb-store.js';
import { SHOP_MODEL, TEST_JWT } from '../../fixtures/app.js';

const TIMEOUT_MS = 300;
/** Many seconds of work for DuckDB unless interrupted. */
const RUNAWAY = 'SELECT count(*) AS n FROM range(100000000) a, range(100000) b WHERE a.range + b.range = $1';

let app: FastifyInstance;
let store: DuckDbStore;
let headers: Record<string, string>;

beforeAll(async () => {
  const catalog = await loadCatalog([SHOP_MODEL]);
  store = await DuckDbStore.open({ path: ':memory:' });
  await store.migrate(catalog);
  const engine = new QueryEngine(store, catalog, { queryTimeoutMs: TIMEOUT_MS });
  const ingest = new IngestService(store, catalog, { maxBatchEvents: 1000 });
  app = await buildApp({ store, engine, ingest, keys: new IngestKeys(store), jwt: TEST_JWT, bodyLimitBytes: 1 << 20, rateLimitPrefix: `qt-${Date.now()}` });
  // A view-like route that runs its own SQL through the engine, as dashboard views do.
  app.post('/api/v1/test/runaway', { config: { permission: 'query:read' } }, async () => engine.runSql(RUNAWAY, [7]));
  await app.ready();
  headers = { authorization: `Bearer ${await signToken(TEST_JWT, { sub: 'a', org: 'acme', role: 'analyst', actor: null }, 3600)}` };
});

afterAll(async () => {
  await app.close();
  await store.close();
});

describe('query timeout', () => {
  it('cuts a runaway query at the timeout with 503 QUERY_TIMEOUT, then serves the next requests', async () => {
    const started = performance.now();
    const cut = await app.inject({ method: 'POST', url: '/api/v1/test/runaway', headers });
    const took = performance.now() - started;
    expect(cut.statusCode).toBe(503);
    expect(cut.json()).toMatchObject({ code: 'QUERY_TIMEOUT', status: 503 });
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(took).toBeLessThan(5_000);

    const next = await app.inject({ method: 'POST', url: '/api/v1/query', headers, payload: { metrics: ['count'], timeRange: { preset: '7d' } } });
    expect(next.statusCode).toBe(200);
    expect((await app.inject('/health/ready')).statusCode).toBe(200);

    // Several at once (more than the read pool): each is cut, none poisons a pooled connection.
    const many = await Promise.all(Array.from({ length: 5 }, () => app.inject({ method: 'POST', url: '/api/v1/test/runaway', headers })));
    expect(many.map((r) => r.statusCode)).toEqual([503, 503, 503, 503, 503]);
    const after = await Promise.all(Array.from({ length: 4 }, () => app.inject({ method: 'POST', url: '/api/v1/query', headers, payload: { metrics: ['count'] } })));
    expect(after.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);

    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/tally_query_duration_seconds_count\{kind="sql",outcome="timeout"\} 6/);
  });
});
