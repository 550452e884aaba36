/**
 * Child process of bench/live.ts: the WebSocket clients, on their own core. For one target (Tally
 * or the bare ws server) it opens N sockets, then per round triggers one update over HTTP (an
 * ingest, or the bare server's broadcast) and records, per client, the time from the trigger's
 * acknowledgement to the client's receipt of the update. Times are this process's own clock.
 */
import WebSocket from 'ws';

export interface ClientsRequest {
  kind: 'tally' | 'bare';
  wsUrl: string;
  token: string | null;
  /** Tally: subscribe this query on connect; bare: nothing to send. */
  subscribe: unknown;
  triggerUrl: string;
  triggerHeaders: Record<string, string>;
  triggerBody: string;
  n: number;
  rounds: number;
  pauseMs: number;
}

export type ParentMessage = { type: 'run'; request: ClientsRequest } | { type: 'measure-rounds' } | { type: 'close' } | { type: 'exit' };

export type ChildMessage =
  | { type: 'connected'; n: number; connectMs: number }
  | { type: 'rounds'; latencies: number[]; early: number; frameBytes: number; missed: number }
  | { type: 'closed' };

const CONNECT_BATCH = 200;
const ROUND_TIMEOUT_MS = 10_000;

let sockets: WebSocket[] = [];
/** Per socket: the time it last received an update, and how many it got. */
let received: Float64Array = new Float64Array(0);
let counts: Uint32Array = new Uint32Array(0);
let frameBytes = 0;
let request: ClientsRequest | null = null;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function open(i: number, r: ClientsRequest): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(r.wsUrl, { headers: r.token ? { authorization: `Bearer ${r.token}` } : {}, perMessageDeflate: false });
    let initial = r.kind === 'tally';
    ws.on('message', (data: Buffer) => {
      const now = performance.now();
      // Tally answers a subscription at once: that first result is not an update.
      if (initial) {
        const m = JSON.parse(data.toString()) as { type: string };
        if (m.type === 'result') {
          initial = false;
          resolve(ws);
        }
        return;
      }
      const m = JSON.parse(data.toString()) as { type?: string };
      if (r.kind === 'tally' && m.type !== 'result') return;
      received[i] = now;
      counts[i] = (counts[i] ?? 0) + 1;
      frameBytes = data.length;
    });
    ws.once('open', () => {
      if (r.kind === 'tally') ws.send(JSON.stringify({ type: 'subscribe', id: 's', query: r.subscribe, interval: 0.25 }));
      else resolve(ws);
    });
    ws.once('error', reject);
  });
}

async function connect(r: ClientsRequest): Promise<void> {
  request = r;
  received = new Float64Array(r.n);
  counts = new Uint32Array(r.n);
  const started = performance.now();
  sockets = [];
  for (let i = 0; i < r.n; i += CONNECT_BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, r.n - i) }, (_, j) => open(i + j, r)));
    sockets.push(...batch);
  }
  send({ type: 'connected', n: sockets.length, connectMs: performance.now() - started });
}

async function rounds(): Promise<void> {
  const r = request as ClientsRequest;
  const latencies: number[] = [];
  let early = 0;
  let missed = 0;
  for (let round = 0; round < r.rounds; round++) {
    await new Promise((resolve) => setTimeout(resolve, r.pauseMs));
    const want = round + 1;
    const res = await fetch(r.triggerUrl, { method: 'POST', headers: r.triggerHeaders, body: r.triggerBody });
    const ack = performance.now();
    if (!res.ok) throw new Error(`trigger failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    const deadline = ack + ROUND_TIMEOUT_MS;
    while (counts.some((c) => c < want) && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < r.n; i++) {
      if ((counts[i] ?? 0) < want) {
        missed++;
        counts[i] = want;
        continue;
      }
      const t = (received[i] ?? 0) - ack;
      // Delivered before this process handled the acknowledgement: counts as 0.
      if (t < 0) early++;
      latencies.push(Math.max(0, t));
    }
  }
  send({ type: 'rounds', latencies, early, frameBytes, missed });
}

async function close(): Promise<void> {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
  sockets = [];
  send({ type: 'closed' });
}

process.on('message', (message: ParentMessage) => {
  const work =
    message.type === 'run' ? connect(message.request) : message.type === 'measure-rounds' ? rounds() : message.type === 'close' ? close() : Promise.resolve(process.exit(0));
  work.catch((err: unknown) => {
    console.error('live-clients failed', err);
    process.exit(1);
  });
});
