/**
 * The embedded store: one DuckDB file (or ':memory:') in process, through @duckdb/node-api.
 *
 * Connections: one writer, used only through a queue, because a DuckDB connection holds one
 * transaction at a time and every append is one transaction; a small pool of readers so
 * dashboard queries run concurrently and never wait behind ingest; and one short-lived
 * connection per stream, so a slow export cannot hold a pool slot.
 *
 * The instance runs with external access disabled (no file reads, ATTACH or extension loading
 * from SQL). With `exportDir` set, that one directory is allowed for COPY … TO (Parquet exports):
 * allowed_directories cannot be passed as an open option (DuckDB refuses it in the config map),
 * so it is SET on the first connection before external access is switched off, which DuckDB
 * makes irreversible for the life of the instance.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DOUBLE, DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBResult, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { AppendResult, ErasedEvents, ExpiredEvents, StoredEvent } from '../../domain/event.js';
import { duckdb } from '../../query/dialects/duckdb.js';
import type { Catalog } from '../../model/types.js';
import type { QueryOptions, SqlParam, SqlRow, Store, StreamOptions } from '../port.js';
import { AsyncMutex } from '../async-mutex.js';
import { ConnectionPool } from './connection-pool.js';
import { StoreError, storeContext } from '../store-error.js';
import { StoreLifecycle } from '../store-lifecycle.js';
import { ActorKeys } from './actor-keys.js';
import { EventColumns } from './event-columns.js';
import { EventWriter } from './event-writer.js';
import { erasedEvents, erasureStatements, expirePerOrg, expiryStatements } from '../event-deletion.js';
import { GroupCommit } from '../group-commit.js';
import { IdleTrimmer } from './idle-trim.js';
import { readEventColumns, syncPropColumns } from './prop-columns.js';
import { RowConverter } from './row-converter.js';
import { applyMigrations } from './schema-migrations.js';
import { inTransaction } from './transaction.js';

const withContext = storeContext('duckdb');
const ERASURE = erasureStatements(duckdb.epochMs);
const EXPIRY = expiryStatements(duckdb.timeParam);

export interface DuckDbStoreOptions {
  /** Database file, or ':memory:'. A missing parent directory is created. */
  path: string;
  threads?: number;
  /** DuckDB syntax, e.g. '2GB'. Default for a file: DUCKDB_DEFAULTS.memoryLimit. */
  memoryLimit?: string;
  /** WAL size that triggers a checkpoint. Default for a file: DUCKDB_DEFAULTS.checkpointThreshold. */
  checkpointThreshold?: string;
  /** Quiet time after which memory is given back (idle-trim.ts); 0 = never. Default for a file: DUCKDB_DEFAULTS.idleTrimMs. */
  idleTrimMs?: number;
  onIdleTrimError?: (err: unknown) => void;
  /** The only directory COPY … TO may write (and read_parquet may read). */
  exportDir?: string;
  /** Read pool size; default 3 (with the writer that fills libuv's default 4 worker threads). */
  readConnections?: number;
  /** (org, actor) → key entries the writer keeps in memory; default ACTOR_KEY_CACHE_ENTRIES (actor-keys.ts). */
  actorKeyCacheEntries?: number;
}

/**
 * Defaults for a database file (docs/configuration.md, measured in docs/benchmarks.md):
 * - memoryLimit caps DuckDB's buffers, so a server on a 10M-event file stays small when idle and
 *   while exporting (DuckDB's own default is 80% of RAM, kept as cache);
 * - checkpointThreshold: a checkpoint blocks commits while it compresses the WAL into the file,
 *   and each one rewrites the table's last, partly filled row group. DuckDB's 16MB made that
 *   happen every ~90k events; 128MB (~680k events) halves ingest's cost of it, and replaying at
 *   most 128MB of WAL after a crash takes seconds;
 * - bulkFlushThreshold: DuckDB (built with glibc's malloc here) leaves memory a statement freed,
 *   e.g. a sort's runs, in malloc's arenas, where it stays resident. After a single free of more
 *   than this DuckDB hands free memory back to the system. At DuckDB's 512MB it never did for
 *   Tally's statements: a time-ordered export of 10M events stored roughly in time order (each
 *   window sorted) grew the process ~100 MiB beyond DuckDB's own accounting; at 1MB it does not
 *   (16MB did not help). docs/benchmarks.md, bench:export.
 */
export const DUCKDB_DEFAULTS = { memoryLimit: '256MB', checkpointThreshold: '128MB', bulkFlushThreshold: '1MB', idleTrimMs: 10_000 } as const;

/** DuckDB's memory limit for the instant of an idle trim (idle-trim.ts). */
const IDLE_MEMORY_LIMIT = '16MB';

/** Sizes reach SET statements, so only DuckDB's plain size syntax passes. */
function checkedSize(option: string, value: string): string {
  if (!/^\d+(\.\d+)?\s*(B|[KMGT]i?B)$/i.test(value)) throw new Error(`DuckDbStore option ${option} must be a size like 256MB, got "${value}"`);
  return value;
}

const DEFAULT_READERS = 3;
const DEFAULT_STREAM_CHUNK_ROWS = 2048;

function toValues(params: readonly SqlParam[]): DuckDBValue[] | undefined {
  // Without values the binding runs the SQL directly, skipping a prepare round trip.
  return params.length === 0 ? undefined : [...params];
}

/**
 * The binding types an integer-valued number as INTEGER or BIGINT, and fails past the int64
 * range (`1e19` in a filter). A JS number beyond ±2^53 is a double anyway: such values are bound
 * as DOUBLE; every other parameter keeps the type the binding infers (undefined).
 */
function paramTypes(params: readonly SqlParam[]): DuckDBType[] | undefined {
  if (!params.some((p) => typeof p === 'number' && !Number.isSafeInteger(p) && Number.isInteger(p))) return undefined;
  return params.map((p) => (typeof p === 'number' && Number.isInteger(p) && !Number.isSafeInteger(p) ? DOUBLE : undefined)) as DuckDBType[];
}

function converterFor(result: DuckDBResult): RowConverter {
  const typeIds = Array.from({ length: result.columnCount }, (_, i) => result.columnTypeId(i));
  return new RowConverter(result.deduplicatedColumnNames(), typeIds);
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

async function connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const conn = await instance.connect();
  // Every timestamp is stored and compared as UTC; the session default is the host's zone.
  await conn.run("SET TimeZone = 'UTC'");
  return conn;
}

export class DuckDbStore implements Store {
  readonly dialect = 'duckdb' as const;
  private readonly writes = new AsyncMutex();
  private readonly lifecycle = new StoreLifecycle('duckdb');
  private readonly streams = new Set<DuckDBConnection>();
  private readonly commits: GroupCommit;

  /** Null for ':memory:' or when switched off. */
  readonly trimmer: IdleTrimmer | null;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly readers: ConnectionPool,
    private readonly events: EventWriter,
    private readonly actorKeys: ActorKeys,
    trim: { idleMs: number; restoreTo: string; onError?: (err: unknown) => void } | null,
  ) {
    this.commits = new GroupCommit(
      (fn) => this.writes.run(fn),
      (group) => withContext('append', () => this.events.writeGroup(group)),
    );
    this.trimmer =
      trim === null
        ? null
        : new IdleTrimmer({
            ...trim,
            trimTo: IDLE_MEMORY_LIMIT,
            run: (sql) => this.writes.run(() => withContext('idle trim', async () => void (await this.writer.run(sql)))),
          });
  }

  /** Counts `work` as activity for the idle trimmer (and waits while a trim runs). */
  private busy<T>(work: () => Promise<T>): Promise<T> {
    return this.trimmer === null ? work() : this.trimmer.around(work);
  }

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    const memory = options.path === ':memory:';
    if (!memory) await mkdir(dirname(resolve(options.path)), { recursive: true });
    const config: Record<string, string> = {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    };
    if (options.threads !== undefined) config['threads'] = String(options.threads);
    // A file database gets Tally's defaults; ':memory:' keeps DuckDB's (its data lives in that memory).
    const memoryLimit = options.memoryLimit ?? (memory ? undefined : DUCKDB_DEFAULTS.memoryLimit);
    if (memoryLimit !== undefined) config['memory_limit'] = checkedSize('memoryLimit', memoryLimit);
    const checkpointThreshold = options.checkpointThreshold ?? (memory ? undefined : DUCKDB_DEFAULTS.checkpointThreshold);
    if (checkpointThreshold !== undefined) config['checkpoint_threshold'] = checkedSize('checkpointThreshold', checkpointThreshold);
    if (!memory) config['allocator_bulk_deallocation_flush_threshold'] = DUCKDB_DEFAULTS.bulkFlushThreshold;
    const idleMs = memory ? 0 : (options.idleTrimMs ?? DUCKDB_DEFAULTS.idleTrimMs);
    const trim = idleMs > 0 && memoryLimit !== undefined ? { idleMs, restoreTo: memoryLimit, ...(options.onIdleTrimError ? { onError: options.onIdleTrimError } : {}) } : null;
    if (options.exportDir === undefined) config['enable_external_access'] = 'false';
    const instance = await withContext(`open ${options.path}`, () =>
      DuckDBInstance.create(memory ? ':memory:' : resolve(options.path), config),
    );
    const opened: DuckDBConnection[] = [];
    try {
      const writer = await withContext('connect', () => connect(instance));
      opened.push(writer);
      if (options.exportDir !== undefined) {
        const dir = resolve(options.exportDir);
        await mkdir(dir, { recursive: true });
        await withContext('restrict file access', async () => {
          await writer.run(`SET allowed_directories = [${sqlString(`${dir}/`)}]`);
          await writer.run('SET enable_external_access = false');
        });
      }
      await applyMigrations(writer);
      const columns = await withContext('read events columns', () => readEventColumns(writer));
      const count = Math.max(1, options.readConnections ?? DEFAULT_READERS);
      for (let i = 0; i < count; i++) opened.push(await withContext('connect', () => connect(instance)));
      const actorKeys = await withContext('read actor keys', () => ActorKeys.open(writer, options.actorKeyCacheEntries));
      const events = new EventWriter(writer, new EventColumns(columns, []), actorKeys);
      return new DuckDbStore(instance, writer, new ConnectionPool(opened.slice(1)), events, actorKeys, trim);
    } catch (err) {
      for (const conn of opened) conn.closeSync();
      instance.closeSync();
      throw err;
    }
  }

  migrate(catalog: Catalog): Promise<void> {
    return this.lifecycle.guard(() =>
      this.writes.run(() =>
        withContext('migrate', async () => {
          await syncPropColumns(this.writer, catalog, await readEventColumns(this.writer));
          // The writer keeps the declared props so append() knows each value's column and type.
          this.events.setColumns(new EventColumns(await readEventColumns(this.writer), catalog.props.values()));
        }),
      ),
    );
  }

  append(org: string, events: readonly StoredEvent[]): Promise<AppendResult> {
    return this.lifecycle.guard(async () => {
      if (events.length === 0) return { accepted: 0, duplicates: 0, written: [] };
      // Requests arriving while a transaction runs share the next one (group commit).
      return this.busy(() => this.commits.submit({ org, events }));
    });
  }

  eraseActor(org: string, actor: string): Promise<ErasedEvents> {
    const params = [org, actor];
    return this.writeTransaction(
      'erase actor',
      async () => {
        const summary = await this.writer.runAndReadAll(ERASURE.summary, params);
        for (const sql of ERASURE.deletes) await this.writer.run(sql, params);
        await this.writer.run('DELETE FROM actors WHERE org_id = $1 AND actor = $2', params);
        return erasedEvents(summary.getRows().map(([event, n, first, last]) => ({ event: String(event), count: Number(n), first: Number(first), last: Number(last) })));
      },
      // Only once the row is gone for good: a returning actor then gets a new key.
      () => this.actorKeys.forget(org, actor),
    );
  }

  async expireEvents(latest: number, beforeFor: (org: string) => number | null): Promise<ExpiredEvents[]> {
    const candidates = await this.query(EXPIRY.candidates, [latest]);
    return expirePerOrg(candidates.map((r) => String(r['org_id'])), beforeFor, (org, before) => this.expireOrg(org, before));
  }

  /** One org's events before `before`, their ids and the actors left without events, in one transaction. */
  private async expireOrg(org: string, before: number): Promise<number> {
    const params = [org, before];
    const { events } = await this.writeTransaction(
      'expire events',
      async () => {
        const counted = await this.writer.runAndReadAll(EXPIRY.count, params);
        for (const sql of EXPIRY.deletes) await this.writer.run(sql, params);
        const orphans = await this.writer.runAndReadAll(
          'DELETE FROM actors WHERE org_id = $1 AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.org_id = $1 AND e.actor = actors.actor) RETURNING actor',
          [org],
        );
        return { events: Number(counted.getRows()[0]?.[0] ?? 0), actors: orphans.getRows().map(([actor]) => String(actor)) };
      },
      ({ actors }) => {
        for (const actor of actors) this.actorKeys.forget(org, actor);
      },
    );
    return events;
  }

  /**
   * `fn` in one transaction on the writer, serialized with appends (deletions); `afterCommit` runs
   * before the writer is released, so no append sees the store between the commit and it.
   */
  private writeTransaction<T>(context: string, fn: () => Promise<T>, afterCommit: (result: T) => void): Promise<T> {
    return this.lifecycle.guard(() =>
      this.busy(() =>
        this.writes.run(() =>
          withContext(context, async () => {
            const result = await inTransaction(this.writer, fn);
            afterCommit(result);
            return result;
          }),
        ),
      ),
    );
  }

  query(sql: string, params: readonly SqlParam[], options: QueryOptions = {}): Promise<SqlRow[]> {
    const { signal } = options;
    return this.lifecycle.guard(() =>
      this.busy(() => this.readers.use(async (conn) => {
        signal?.throwIfAborted();
        // Wired only while this statement owns the pooled connection, so an abort can never
        // interrupt the statement of whoever uses the connection next. An interrupt that lands
        // before the statement started (its task still queued for a libuv thread) is lost, so
        // it is repeated until the statement ends.
        let repeat: NodeJS.Timeout | undefined;
        const interrupt = (): void => {
          conn.interrupt();
          repeat = setInterval(() => conn.interrupt(), 50);
        };
        signal?.addEventListener('abort', interrupt, { once: true });
        try {
          return await withContext('query', async () => {
            const result = await conn.run(sql, toValues(params), paramTypes(params));
            const converter = converterFor(result);
            const rows: SqlRow[] = [];
            for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
              converter.convert(chunk, rows);
            }
            return rows;
          });
        } catch (err) {
          // The interrupt surfaces as a DuckDB error; the caller asked for the abort, so say that.
          if (signal?.aborted) throw signal.reason;
          throw err;
        } finally {
          clearInterval(repeat);
          signal?.removeEventListener('abort', interrupt);
        }
      })),
    );
  }

  async *stream(sql: string, params: readonly SqlParam[], options: StreamOptions = {}): AsyncGenerator<SqlRow[]> {
    this.lifecycle.assertOpen();
    // A long export keeps the store busy: no idle trim under it.
    await this.trimmer?.enter();
    try {
      yield* this.streamRows(sql, params, options);
    } finally {
      this.trimmer?.leave();
    }
  }

  private async *streamRows(sql: string, params: readonly SqlParam[], options: StreamOptions): AsyncGenerator<SqlRow[]> {
    const { signal } = options;
    const chunkRows = Math.max(1, options.chunkRows ?? DEFAULT_STREAM_CHUNK_ROWS);
    signal?.throwIfAborted();
    const conn = await this.lifecycle.hold(withContext('stream (connect)', () => connect(this.instance)));
    if (this.lifecycle.isClosing) {
      conn.closeSync();
      this.lifecycle.assertOpen();
    }
    this.streams.add(conn);
    const interrupt = (): void => conn.interrupt();
    signal?.addEventListener('abort', interrupt, { once: true });
    try {
      const result = await this.lifecycle.hold(withContext('stream', () => conn.stream(sql, toValues(params), paramTypes(params))));
      const converter = converterFor(result);
      let rows: SqlRow[] = [];
      for (;;) {
        signal?.throwIfAborted();
        const chunk = await this.lifecycle.hold(withContext('stream (fetch)', () => result.fetchChunk()));
        // An interrupted or disconnected result may just look finished; never pass that off as the end.
        signal?.throwIfAborted();
        if (!this.streams.has(conn)) throw new StoreError('duckdb', 'stream', new Error('the store was closed'));
        if (!chunk || chunk.rowCount === 0) break;
        converter.convert(chunk, rows);
        if (rows.length >= chunkRows) {
          let start = 0;
          for (; rows.length - start >= chunkRows; start += chunkRows) yield rows.slice(start, start + chunkRows);
          rows = rows.slice(start);
        }
      }
      if (rows.length > 0) yield rows;
    } catch (err) {
      // The interrupt surfaces as a DuckDB error; the caller asked for the abort, so say that.
      if (signal?.aborted) throw signal.reason;
      throw err;
    } finally {
      signal?.removeEventListener('abort', interrupt);
      // Disconnecting drops the unfinished streaming result; close() may have done it already.
      if (this.streams.delete(conn)) conn.closeSync();
    }
  }

  execute(sql: string, params: readonly SqlParam[]): Promise<void> {
    // On the writer, so metadata writes never interleave with an append's open transaction.
    return this.lifecycle.guard(() =>
      this.busy(() =>
        this.writes.run(() =>
          withContext('execute', async () => {
            await this.writer.run(sql, toValues(params), paramTypes(params));
          }),
        ),
      ),
    );
  }

  largestActorKey(): number {
    return this.actorKeys.largestKey;
  }

  ping(): Promise<void> {
    return this.lifecycle.guard(() =>
      this.readers.use((conn) =>
        withContext('ping', async () => {
          await conn.run('SELECT 1');
        }),
      ),
    );
  }

  close(): Promise<void> {
    return this.lifecycle.close(() => this.shutdown());
  }

  private async shutdown(): Promise<void> {
    await this.trimmer?.stop();
    for (const conn of this.streams) conn.interrupt();
    await this.lifecycle.drain();
    for (const conn of this.streams) conn.closeSync();
    this.streams.clear();
    this.events.close();
    this.writer.closeSync();
    this.readers.closeAll();
    this.instance.closeSync();
  }
}
