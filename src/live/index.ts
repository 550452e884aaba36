/**
 * live/: pushes answers and events to clients as data arrives.
 *
 *   ingest ──notice──► bus (memory | Redis pub/sub) ──► LiveHub on every instance
 *                                                        ├─► QueryRegistry → QueryGroup (engine.run, coalesced) → WS results
 *                                                        ├─► raw events → WS event subscriptions, SSE streams, replay buffer
 *                                                        └─► AlertEvaluator (origin instance) → alert on the bus → WS/SSE, webhook
 *
 * The live module reads analytics only through the engine; alert rules and firings are metadata
 * tables (alert-repository.ts). createLive wires it; buildApp attaches it to ingest and routes.
 */
import type { LiveSettings } from '../config/live.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Catalog } from '../model/types.js';
import { AlertEvaluator } from './alerts/alert-evaluator.js';
import type { MetadataStore } from './alerts/alert-repository.js';
import { AlertRepository } from './alerts/alert-repository.js';
import { AlertService } from './alerts/alert-service.js';
import type { DeliveryOptions } from './alerts/webhook-delivery.js';
import { DEFAULT_DELIVERY } from './alerts/webhook-delivery.js';
import type { LiveBus } from './bus/bus-port.js';
import type { LiveLog } from './close-codes.js';
import type { ConnectionHooks } from './connections.js';
import { LiveHub } from './live-hub.js';
import type { LiveEngine } from './query-group.js';

export type { LiveBus } from './bus/bus-port.js';
export { MemoryBroker, MemoryBus } from './bus/memory-bus.js';
export { RedisBus } from './bus/redis-bus.js';
export { CLOSE } from './close-codes.js';
export type { LiveLog } from './close-codes.js';
export type { LiveHub, LiveStats } from './live-hub.js';
export type { AlertService } from './alerts/alert-service.js';

export interface LiveDeps {
  bus: LiveBus;
  engine: LiveEngine;
  catalog: Catalog;
  store: MetadataStore;
  ingest: Pick<IngestService, 'onAppended' | 'onErased' | 'onExpired'>;
  settings: LiveSettings;
  log: LiveLog;
  now?: () => number;
  /** Webhook retry schedule (tests shorten it). */
  delivery?: Partial<Omit<DeliveryOptions, 'policy'>>;
  /** Data-triggered alert evaluations per org at most this often (default 1 s). */
  alertDebounceMs?: number;
  connectionHooks?: ConnectionHooks;
}

export interface Live {
  hub: LiveHub;
  alerts: AlertService;
  evaluator: AlertEvaluator;
  /** Subscribes to the bus and ingest, starts the heartbeat and the alert timer. */
  start(): void;
  /** Flushes and closes every client with "going away" (before the server closes). */
  shutdown(): Promise<void>;
  /** Stops timers and detaches from the bus and ingest. */
  stop(): Promise<void>;
}

export function createLive(deps: LiveDeps): Live {
  const now = deps.now ?? Date.now;
  let evaluator: AlertEvaluator | null = null;
  const hub = new LiveHub({
    bus: deps.bus,
    engine: deps.engine,
    catalog: deps.catalog,
    settings: deps.settings,
    log: deps.log,
    now,
    onLocalAppended: (org) => evaluator?.onData(org),
    onRulesChanged: (org) => evaluator?.invalidate(org),
    ...(deps.connectionHooks ? { connectionHooks: deps.connectionHooks } : {}),
  });
  const repo = new AlertRepository(deps.store);
  const policy = { allowPrivate: deps.settings.webhookAllowPrivate };
  evaluator = new AlertEvaluator({
    repo,
    engine: deps.engine,
    bus: deps.bus,
    origin: hub.instanceId,
    log: deps.log,
    now,
    evalIntervalMs: deps.settings.alertEvalIntervalMs,
    debounceMs: deps.alertDebounceMs ?? 1000,
    delivery: { ...DEFAULT_DELIVERY, ...deps.delivery, policy },
  });
  const rulesChanged = (org: string): void => {
    evaluator?.invalidate(org);
    deps.bus.publish({ kind: 'rules', org, origin: hub.instanceId }).catch((err: unknown) => deps.log.warn({ err, org }, 'alerts: could not announce a rule change'));
  };
  const alerts = new AlertService(repo, rulesChanged, deps.catalog, policy, now);
  let detach: Array<() => void> = [];
  const ev = evaluator;
  return {
    hub,
    alerts,
    evaluator: ev,
    start() {
      hub.start();
      ev.start();
      detach = [
        deps.ingest.onAppended((notice) => hub.publishAppended(notice)),
        deps.ingest.onErased((notice) => hub.publishErased(notice)),
        deps.ingest.onExpired((notice) => hub.publishExpired(notice)),
      ];
    },
    shutdown: () => hub.shutdown(),
    async stop() {
      for (const off of detach.splice(0)) off();
      hub.stop();
      await ev.stop();
    },
  };
}
