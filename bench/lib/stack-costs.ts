/**
 * What each part of the production stack adds to one reply of the hit lane, measured one part at
 * a time in this process (bench:middleware's breakdown): the same components the lane calls, with
 * the production settings, no sockets. Each part runs in timed batches after a warm-up; the
 * median batch is reported, so a busy neighbour on the host inflates one batch, not the figure.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import type { OutgoingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { pino } from 'pino';
import type { DestinationStream, LoggerOptions } from 'pino';
import type { OpsConfig } from '../../src/config/ops.js';
import { defaultOpsConfig } from '../../src/config/ops.js';
import { accessLogger, requestIdFrom } from '../../src/http/plugins/request-id.js';
import { loggerOptions } from '../../src/ops/logger.js';
import { counterFactory } from '../../src/ops/rate-limit/counters.js';
import { RateLimiter } from '../../src/ops/rate-limit/rate-limiter.js';
import { Telemetry } from '../../src/ops/telemetry.js';

/**
 * Production settings, with query budgets one token cannot use up in a run: the limiter still
 * does its full work on every request, it just never says no (bench:middleware's apps too).
 */
export function withUnreachableQueryBudgets(ops: OpsConfig): OpsConfig {
  const unreachable = { org: 100_000_000, credential: 100_000_000, ip: 100_000_000, windowSeconds: 60 };
  return { ...ops, rateLimits: { ...ops.rateLimits, classes: { ...ops.rateLimits.classes, query: unreachable } } };
}

export interface StackCost {
  part: string;
  /** Per reply, µs. */
  micros: number;
}

const BATCHES = 7;
const BATCH_MS = 150;

/** Median µs per operation of `run(n)` (which performs n operations), over timed batches. */
async function perOperation(run: (n: number) => void | Promise<void>): Promise<number> {
  let n = 1_000;
  // Warm-up, and a batch size that takes about BATCH_MS.
  for (;;) {
    const started = performance.now();
    await run(n);
    const took = performance.now() - started;
    if (took >= BATCH_MS / 2) {
      n = Math.max(1, Math.round((n * BATCH_MS) / took));
      break;
    }
    n *= 4;
  }
  const samples: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const started = performance.now();
    await run(n);
    samples.push(((performance.now() - started) * 1000) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/** Node writing a reply head with these headers (a fresh response each time, as per request). */
function headWriter(headers: OutgoingHttpHeaders): (n: number) => void {
  const req = new IncomingMessage(new Socket());
  return (n) => {
    for (let i = 0; i < n; i++) new ServerResponse(req).writeHead(200, { ...headers });
  };
}

/**
 * `heads`: the headers the lane sent with the stack on and off (as captured from real replies,
 * without the Date/Connection/Keep-Alive Node adds to both).
 */
export async function measureStackCosts(heads: { on: OutgoingHttpHeaders; off: OutgoingHttpHeaders }): Promise<StackCost[]> {
  const costs: StackCost[] = [];
  const extra = Object.keys(heads.on).length - Object.keys(heads.off).length;
  const headOn = await perOperation(headWriter(heads.on));
  const headOff = await perOperation(headWriter(heads.off));
  costs.push({ part: `the stack's ${extra} more reply headers, written by Node (writeHead: ${headOff.toFixed(2)} µs off, ${headOn.toFixed(2)} µs on)`, micros: headOn - headOff });

  // The access line as `tally serve` writes it: template, batched destination (here /dev/null).
  const { stream, ...options } = loggerOptions({ logLevel: 'info' }, '/dev/null') as LoggerOptions & { stream: DestinationStream };
  const log = accessLogger(pino(options, stream));
  const route = log.prepare({ method: 'GET', route: '/api/v1/dashboard/summary', path: '/api/v1/dashboard/summary', org: 'bench' });
  costs.push({
    part: 'the access line (template, batched writes)',
    micros: await perOperation((n) => {
      for (let i = 0; i < n; i++) log.writeRoute(route, '3f1e2d4c-1111-2222-3333-444455556666', undefined, 200, (i % 100) / 100, '127.0.0.1', false);
    }),
  });

  // Rate limits with the production classes and in-memory counters, one caller, checks arriving in
  // turns of 10 (the lane decides a turn's checks together).
  const limiter = new RateLimiter(withUnreachableQueryBudgets(defaultOpsConfig()).rateLimits, counterFactory(null), { prefix: 'bench-costs' });
  const plan = limiter.plan('query', { org: 'bench', credential: 'user:bench', ip: '127.0.0.1' });
  const TURN = 10;
  costs.push({
    part: `the rate-limit check (turns of ${TURN} requests of one caller, in-memory counters)`,
    micros: await perOperation(async (n) => {
      for (let done = 0; done < n; done += TURN) {
        await new Promise<void>((resolve) => {
          let left = TURN;
          for (let i = 0; i < TURN; i++) limiter.decide(plan, () => --left === 0 && resolve());
        });
      }
    }),
  });

  // Request id, X-Response-Time, the request's metrics and /system statistics.
  const telemetry = new Telemetry();
  const recorder = telemetry.requestRecorder('GET', '/api/v1/dashboard/summary');
  const req = new IncomingMessage(new Socket());
  let sink = 0;
  costs.push({
    part: 'request id, X-Response-Time, metrics and /system statistics',
    micros: await perOperation((n) => {
      for (let i = 0; i < n; i++) {
        const started = performance.now();
        const id = requestIdFrom(req);
        const elapsed = performance.now() - started;
        sink += id.length + `${elapsed.toFixed(2)}ms`.length;
        recorder.record(200, elapsed);
      }
    }),
  });
  telemetry.stop();
  if (sink < 0) console.log(sink);
  return costs;
}
