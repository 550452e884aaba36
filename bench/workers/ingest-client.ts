/**
 * The HTTP load generator for bench/ingest.ts, in its own process so the client's work does not
 * run on the server's event loop. Pre-builds every body, warms up, then POSTs with a fixed
 * concurrency and reports the time from the first send to the last 200.
 */
import { ingestBatches, toNdjson } from '../lib/ingest-events.js';
import { summarize } from '../lib/stats.js';
import type { Summary } from '../lib/stats.js';

export interface ClientRequest {
  url: string;
  key: string;
  withIds: boolean;
  requests: number;
  warmup: number;
  concurrency: number;
  end: number;
}

export interface ClientResult {
  elapsedMs: number;
  events: number;
  accepted: number;
  duplicates: number;
  bodyBytes: number;
  latency: Summary;
}

interface Reply {
  accepted: number;
  duplicates: number;
}

async function post(request: ClientRequest, body: string): Promise<Reply> {
  const res = await fetch(request.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${request.key}`, 'content-type': 'application/x-ndjson' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /events answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Reply;
}

async function blast(request: ClientRequest, bodies: readonly string[], latencies: number[]): Promise<Reply> {
  let next = 0;
  const total: Reply = { accepted: 0, duplicates: 0 };
  const lane = async (): Promise<void> => {
    for (let i = next++; i < bodies.length; i = next++) {
      const t0 = performance.now();
      const reply = await post(request, bodies[i] as string);
      latencies.push(performance.now() - t0);
      total.accepted += reply.accepted;
      total.duplicates += reply.duplicates;
    }
  };
  await Promise.all(Array.from({ length: request.concurrency }, lane));
  return total;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as ClientRequest;
  const batches = ingestBatches(request.end);
  const count = request.warmup + request.requests;
  // Without ids the distinct bodies are reused; with ids every request gets fresh ones.
  const distinct = request.withIds ? [] : batches.map((b) => toNdjson(b, false));
  const bodies = Array.from({ length: count }, (_, i) =>
    request.withIds ? toNdjson(batches[i % batches.length] ?? [], true) : (distinct[i % distinct.length] as string),
  );
  await blast(request, bodies.slice(0, request.warmup), []);
  const measured = bodies.slice(request.warmup);
  const latencies: number[] = [];
  const t0 = performance.now();
  const reply = await blast(request, measured, latencies);
  const elapsedMs = performance.now() - t0;
  const events = measured.reduce((n, b) => n + (b.split('\n').length - 1), 0);
  const result: ClientResult = {
    elapsedMs,
    events,
    accepted: reply.accepted,
    duplicates: reply.duplicates,
    bodyBytes: Math.round(measured.reduce((n, b) => n + Buffer.byteLength(b), 0) / measured.length),
    latency: summarize(latencies),
  };
  process.send?.(result, undefined, {}, () => process.disconnect());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
