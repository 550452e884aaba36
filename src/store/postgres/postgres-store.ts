/**
 * The shared store: PostgreSQL through node-postgres, for many Tally instances on one database.
 *
 * Connections: a read pool for dashboard queries; a one-connection writer pool through which every
 * append goes (group commit, as in the DuckDB store: the requests that arrive while a transaction
 * runs share the next one, and within an instance the first request to send an id keeps it); one
 * short-lived connection per stream, reading through a cursor, so a slow export never holds a
 * pool slot; and a one-connection control pool that cancels running statements.
 *
 * Every connection runs with TimeZone UTC and, when a schema is given, search_path set to it, so
 * several deployments (or test runs) can share one database in separate schemas.
 */
import pg from 'pg';
import type { ClientBase, PoolClient, PoolConfig } from 'pg';
import type { AppendResult, ErasedEvents, ExpiredEvents, StoredEvent } from '../../domain/event.js';
import { postgres } from '../../query/dialects/postgres.js';
import type { Catalog } from '../../model/types.js';
import { AsyncMutex } from '../async-mutex.js';
import { erasedEvents, erasureStatements, expirePerOrg, expiryStatements } from '../event-deletion.js';
import { GroupCommit } from '../group-commit.js';
import type { QueryOptions, SqlParam, SqlRow, Store, StreamOptions } from '../port.js';
import { StoreError, storeContext } from '../store-error.js';
import { StoreLifecycle } from '../store-lifecycle.js';
import { PgEventWriter } from './event-writer.js';
import { TALLY_PG_TYPES } from './pg-values.js';
import { readPgEventColumns, syncPgPropColumns } from './prop-columns.js';
import { applyPgMigrations } from './schema-migrations.js';
import { inTransaction, underSchemaLock } from './transaction.js';

const withContext = storeContext('postgres');
const ERASURE = erasureStatements(postgres.epochMs);
const EXPIRY = expiryStatements(postgres.timeParam);

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Schema holding Tally's tables (created when missing); default: the server's search_path (public). */
  schema?: string;
  /** Read pool size; default 8. */
  poolSize?: number;
}

const DEFAULT_POOL_SIZE = 8;
const DEFAULT_STREAM_CHUNK_ROWS = 2048;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema name reaches SQL (CREATE SCHEMA, search_path), so only plain lower-case identifiers pass. */
function checkedSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`PostgreSQL schema must be a plain lower-case identifier, got "${schema}"`);
  return schema;
}

/** The backend process of a connection (from the server's BackendKeyData at connect). */
function backendPid(client: ClientBase): number | null {
  const pid = (client as ClientBase & { processID?: unknown }).processID;
  return typeof pid === 'number' ? pid : null;
}

/**
 * CREATE SCHEMA IF NOT EXISTS races when instances start together (both see it missing, one
 * fails on the catalog's unique index), so it runs under the schema's lock.
 */
function createSchema(client: pg.Client, schema: string): Promise<unknown> {
  return underSchemaLock(client, () => client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`), schema);
}

function values(params: readonly SqlParam[]): SqlParam[] {
  return [...params];
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly writes = new AsyncMutex();
  private readonly lifecycle = new StoreLifecycle('postgres');
  private readonly streams = new Set<pg.Client>();
  private readonly commits: GroupCommit;

  private constructor(
    private readonly config: PoolConfig,
    private readonly readers: pg.Pool,
    private readonly writer: pg.Pool,
    private readonly control: pg.Pool,
    private readonly events: PgEventWriter,
  ) {
    this.commits = new GroupCommit(
      (fn) => this.writes.run(fn),
      (group) => withContext('append', () => this.onWriter((client) => this.events.writeGroup(client, group))),
    );
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema === undefined ? null : checkedSchema(options.schema);
    const settings = ['-c TimeZone=UTC', ...(schema === null ? [] : [`-c search_path=${schema}`])].join(' ');
    const config: PoolConfig = { connectionString: options.url, options: settings, types: TALLY_PG_TYPES, application_name: 'tally' };
    if (schema !== null) {
      const setup = new pg.Client({ ...config, options: '-c TimeZone=UTC' });
      await withContext('connect', () => setup.connect());
      try {
        await withContext('create schema', () => createSchema(setup, schema));
      } finally {
        await setup.end();
      }
    }
    const readers = new pg.Pool({ ...config, max: Math.max(1, options.poolSize ?? DEFAULT_POOL_SIZE) });
    const writer = new pg.Pool({ ...config, max: 1 });
    const control = new pg.Pool({ ...config, max: 1 });
    // An idle pooled connection the server drops emits 'error' on its pool; the pool replaces it.
    for (const pool of [readers, writer, control]) pool.on('error', () => undefined);
    try {
      const client = await withContext('connect', () => writer.connect());
      try {
        await withContext('migrate (schema)', () => applyPgMigrations(client));
        const columns = await withContext('read events columns', () => readPgEventColumns(client));
        return new PostgresStore(config, readers, writer, control, new PgEventWriter(columns));
      } finally {
        client.release();
      }
    } catch (err) {
      await Promise.allSettled([readers.end(), writer.end(), control.end()]);
      throw err;
    }
  }

  migrate(catalog: Catalog): Promise<void> {
    return this.lifecycle.guard(() =>
      this.writes.run(() =>
        withContext('migrate', () =>
          this.onWriter(async (client) => {
            // Instances starting together would add the same column twice: one at a time, each
            // reading the columns only once the one before it committed.
            await underSchemaLock(client, async () => syncPgPropColumns(client, catalog, await readPgEventColumns(client)));
            // The writer keeps the declared props so append() knows each value's column and type.
            this.events.setColumns(await readPgEventColumns(client), catalog.props.values());
          }),
        ),
      ),
    );
  }

  append(org: string, events: readonly StoredEvent[]): Promise<AppendResult> {
    return this.lifecycle.guard(async () => {
      if (events.length === 0) return { accepted: 0, duplicates: 0, written: [] };
      return this.commits.submit({ org, events });
    });
  }

  eraseActor(org: string, actor: string): Promise<ErasedEvents> {
    return this.writeTransaction('erase actor', async (client) => {
      const params = [org, actor];
      const summary = await client.query<{ event: string; n: string; first: number; last: number }>(ERASURE.summary, params);
      for (const sql of ERASURE.deletes) await client.query(sql, params);
      return erasedEvents(summary.rows.map((r) => ({ event: r.event, count: Number(r.n), first: Number(r.first), last: Number(r.last) })));
    });
  }

  async expireEvents(latest: number, beforeFor: (org: string) => number | null): Promise<ExpiredEvents[]> {
    const candidates = await this.query(EXPIRY.candidates, [latest]);
    return expirePerOrg(candidates.map((r) => String(r['org_id'])), beforeFor, (org, before) => this.expireOrg(org, before));
  }

  /** One org's events before `before` and their ids, in one transaction (this store keeps no actor keys). */
  private expireOrg(org: string, before: number): Promise<number> {
    return this.writeTransaction('expire events', async (client) => {
      const params = [org, before];
      const counted = await client.query<{ n: string | number }>(EXPIRY.count, params);
      for (const sql of EXPIRY.deletes) await client.query(sql, params);
      return Number(counted.rows[0]?.n ?? 0);
    });
  }

  /** `fn` in one transaction on the writer connection, serialized with appends (deletions). */
  private writeTransaction<T>(context: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.lifecycle.guard(() => this.writes.run(() => withContext(context, () => this.onWriter((client) => inTransaction(client, () => fn(client))))));
  }

  query(sql: string, params: readonly SqlParam[], options: QueryOptions = {}): Promise<SqlRow[]> {
    const { signal } = options;
    return this.lifecycle.guard(async () => {
      signal?.throwIfAborted();
      const client = await withContext('query (connect)', () => this.readers.connect());
      const abort = this.cancelOnAbort(client, signal);
      try {
        signal?.throwIfAborted();
        const result = await withContext('query', () => client.query<SqlRow>(sql, values(params)));
        return result.rows;
      } catch (err) {
        // The cancel surfaces as "canceling statement due to user request"; the caller asked for it, so say that.
        if (signal?.aborted) throw signal.reason;
        throw err;
      } finally {
        // A cancelled connection is dropped, not pooled: a late cancel must never hit the next user's statement.
        client.release(await abort.settle());
      }
    });
  }

  /**
   * Cancels what `client` runs when `signal` aborts. `settle()` unhooks the signal and waits for a
   * cancel already sent; it says whether one was (that connection must not be reused).
   */
  private cancelOnAbort(client: ClientBase, signal: AbortSignal | undefined): { settle(): Promise<boolean> } {
    let sent: Promise<void> | null = null;
    const cancel = (): void => {
      sent = this.cancel(client);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    return {
      settle: async () => {
        signal?.removeEventListener('abort', cancel);
        if (sent === null) return false;
        await sent;
        return true;
      },
    };
  }

  /** Asks the server to cancel whatever `client` runs now; never throws (the caller already gave up). */
  private async cancel(client: ClientBase): Promise<void> {
    const pid = backendPid(client);
    if (pid === null) return;
    await this.control.query('SELECT pg_cancel_backend($1)', [pid]).then(
      () => undefined,
      () => undefined,
    );
  }

  async *stream(sql: string, params: readonly SqlParam[], options: StreamOptions = {}): AsyncGenerator<SqlRow[]> {
    const { signal } = options;
    const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? DEFAULT_STREAM_CHUNK_ROWS));
    this.lifecycle.assertOpen();
    signal?.throwIfAborted();
    const client = new pg.Client(this.config);
    client.on('error', () => undefined);
    this.streams.add(client);
    const abort = this.cancelOnAbort(client, signal);
    try {
      await this.lifecycle.hold(withContext('stream (connect)', () => client.connect()));
      // A read-only transaction holds the cursor; it ends with the connection.
      await this.lifecycle.hold(withContext('stream', () => client.query('BEGIN READ ONLY')));
      await this.lifecycle.hold(withContext('stream', () => client.query(`DECLARE tally_stream NO SCROLL CURSOR FOR ${sql}`, values(params))));
      const fetch = `FETCH FORWARD ${chunkRows} FROM tally_stream`;
      for (;;) {
        signal?.throwIfAborted();
        const result = await this.lifecycle.hold(withContext('stream (fetch)', () => client.query<SqlRow>(fetch)));
        signal?.throwIfAborted();
        if (!this.streams.has(client)) throw new StoreError('postgres', 'stream', new Error('the store was closed'));
        if (result.rows.length === 0) break;
        yield result.rows;
        if (result.rows.length < chunkRows) break;
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!this.streams.has(client)) throw new StoreError('postgres', 'stream', new Error('the store was closed'));
      throw err;
    } finally {
      await abort.settle();
      // Ending the connection ends its transaction and cursor; close() may have done it already.
      if (this.streams.delete(client)) await client.end().catch(() => undefined);
    }
  }

  execute(sql: string, params: readonly SqlParam[]): Promise<void> {
    return this.lifecycle.guard(() =>
      withContext('execute', async () => {
        await this.readers.query(sql, values(params));
      }),
    );
  }

  /** This store keeps no dense actor keys (see schema-migrations.ts); distinct actors are counted over `actor`. */
  largestActorKey(): null {
    return null;
  }

  ping(): Promise<void> {
    return this.lifecycle.guard(() =>
      withContext('ping', async () => {
        await this.readers.query('SELECT 1');
      }),
    );
  }

  close(): Promise<void> {
    return this.lifecycle.close(() => this.shutdown());
  }

  private async shutdown(): Promise<void> {
    const streams = [...this.streams];
    this.streams.clear();
    await Promise.allSettled(streams.map(async (client) => {
      await this.cancel(client);
      await client.end();
    }));
    await this.lifecycle.drain();
    await Promise.allSettled([this.readers.end(), this.writer.end(), this.control.end()]);
  }

  /** Runs `fn` on the writer connection; a connection that failed a write is dropped, not reused. */
  private async onWriter<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.writer.connect();
    let failed = false;
    try {
      return await fn(client);
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      client.release(failed);
    }
  }
}
