/**
 * `npm run bench:live`: push latency of live queries. N WebSocket clients (1,000 and 5,000, in a
 * child process on the other core) subscribe one shared query on a real Tally server; each round
 * ingests one event and measures, per client, ingest acknowledged → updated result received.
 * In the same run a bare `ws` server broadcasts a payload of the same size to N clients (the
 * trigger's acknowledgement → receipt, measured the same way): the floor for "send one message to
 * N sockets" on this machine. Target: Tally p99 ≤ 1.25 × bare p99 + the coalescing interval.
 * Memory per idle connection = server RSS delta / N after connecting and subscribing (after GC).
 *
 * Needs file descriptors for 2 × 5,000 sockets per process: `ulimit -n 12000` if yours is lower.
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { buildApp } from '../src/app.js';
import { IngestKeys } from '../src/auth/ingest-keys.js';
import { signToken } from '../src/auth/jwt.js';
import { defaultOpsConfig } from '../src/config/ops.js';
import type { StoredEvent } from '../src/domain/event.js';
import { QueryEngine } from '../src/engine/query-engine.js';
import { IngestService } from '../src/ingest/ingest-service.js';
import { defaultModelPaths, loadCatalog } from '../src/model/load.js';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.js';
import { int, mib, ms, progress, ratio } from './lib/format.js';
import { machineMarkdown } from './lib/machine.js';
import { markdownTable, replaceSection } from './lib/markdown.js';
import { percentileOfSorted } from './lib/stats.js';
import type { ChildMessage, ClientsRequest, ParentMessage } from './workers/live-clients.js';

const ORG = 'bench';
const SIZES = (process.env["LIVE_SIZES"] ?? "1000,5000").split(",").map(Number);
const ROUNDS = 20;
const PAUSE_MS = 300;
const INTERVAL_MS = 250;
const SEED_EVENTS = 50_000;
const QUERY = { metrics: ['count', 'count_distinct(actor)'], timeRange: { preset: '24h' }, granularity: '1h' };
const JWT = { secret: 'bench-live-secret-0123456789-0123456789', issuer: null, audience: null };

interface Side {
  p50: number;
  p99: number;
  samples: number;
  missed: number;
  frameBytes: number;
  connectMs: number;
  rssPerConnection: number;
  heapPerConnection: number;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) for (let i = 0; i < 3; i++) g();
}

async function settledMemory(): Promise<{ rss: number; heap: number }> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external };
}

function seedEvents(now: number): StoredEvent[] {
  const names = ['page.viewed', 'product.viewed', 'cart.added', 'payment.completed'];
  return Array.from({ length: SEED_EVENTS }, (_, i) => ({
    event: names[i % names.length] as string,
    timestamp: now - Math.floor((i / SEED_EVENTS) * 23 * 3_600_000),
    actor: `u_${i % 2000}`,
    id: null,
    props: {},
  }));
}

class Clients {
  private readonly waiting: Array<(m: ChildMessage) => void> = [];
  constructor(private readonly child: ChildProcess) {
    child.on('message', (m: ChildMessage) => this.waiting.shift()?.(m));
  }
  static start(): Clients {
    const script = fileURLToPath(new URL('./workers/live-clients.ts', import.meta.url));
    return new Clients(fork(script, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }
  ask<T extends ChildMessage['type']>(message: ParentMessage, expect: T): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.waiting.push((m) => (m.type === expect ? resolve(m as Extract<ChildMessage, { type: T }>) : reject(new Error(`expected ${expect}, got ${m.type}`))));
      this.child.send(message);
    });
  }
  stop(): void {
    this.child.send({ type: 'exit' } satisfies ParentMessage);
  }
}

/** The bare baseline: ws.send of one JSON string to every client, triggered by an HTTP POST. */
async function bareServer(payload: unknown): Promise<{ wsUrl: string; triggerUrl: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const trigger = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end('{}');
      setImmediate(() => {
        const text = JSON.stringify(payload);
        for (const client of wss.clients as Set<WebSocket>) client.send(text);
      });
    });
  });
  await new Promise<void>((resolve) => trigger.listen(0, '127.0.0.1', resolve));
  return {
    wsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    triggerUrl: `http://127.0.0.1:${(trigger.address() as AddressInfo).port}/broadcast`,
    close: async () => {
      await new Promise((resolve) => trigger.close(resolve));
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

async function measure(clients: Clients, request: ClientsRequest): Promise<Side> {
  const before = await settledMemory();
  const connected = await clients.ask({ type: 'run', request }, 'connected');
  const after = await settledMemory();
  const rounds = await clients.ask({ type: 'measure-rounds' }, 'rounds');
  await clients.ask({ type: 'close' }, 'closed');
  const sorted = rounds.latencies.sort((a, b) => a - b);
  return {
    p50: percentileOfSorted(sorted, 0.5),
    p99: percentileOfSorted(sorted, 0.99),
    samples: sorted.length,
    missed: rounds.missed,
    frameBytes: rounds.frameBytes,
    connectMs: connected.connectMs,
    rssPerConnection: (after.rss - before.rss) / request.n,
    heapPerConnection: (after.heap - before.heap) / request.n,
  };
}

async function main(): Promise<void> {
  if (!(globalThis as { gc?: () => void }).gc) progress('run with node --expose-gc (npm run bench:live does) for steadier memory numbers');
  const catalog = await loadCatalog(defaultModelPaths());
  const store = await DuckDbStore.open({ path: ':memory:' });
  await store.migrate(catalog);
  await store.append(ORG, seedEvents(Date.now()));
  const engine = new QueryEngine(store, catalog);
  const ingest = new IngestService(store, catalog, { maxBatchEvents: 10_000 });
  const keys = new IngestKeys(store);
  const ops = { ...defaultOpsConfig(), rateLimits: { ...defaultOpsConfig().rateLimits, enabled: false } };
  const app = await buildApp({
    store, engine, ingest, keys, jwt: JWT, bodyLimitBytes: 1024 * 1024, ops,
    live: { settings: { maxConnectionsPerOrg: 20_000, maxConnections: 20_000 } },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const token = await signToken(JWT, { sub: 'bench', org: ORG, role: 'viewer' }, 3600);
  const key = (await keys.create(ORG, 'bench')).key;
  const sample = await engine.run(QUERY as never, { org: ORG });
  const bare = await bareServer({ type: 'result', id: 's', data: sample });
  const clients = Clients.start();

  // Warm-up (JIT, buffer pools, DuckDB caches), not reported: the first measured size would pay for it.
  const tallyRequest = (n: number, rounds: number): ClientsRequest => ({
    kind: 'tally', wsUrl: `${address.replace('http', 'ws')}/api/v1/ws`, token, subscribe: QUERY,
    triggerUrl: `${address}/api/v1/events`, triggerHeaders: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    triggerBody: JSON.stringify({ event: 'page.viewed', actor: 'bench' }), n, rounds, pauseMs: PAUSE_MS,
  });
  const bareRequest = (n: number, rounds: number): ClientsRequest => ({
    kind: 'bare', wsUrl: bare.wsUrl, token: null, subscribe: null, triggerUrl: bare.triggerUrl, triggerHeaders: {}, triggerBody: '{}', n, rounds, pauseMs: PAUSE_MS,
  });
  progress('warming up');
  await measure(clients, tallyRequest(500, 5));
  await measure(clients, bareRequest(500, 5));

  const rows: string[][] = [];
  const results: Array<{ n: number; tally: Side; bare: Side }> = [];
  for (const n of SIZES) {
    progress(`${int(n)} clients: Tally`);
    const tally = await measure(clients, tallyRequest(n, ROUNDS));
    progress(`${int(n)} clients: bare ws`);
    const base = await measure(clients, bareRequest(n, ROUNDS));
    results.push({ n, tally, bare: base });
    const target = 1.25 * base.p99 + INTERVAL_MS;
    rows.push([
      int(n), `${int(tally.frameBytes)} B`, ms(tally.p50), ms(tally.p99), ms(base.p50), ms(base.p99), ratio(tally.p99 / base.p99),
      `${ms(target)} ${tally.p99 <= target ? '✅' : '❌'}`, kib(tally.rssPerConnection), kib(tally.heapPerConnection), kib(base.rssPerConnection), kib(base.heapPerConnection),
      String(tally.missed + base.missed),
    ]);
    console.log(JSON.stringify({ n, tally, bare: base }));
  }
  clients.stop();
  await bare.close();
  await app.close();
  await store.close();

  const table = markdownTable(
    ['clients', 'frame', 'Tally p50', 'Tally p99', 'bare p50', 'bare p99', 'p99 ratio', 'target p99', 'Tally RSS / conn', 'Tally heap / conn', 'bare RSS / conn', 'bare heap / conn', 'missed'],
    rows,
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
  const body = `## Live push latency (\`npm run bench:live\`)

${machineMarkdown()}

One query (\`count\`, \`count_distinct(actor)\` over \`24h\` by \`1h\`, ${int(SEED_EVENTS)} events) shared by N WebSocket
subscribers with a coalescing interval of ${INTERVAL_MS} ms; the clients run in a child process (the other core). Each of
${ROUNDS} rounds ingests one event over HTTP and measures, per client, **ingest acknowledged → updated result received**
(engine recomputation, one serialization, fan-out). **bare** is a plain \`ws\` server in the same process sending a
JSON string of the same size to the same number of clients, measured the same way (trigger acknowledged → received).
Target: Tally p99 ≤ 1.25 × bare p99 + interval. Memory per idle connection: the server's RSS (and V8 heap + external)
after N clients connected and subscribed minus before, divided by N (after GC${(globalThis as { gc?: () => void }).gc ? '' : ' — not available in this run'});
RSS moves in allocator-sized steps, so the heap figure is the steadier one. Latencies include the client process
reading N frames one after the other, the same for both columns; on a busy machine both grow together.

${table}
`;
  await replaceSection('live', body);
  progress(`written to docs/benchmarks.md (${mib(process.memoryUsage().rss)} RSS at the end)`);
  process.exit(results.every((r) => r.tally.missed === 0) ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
