/** The `tally` command: serve, seed, import, keys, users, token. */
import { randomUUID } from 'node:crypto';
import { signToken } from '../auth/jwt.js';
import { ROLES } from '../auth/principal.js';
import type { Role } from '../auth/principal.js';
import type { Config } from '../config/index.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { AppendedAnnouncer } from '../live/bus/appended-announcer.js';
import { openRuntime } from '../runtime.js';
import { parse, parseDuration, requireString, UsageError } from './args.js';
import { orgTarget } from '../ingest/import/import-events.js';
import { defaultModelPaths, loadCatalog } from '../model/load.js';
import { HttpTarget } from './http-target.js';
import type { ImportArgs, ImportOutput } from './import.js';
import { IMPORT_USAGE, importArgs, runImport } from './import.js';
import { seedDataset, seedPlansFromArgs } from './seed.js';
import { serve } from './serve.js';
import { usersCommand } from './users.js';

/** At most one "events appended" notice per org and second reaches running instances during an import. */
const IMPORT_NOTICE_INTERVAL_MS = 1000;

const USAGE = `Usage: tally <command> [options]

Commands:
  serve [--demo]                          start the HTTP API (--demo seeds org "demo" when empty)
  seed [--dataset learning|support|commerce|all] [--events N] [--days D] [--org ORG] [--seed S]
  ${IMPORT_USAGE}
                                          load events from a file (NDJSON or CSV, may be gzip; - = stdin);
                                          any invalid row → nothing is stored
  keys create --org ORG [--name NAME]     print a new ingest key once
  keys list --org ORG                     list an org's ingest keys (prefixes only)
  keys revoke --org ORG --id ID           revoke an ingest key
  users create --org ORG --email E --role admin|analyst|viewer [--actor ID] [--password P]
                                          create a dashboard user (password from a hidden prompt or stdin)
  users list --org ORG                    list an org's users
  users disable --org ORG --id ID         disable a user (its sessions end)
  token --org ORG --role admin|analyst|viewer [--actor ID] [--sub SUB] [--ttl 1h]

Configuration comes from the environment (TALLY_PORT, TALLY_DB, TALLY_JWT_SECRET, …; see docs/configuration.md).`;

/** DuckDB lets one process open its file: say what to do instead of only DuckDB's words. */
function explainOpenError(err: unknown): unknown {
  if (!(err instanceof Error) || !/Could not set lock on file/i.test(err.message)) return err;
  return new Error(
    `${err.message}\n\nThe database file is open in another process (is \`tally serve\` running on it?). Stop that process first, ` +
      'or send events through the running server: `tally import FILE --url http://HOST:PORT` with TALLY_INGEST_KEY set (docs/import.md).',
    { cause: err },
  );
}

async function withRuntime<T>(fn: (rt: Awaited<ReturnType<typeof openRuntime>>) => Promise<T>, config = loadConfig()): Promise<T> {
  const runtime = await openRuntime(config).catch((err: unknown) => {
    throw explainOpenError(err);
  });
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

async function keysCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const values = parse(rest, { org: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' } });
  const org = requireString(values, 'org');
  await withRuntime(async (rt) => {
    if (sub === 'create') {
      const created = await rt.keys.create(org, typeof values['name'] === 'string' ? values['name'] : null);
      console.log(created.key);
    } else if (sub === 'list') {
      for (const k of await rt.keys.list(org)) console.log(`${k.id}  ${k.prefix}…  ${k.createdAt}  ${k.revokedAt ? 'revoked ' + k.revokedAt : 'active'}  ${k.name ?? ''}`);
    } else if (sub === 'revoke') {
      const ok = await rt.keys.revoke(org, requireString(values, 'id'));
      if (!ok) throw new UsageError('no such active key in that org');
      console.log('revoked');
    } else {
      throw new UsageError('keys needs create, list or revoke');
    }
  });
}

async function tokenCommand(argv: string[]): Promise<void> {
  const values = parse(argv, {
    org: { type: 'string' },
    role: { type: 'string' },
    actor: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '1h' },
  });
  const org = requireString(values, 'org');
  const role = requireString(values, 'role');
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const ttl = parseDuration(String(values['ttl']));
  const actor = typeof values['actor'] === 'string' ? values['actor'] : null;
  await withRuntime(async (rt) => {
    if (!rt.jwt) throw new UsageError('TALLY_JWT_SECRET is not set');
    const sub = typeof values['sub'] === 'string' ? values['sub'] : `cli-${role}`;
    console.log(await signToken(rt.jwt, { sub, org, role: role as Role, actor }, ttl));
  });
}

async function seedCommand(argv: string[]): Promise<void> {
  const plans = seedPlansFromArgs(argv);
  await withRuntime(async (rt) => {
    for (const plan of plans) {
      const started = Date.now();
      const n = await seedDataset(rt.store, plan);
      console.log(`${plan.dataset}: ${n.toLocaleString('en')} events into org "${plan.org}" in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  });
}

/** Into an org of the store this process opens: the caches and live clients of running instances are told through Redis. */
async function importIntoStore(args: ImportArgs, org: string, config: Config, output: ImportOutput): Promise<number> {
  return withRuntime(async (rt) => {
    // Answers cached here and, through Redis, by running instances are dropped as batches commit.
    rt.ingest.onAppended(rt.cache.onAppended);
    // Through Redis, running instances recompute their live queries (events are not pushed).
    const announcer = new AppendedAnnouncer(rt.bus, {
      origin: `import:${randomUUID()}`,
      intervalMs: IMPORT_NOTICE_INTERVAL_MS,
      onError: (err, to) => output.err(`warning: live clients of org "${to}" were not told about imported events (${err instanceof Error ? err.message : String(err)}); they update at the next ingest`),
    });
    rt.ingest.onAppended(announcer.onAppended);
    try {
      return await runImport(args, { target: orgTarget(rt.ingest, org), catalog: rt.catalog, oldestAllowed: (now) => rt.retention.oldestAllowed(org, now) }, output);
    } finally {
      await announcer.flush();
    }
  }, config);
}

/** Through a running server's POST /events: no store is opened here (`tally serve` may hold the DuckDB file). */
async function importThroughServer(args: ImportArgs, url: string, config: Config, output: ImportOutput): Promise<number> {
  const key = config.ingestKey;
  if (key === null && !args.dryRun) throw new UsageError('--url sends the events with an ingest key: set TALLY_INGEST_KEY (tally keys create --org ORG makes one)');
  const catalog = await loadCatalog(config.modelPaths.length > 0 ? config.modelPaths : defaultModelPaths());
  return runImport(args, { target: new HttpTarget({ url, key: key ?? '' }), catalog }, output);
}

async function importCommand(argv: string[]): Promise<void> {
  const config = loadConfig();
  const args = importArgs(argv, config.maxBatchEvents);
  const output: ImportOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };
  const { destination } = args;
  const status = destination.kind === 'org' ? await importIntoStore(args, destination.org, config, output) : await importThroughServer(args, destination.url, config, output);
  if (status !== 0) process.exitCode = status;
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const values = parse(rest, { demo: { type: 'boolean', default: false } });
        await serve(loadConfig(), { demo: values['demo'] === true });
        return;
      }
      case 'seed':
        return await seedCommand(rest);
      case 'import':
        return await importCommand(rest);
      case 'keys':
        return await keysCommand(rest);
      case 'users':
        return await usersCommand(rest);
      case 'token':
        return await tokenCommand(rest);
      case undefined:
      case 'help':
      case '--help':
        console.log(USAGE);
        return;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      console.error(err instanceof UsageError ? `${err.message}\n\n${USAGE}` : err.message);
      process.exit(err instanceof UsageError ? 64 : 78);
    }
    throw err;
  }
}
