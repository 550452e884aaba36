/**
 * buildApp wires plugins and routes over already-open dependencies. Tests call it and use
 * inject(); main.ts calls it and listens.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { AuthDeps } from './auth/services.js';
import { authServices } from './auth/services.js';
import { wireCache } from './cache/cached-read.js';
import type { TallyCache } from './cache/tally-cache.js';
import type { QueryEngine } from './engine/query-engine.js';
import type { IngestService } from './ingest/ingest-service.js';
import { authPlugin, DOCS_PREFIX } from './http/plugins/auth.js';
import { errorsPlugin, sendError } from './http/plugins/errors.js';
import { requestValuesPlugin } from './http/plugins/request-values.js';
import { laneServer, laneStack, startHitLane } from './http/hit-lane-wiring.js';
import { HitLane } from './http/hit-lane.js';
import { opsServerOptions, registerFrontStack, registerLimits } from './http/plugins/ops-stack.js';
import { authRoutes } from './http/routes/auth.js';
import { cacheRoutes } from './http/routes/cache.js';
import { eventRoutes } from './http/routes/events.js';
import { exportRoutes } from './http/routes/exports.js';
import type { ExportService } from './export/index.js';
import { healthRoutes } from './http/routes/health.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { systemRoutes } from './http/routes/system.js';
import { keyRoutes } from './http/routes/keys.js';
import { actorErasureRoutes } from './http/routes/actor-erasure.js';
import type { LiveAppOptions } from './http/routes/live.js';
import { attachLive } from './http/routes/live.js';
import { queryRoutes } from './http/routes/query.js';
import { viewRoutes } from './http/routes/views.js';
import { userRoutes } from './http/routes/users.js';
import { modelRoutes } from './http/routes/model.js';
import { webRoutes } from './http/routes/web.js';
import { ProblemSchema } from './http/schemas/common.js';
import type { OpsDeps } from './ops/services.js';
import { opsServices } from './ops/services.js';
import { closeIdleOnClose } from './ops/shutdown.js';
import type { RetentionAppOptions } from './http/retention-wiring.js';
import { wireRetention } from './http/retention-wiring.js';
import type { Store } from './store/port.js';

export const API_PREFIX = '/api/v1';

/**
 * Auth deps (keys, jwt, optional jwks, users, session, loginLimiter) are listed in AuthDeps; the
 * production HTTP stack's (settings, Redis, telemetry, middleware switch) in OpsDeps.
 */
export interface AppDeps extends AuthDeps, OpsDeps {
  store: Store;
  engine: QueryEngine;
  ingest: IngestService;
  bodyLimitBytes: number;
  logger?: FastifyServerOptions['logger'];
  version?: string;
  /** The answer cache (cache/index.ts openCache); absent = reads computed every time, no /cache routes. */
  cache?: TallyCache | null;
  /** Exports (export/index.ts); absent = no /exports routes. */
  exports?: ExportService | null;
  /** Live updates (WS, SSE, alerts): the bus (Redis for many instances; default in-process), limits, webhook retries. */
  live?: LiveAppOptions;
  /** Data retention: the sweep runs while the app does (absent or keep-forever = no sweep). */
  retention?: RetentionAppOptions;
}

/**
 * Path values are checked by the routes' schemas (a group's value is a string prop: up to 1,000
 * characters; an actor id 200). Fastify answers 414 before the schema for a decoded value longer
 * than maxParamLength (default 100), so it is set well above the longest allowed one.
 */
const MAX_PATH_PARAM_LENGTH = 2000;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const ops = opsServices(deps);
  const lane = new HitLane();
  const app = Fastify({
    ...opsServerOptions(ops),
    serverFactory: (handler, options) => laneServer(lane, handler, options),
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimitBytes,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: sendError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  closeIdleOnClose(app);
  app.addSchema(ProblemSchema);
  wireCache(app, deps.cache ?? null, deps.ingest, ops.telemetry);
  wireRetention(app, deps.ingest, deps.retention);
  await app.register(errorsPlugin);
  await app.register(requestValuesPlugin);
  const security = await registerFrontStack(app, ops);
  const auth = authServices(deps);
  await app.register(authPlugin, auth);
  await registerLimits(app, ops);
  if (deps.cache) startHitLane(app, lane, { cache: deps.cache, verifier: auth.verifier, stack: security && (await laneStack(app, ops, security)) });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tally API', version: deps.version ?? '0.1.0', description: 'Self-hosted real-time analytics: events in, dashboards out.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A JWT for reads, an ingest key (tk_…) for POST /events' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true } });

  app.get('/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, { store: deps.store, redis: ops.redis });
  await app.register(metricsRoutes, { telemetry: ops.telemetry, token: ops.settings.metricsToken });
  const liveRoutes = attachLive(app, {
    options: deps.live,
    engine: deps.engine,
    ingest: deps.ingest,
    store: deps.store,
    telemetry: ops.telemetry,
    allowedOrigins: auth.session.allowedOrigins,
  });
  await app.register(
    async (api) => {
      await api.register(eventRoutes, { ingest: deps.ingest });
      await api.register(queryRoutes, { engine: deps.engine });
      await api.register(viewRoutes, { engine: deps.engine });
      await api.register(keyRoutes, { keys: deps.keys });
      await api.register(actorErasureRoutes, { ingest: deps.ingest });
      if (deps.cache) await api.register(cacheRoutes, { cache: deps.cache });
      if (deps.exports) await api.register(exportRoutes, { exports: deps.exports });
      await api.register(systemRoutes, { telemetry: ops.telemetry });
      await api.register(authRoutes, auth);
      await api.register(userRoutes, { users: auth.users });
      await api.register(liveRoutes);
      await api.register(modelRoutes, { catalog: deps.engine.catalog });
    },
    { prefix: API_PREFIX },
  );
  // The dashboard (web/dist) at / — one process serves both.
  await app.register(webRoutes);
  return app;
}
