/**
 * `tally serve`: open the runtime, optionally seed the demo org, listen, and shut down
 * gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the store).
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { signToken } from '../auth/jwt.js';
import { sessionFromConfig } from '../auth/session.js';
import type { Config } from '../config/index.js';
import { loggerOptions } from '../ops/logger.js';
import type { Redis } from '../ops/redis.js';
import { closeRedis, createRedis } from '../ops/redis.js';
import { gracefulShutdown } from '../ops/shutdown.js';
import type { Runtime } from '../runtime.js';
import { openRuntime } from '../runtime.js';
import { DEMO_PLANS, seedDataset } from './seed.js';

const DEMO_ORG = 'demo';
/** Development-only dashboard sign-in, created by `serve --demo` when missing. */
const DEMO_USER = { email: 'demo@tally.local', password: 'tally-demo-password' };

async function seedDemoIfEmpty(runtime: Runtime, log: (msg: string) => void): Promise<void> {
  const rows = await runtime.store.query('SELECT count(*) AS n FROM events WHERE org_id = $1', [DEMO_ORG]);
  if (Number(rows[0]?.['n'] ?? 0) > 0) return;
  const started = Date.now();
  let total = 0;
  for (const plan of DEMO_PLANS) {
    total += await seedDataset(runtime.store, { ...plan, org: DEMO_ORG });
  }
  log(`Seeded org "${DEMO_ORG}" with ${total.toLocaleString('en')} demo events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function printDemoCredentials(runtime: Runtime, url: string): Promise<void> {
  const lines = [`Tally is listening on ${url}`, `  API docs:   ${url}/docs`];
  if (runtime.jwt && runtime.config.env !== 'production') {
    const token = await signToken(runtime.jwt, { sub: 'demo-admin', org: DEMO_ORG, role: 'admin' }, 24 * 3600);
    const key = await runtime.keys.create(DEMO_ORG, 'demo (printed at start)');
    lines.push(`  Admin token (24 h, org "${DEMO_ORG}"):`, `    ${token}`, `  Ingest key (org "${DEMO_ORG}"):`, `    ${key.key}`);
    // A fixed, documented development sign-in for the dashboard (docs/dashboard.md); never in production.
    const existing = await runtime.users.findForLogin(DEMO_ORG, DEMO_USER.email);
    if (!existing) await runtime.users.create(DEMO_ORG, { email: DEMO_USER.email, password: DEMO_USER.password, role: 'admin' });
    lines.push(`  Dashboard:  ${url}/  (org "${DEMO_ORG}", ${DEMO_USER.email} / ${DEMO_USER.password})`);
    lines.push(
      '  Try:',
      `    curl -s ${url}/api/v1/query -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
      `      -d '{"metrics":["count","revenue"],"timeRange":{"preset":"7d"},"granularity":"1d"}'`,
    );
  }
  console.log(lines.join('\n'));
}

export async function serve(config: Config, options: { demo: boolean }): Promise<FastifyInstance> {
  const runtime = await openRuntime(config);
  if (options.demo) await seedDemoIfEmpty(runtime, (msg) => console.log(msg));
  // Rate limits share counters across instances through Redis; while it is down they fall back
  // to this instance's memory. The warning goes to the app's log once there is one.
  let warn = (msg: string): void => console.warn(msg);
  const redis: Redis | null = config.redisUrl
    ? createRedis(config.redisUrl, {
        onDown: (err) => warn(`Redis unavailable (${err.message}): rate limits count per instance until it is back`),
        onUp: () => warn('Redis is back: rate limits are shared again'),
      })
    : null;
  const app = await buildApp({
    store: runtime.store,
    engine: runtime.engine,
    ingest: runtime.ingest,
    keys: runtime.keys,
    users: runtime.users,
    jwt: runtime.jwt,
    jwks: runtime.jwks,
    session: sessionFromConfig(config),
    bodyLimitBytes: config.bodyLimitBytes,
    logger: loggerOptions(config),
    ops: config.ops,
    redis,
    rateLimitPrefix: config.redisKeys.rateLimits,
    cache: runtime.cache,
    exports: runtime.exports,
    live: { bus: runtime.bus, settings: config.live },
    retention: { policy: runtime.retention, sweepIntervalMs: config.retention.sweepIntervalSeconds * 1000 },
  });
  warn = (msg) => app.log.warn(msg);
  app.addHook('onClose', async () => runtime.close());
  if (redis) app.addHook('onClose', async () => closeRedis(redis));
  const address = await app.listen({ port: config.port, host: config.host });
  if (options.demo) await printDemoCredentials(runtime, address.replace('[::1]', 'localhost'));

  const shutdown = gracefulShutdown(app, { timeoutMs: config.ops.shutdownTimeoutMs, exit: (code) => process.exit(code) });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return app;
}
