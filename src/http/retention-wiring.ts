/**
 * Runs the retention sweep (ingest/retention-sweeper.ts) for the app's lifetime: from onReady to
 * preClose, logging through the app's logger. It deletes through the ingest service, whose
 * listeners drop the cached answers over the deleted span and recompute the live queries that
 * read it (on every instance, through Redis when configured).
 */
import type { FastifyInstance } from 'fastify';
import type { RetentionPolicy } from '../domain/retention.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { RetentionSweeper } from '../ingest/retention-sweeper.js';

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

export function wireRetention(app: FastifyInstance, ingest: Pick<IngestService, 'expireEvents'>, options: RetentionAppOptions | undefined): void {
  if (!options?.policy.enabled) {
    app.decorate('retentionSweeper', null);
    return;
  }
  const sweeper = new RetentionSweeper({
    ingest,
    policy: options.policy,
    intervalMs: options.sweepIntervalMs,
    log: app.log,
    ...(options.now ? { now: options.now } : {}),
  });
  app.decorate('retentionSweeper', sweeper);
  app.addHook('onReady', async () => sweeper.start());
  app.addHook('preClose', async () => sweeper.stop());
}
