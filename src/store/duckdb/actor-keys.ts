/**
 * Dense integer keys for actors, per org: 1, 2, 3 … in order of first appearance, kept in the
 * `actors` table and beside every event (events.actor_id). Counting distinct actors then hashes
 * integers instead of decoding strings, and the period summary counts them with bitmaps that
 * roll up from buckets to periods (src/query/views/period-summary.ts).
 *
 * Only the writer assigns keys, inside the append's transaction. Keys handed out during a
 * transaction stay pending until `commit()`; `rollback()` forgets them, so a key in memory is
 * always a key in the table.
 *
 * Known keys live in a bounded LRU cache. An org whose whole dictionary fits is loaded at its
 * first append and marked complete: a miss then means a new actor, with no lookup. When one of
 * its entries is evicted it stops being complete, and misses are looked up in the table (one
 * statement per batch, a scan of the org's actors) before new keys are assigned.
 */
import { LRUCache } from 'lru-cache';
import { LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';

/** Default number of (org, actor) → key entries kept in memory (≈ 100 B each). */
export const ACTOR_KEY_CACHE_ENTRIES = 500_000;

const SEP = '\u0000';

interface OrgState {
  /** The next key to hand out. */
  next: number;
  /** Every actor of the org is in the cache (or pending). */
  complete: boolean;
}

interface Pending {
  /** org → the next key to hand out, for orgs this transaction assigned keys in. */
  next: Map<string, number>;
  keys: Map<string, number>;
}

const nothingPending = (): Pending => ({ next: new Map(), keys: new Map() });

export class ActorKeys {
  private readonly cache: LRUCache<string, number>;
  private readonly orgs = new Map<string, OrgState>();
  private pending: Pending = nothingPending();
  private largest: number;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly capacity: number,
    largest: number,
  ) {
    this.largest = largest;
    this.cache = new LRUCache<string, number>({
      max: capacity,
      dispose: (_value, cacheKey, reason) => {
        if (reason !== 'evict') return;
        const state = this.orgs.get(cacheKey.slice(0, cacheKey.indexOf(SEP)));
        if (state) state.complete = false;
      },
    });
  }

  static async open(conn: DuckDBConnection, capacity = ACTOR_KEY_CACHE_ENTRIES): Promise<ActorKeys> {
    const reader = await conn.runAndReadAll('SELECT coalesce(max(actor_id), 0) FROM actors');
    return new ActorKeys(conn, Math.max(1, capacity), Number(reader.getColumns()[0]?.[0] ?? 0));
  }

  /**
   * Drops an erased actor's key from memory, after its row left the table (committed): if the
   * actor comes back, it is a new actor with a new key. Call on the writer, outside a transaction.
   */
  forget(org: string, actor: string): void {
    this.cache.delete(org + SEP + actor);
  }

  /** The largest key assigned so far, over all orgs (a bound for sizing bitmaps). */
  get largestKey(): number {
    return this.largest;
  }

  /**
   * Keys for the given actors of `org`, assigning new ones (pending until commit). Call only
   * inside the writer's open transaction.
   */
  async keysFor(org: string, actors: Iterable<string | null>): Promise<Map<string, number>> {
    const keys = new Map<string, number>();
    const missing = new Set<string>();
    for (const actor of actors) {
      if (actor === null || keys.has(actor) || missing.has(actor)) continue;
      const cacheKey = org + SEP + actor;
      const key = this.pending.keys.get(cacheKey) ?? this.cache.get(cacheKey);
      if (key === undefined) missing.add(actor);
      else keys.set(actor, key);
    }
    if (missing.size === 0) return keys;
    const known = this.orgs.get(org);
    const state = known ?? (await this.load(org));
    if (!state.complete) {
      for (const [actor, key] of await this.lookUp(org, [...missing])) {
        keys.set(actor, key);
        this.cache.set(org + SEP + actor, key);
        missing.delete(actor);
      }
    } else if (known === undefined) {
      // The dictionary was loaded just now and may hold some of them.
      for (const actor of missing) {
        const key = this.cache.get(org + SEP + actor);
        if (key !== undefined) {
          keys.set(actor, key);
          missing.delete(actor);
        }
      }
    }
    if (missing.size > 0) await this.assign(org, this.pending.next.get(org) ?? state.next, [...missing], keys);
    return keys;
  }

  /** The transaction committed: pending keys become known. */
  commit(): void {
    for (const [org, next] of this.pending.next) {
      const state = this.orgs.get(org);
      if (state) state.next = next;
    }
    for (const [cacheKey, key] of this.pending.keys) {
      this.cache.set(cacheKey, key);
      if (key > this.largest) this.largest = key;
    }
    this.pending = nothingPending();
  }

  /** The transaction rolled back: forget what it assigned. */
  rollback(): void {
    this.pending = nothingPending();
  }

  /**
   * At the org's first use: its committed counter and completeness from the table, and its
   * dictionary into the cache when it fits in half of it.
   */
  private async load(org: string): Promise<OrgState> {
    const reader = await this.conn.runAndReadAll('SELECT count(*), coalesce(max(actor_id), 0) FROM actors WHERE org_id = $1', [org]);
    const [count, max] = reader.getRows()[0] ?? [0, 0];
    const fits = Number(count) <= this.capacity / 2;
    // Registered before loading, so an eviction while loading marks it incomplete.
    const state: OrgState = { next: Number(max) + 1, complete: fits };
    this.orgs.set(org, state);
    if (fits && Number(count) > 0) {
      const all = await this.conn.runAndReadAll('SELECT actor, actor_id FROM actors WHERE org_id = $1', [org]);
      for (const [actor, key] of all.getRows()) this.cache.set(org + SEP + String(actor), Number(key));
    }
    return state;
  }

  private async lookUp(org: string, actors: readonly string[]): Promise<Array<[string, number]>> {
    const reader = await this.conn.runAndReadAll(
      'SELECT a.actor, a.actor_id FROM actors AS a WHERE a.org_id = $1 AND a.actor IN (SELECT unnest($2::VARCHAR[]))',
      [org, listValue([...actors])],
      [VARCHAR, LIST(VARCHAR)],
    );
    return reader.getRows().map(([actor, key]) => [String(actor), Number(key)]);
  }

  private async assign(org: string, next: number, actors: readonly string[], keys: Map<string, number>): Promise<void> {
    const assigned = actors.map((_, i) => next + i);
    // An Appender: several times cheaper than INSERT … unnest for a batch's handful of new rows.
    const appender = await this.conn.createAppender('actors');
    try {
      actors.forEach((actor, i) => {
        appender.appendVarchar(org);
        appender.appendVarchar(actor);
        appender.appendInteger(assigned[i] as number);
        appender.endRow();
      });
      appender.flushSync();
    } catch (err) {
      appender.clear();
      throw err;
    } finally {
      appender.closeSync();
    }
    actors.forEach((actor, i) => {
      const key = assigned[i] as number;
      keys.set(actor, key);
      this.pending.keys.set(org + SEP + actor, key);
    });
    this.pending.next.set(org, next + actors.length);
  }
}
