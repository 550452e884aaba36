/**
 * Wires the live module into an app: creates it over the app's engine, ingest and store (with
 * the in-process bus unless one is passed, e.g. the Redis bus from the runtime), registers
 * /ws, /stream and /alerts, starts it when the app is ready and stops it when the app closes.
 * Shutdown order: preClose flushes and closes live clients (ws.ts), onClose stops timers and
 * detaches from the bus; a bus passed in belongs to the caller.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { LiveSettings } from '../../config/live.js';
import { LIVE_DEFAULTS } from '../../config/live.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { Catalog } from '../../model/types.js';
import type { Live, LiveBus, LiveDeps } from '../../live/index.js';
import { createLive, MemoryBus } from '../../live/index.js';
import type { LiveEngine } from '../../live/query-group.js';
import type { Telemetry } from '../../ops/telemetry.js';
import type { Store } from '../../store/port.js';
import { alertRoutes } from './alerts.js';
import { streamRoutes } from './stream.js';
import { wsRoutes } from './ws.js';

/** What buildApp's caller may set (AppDeps.live); everything defaults. */
export interface LiveAppOptions {
  /** The bus (RedisBus for many instances); default: a new in-process bus owned by the app. */
  bus?: LiveBus;
  settings?: Partial<LiveSettings>;
  delivery?: LiveDeps['delivery'];
  alertDebounceMs?: number;
}

export interface LiveWiring {
  options: LiveAppOptions | undefined;
  engine: LiveEngine & { readonly catalog: Catalog };
  ingest: Pick<IngestService, 'onAppended' | 'onErased' | 'onExpired'>;
  store: Pick<Store, 'query' | 'execute'>;
  telemetry: Telemetry;
  allowedOrigins: readonly string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The live module (hub stats, alert evaluator); set by attachLive. */
    live: Live;
  }
}

/**
 * Creates the live module for `app` (decorated as `app.live`, started on ready, stopped on
 * close) and returns the plugin that registers its routes under the API prefix.
 */
export function attachLive(app: FastifyInstance, w: LiveWiring): FastifyPluginAsync {
  const settings: LiveSettings = { ...LIVE_DEFAULTS, ...w.options?.settings };
  const ownBus = w.options?.bus === undefined;
  const bus = w.options?.bus ?? new MemoryBus(undefined, (err) => app.log.error({ err }, 'live: bus handler failed'));
  const live = createLive({
    bus,
    engine: w.engine,
    catalog: w.engine.catalog,
    store: w.store,
    ingest: w.ingest,
    settings,
    log: app.log,
    ...(w.options?.delivery ? { delivery: w.options.delivery } : {}),
    ...(w.options?.alertDebounceMs !== undefined ? { alertDebounceMs: w.options.alertDebounceMs } : {}),
    connectionHooks: { opened: (kind) => w.telemetry.liveOpened(kind), closed: (kind) => w.telemetry.liveClosed(kind) },
  });
  app.decorate('live', live);
  app.addHook('onReady', async () => {
    live.start();
    w.telemetry.liveReady();
  });
  app.addHook('onClose', async () => {
    await live.stop();
    if (ownBus) await bus.close();
  });
  const routeOptions = { live, settings, allowedOrigins: w.allowedOrigins };
  return async (api) => {
    await api.register(wsRoutes, routeOptions);
    await api.register(streamRoutes, routeOptions);
    await api.register(alertRoutes, { alerts: live.alerts });
  };
}
