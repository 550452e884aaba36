/**
 * Runs the retention sweep (ingest/retention-sweeper.ts) for the app's lifetime: from onReady to
 * preClose, logging through the app's logger; every org that lost events has its cached answers
 * over the deleted span dropped (on every instance, through Redis when configured).
 */
import type { FastifyInstance } from 'fastify';
import type { TallyCache } from '../cache/tally-cache.js';
import type { RetentionPolicy } from '../domain/retention.js';
import { RetentionSweeper } from '../ingest/retention-sweeper.js';
import type { Store } from '../store/port.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The retention sweep, when some org keeps less than forever (sweep() runs one now). */
    retentionSweeper: RetentionSweeper | null;
  }
}

export interface RetentionAppOptions {
  policy: RetentionPolicy;
  sweepIntervalMs: number;
  now?: () => number;
}

export function wireRetention(app: FastifyInstance, store: Store, cache: TallyCache | null, options: RetentionAppOptions | undefined): void {
  if (!options?.policy.enabled) {
    app.decorate('retentionSweeper', null);
    return;
  }
  const sweeper = new RetentionSweeper({
    store,
    policy: options.policy,
    intervalMs: options.sweepIntervalMs,
    log: app.log,
    ...(options.now ? { now: options.now } : {}),
    ...(cache ? { onExpired: (e) => cache.onExpired(e) } : {}),
  });
  app.decorate('retentionSweeper', sweeper);
  app.addHook('onReady', async () => sweeper.start());
  app.addHook('preClose', async () => sweeper.stop());
}
