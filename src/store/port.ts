/**
 * The Store port: everything above it (ingest, engine, auth) talks to storage only through this.
 * Adapters: duckdb/ (embedded default) and postgres/ (shared). Both pass test/contract/store.
 */
import type { AppendResult, ErasedEvents, ExpiredEvents, StoredEvent } from '../domain/event.js';
import type { Catalog } from '../model/types.js';

export type SqlParam = string | number | boolean | null;
/** Values as the engine sees them: BIGINT/DECIMAL become numbers, timestamps epoch milliseconds. */
export type SqlValue = string | number | boolean | null;
export type SqlRow = Record<string, SqlValue>;

export type DialectName = 'duckdb' | 'postgres';

export interface StreamOptions {
  /** Rows per yielded chunk. */
  chunkRows?: number;
  signal?: AbortSignal;
}

export interface QueryOptions {
  /**
   * Aborting cancels the running statement (the engine passes its query timeout here); the
   * promise then rejects with `signal.reason`.
   */
  signal?: AbortSignal;
}

export interface Store {
  readonly dialect: DialectName;
  /** Create or upgrade the schema so that every declared prop of the catalog has a typed column. */
  migrate(catalog: Catalog): Promise<void>;
  /**
   * Append one request's events for one org atomically: all or nothing, deduplicated by (org, id)
   * against earlier requests and within the batch. Resolves only after commit.
   */
  append(org: string, events: readonly StoredEvent[]): Promise<AppendResult>;
  /**
   * Erase one actor of one org, atomically: its events, their ids (so the same ids sent later are
   * new events, not duplicates) and any other record of the actor (the dense key). Serialized with
   * appends; events of the actor appended after it returns are kept.
   */
  eraseActor(org: string, actor: string): Promise<ErasedEvents>;
  /**
   * Delete, per org, the events older than `beforeFor(org)` (null: the org keeps everything), with
   * their ids and any record of actors left without events. Only orgs holding events before
   * `latest` (the latest of all cutoffs) are looked at; one transaction per org. Returns the orgs
   * that lost events.
   */
  expireEvents(latest: number, beforeFor: (org: string) => number | null): Promise<ExpiredEvents[]>;
  /** Run a read query with positional `$n` parameters. */
  query(sql: string, params: readonly SqlParam[], options?: QueryOptions): Promise<SqlRow[]>;
  /** Like query, yielding chunks so callers can stream any number of rows with backpressure. */
  stream(sql: string, params: readonly SqlParam[], options?: StreamOptions): AsyncIterable<SqlRow[]>;
  /** Run a statement that returns nothing useful (metadata tables: keys, users, jobs). */
  execute(sql: string, params: readonly SqlParam[]): Promise<void>;
  /**
   * The largest dense actor key (events.actor_id, numbered per org from 1) assigned so far over
   * all orgs, or null when the store keeps no actor keys. Sizes the summary's actor bitmaps.
   */
  largestActorKey(): number | null;
  /** Cheap liveness probe used by /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
