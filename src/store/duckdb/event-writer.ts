import { LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { AppendResult, StoredEvent } from '../../domain/event.js';
import { type AppendRequest, type PreparedAppend as Prepared, prepareAppend as prepare } from '../append-request.js';
import { ArrivalClock } from '../arrival-clock.js';
import type { ActorKeys } from './actor-keys.js';
import type { EventColumns } from './event-columns.js';
import { ChunkFiller } from './chunk-filler.js';
import { inTransaction } from './transaction.js';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

/** The fast path met an id that an earlier request already stored. */
class IdConflict extends Error {}

/**
 * Appends a group of requests' events on the writer connection inside one transaction: claim the
 * ids in event_ids, key the actors (actor-keys.ts), append the events that were new, commit. Any
 * failure rolls back the whole group, keys included (the caller then retries each request alone,
 * so one bad request fails only itself).
 *
 * Claiming ids has two paths. The fast one appends the ids through an Appender, which is about
 * twice as fast as INSERT … ON CONFLICT but fails the whole transaction on a repeated id; then the
 * group is retried with ON CONFLICT DO NOTHING RETURNING id, request by request in arrival order,
 * which reports the ids that were new (the first request to send an id wins, also across the
 * requests of one group). After a group that did contain repeats the slow path is tried first,
 * since retries tend to come in runs.
 *
 * The caller serialises calls (one transaction per connection).
 */
export class EventWriter {
  private readonly arrivals = new ArrivalClock();
  private claimStatement: DuckDBPreparedStatement | null = null;
  private expectRepeats = false;
  private filler: { columns: EventColumns; filler: ChunkFiller } | null = null;
  /** event_ids (org_id, id): its layout never changes. */
  private idFiller: ChunkFiller | null = null;

  constructor(
    private readonly conn: DuckDBConnection,
    private columns: EventColumns,
    private readonly actorKeys: ActorKeys,
  ) {}

  /** The events table or the catalog changed (migrate): map onto the new column layout. */
  setColumns(columns: EventColumns): void {
    this.columns = columns;
  }

  /** Results in request order. */
  async writeGroup(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    const group = requests.map(prepare);
    const receivedAt = this.arrivals.next();
    const anyIds = group.some((p) => p.ids.length > 0);
    if (!anyIds || !this.expectRepeats) {
      try {
        return await this.transaction(async () => {
          if (anyIds) await this.claimAll(group);
          return this.appendEvents(group.map((p) => p.unique), group, receivedAt);
        });
      } catch (err) {
        if (!(err instanceof IdConflict)) throw err;
      }
    }
    return this.transaction(async () => {
      const written: StoredEvent[][] = [];
      let repeats = false;
      for (const p of group) {
        const fresh = p.ids.length > 0 ? await this.claimNew(p.org, p.ids) : new Set<string>();
        repeats ||= fresh.size < p.ids.length;
        written.push(p.unique.filter((e) => e.id === null || fresh.has(e.id)));
      }
      this.expectRepeats = repeats;
      return this.appendEvents(written, group, receivedAt);
    });
  }

  /** A transaction whose actor keys become known only when it commits. */
  private async transaction<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await inTransaction(this.conn, fn);
      this.actorKeys.commit();
      return result;
    } catch (err) {
      this.actorKeys.rollback();
      throw err;
    }
  }

  close(): void {
    this.claimStatement?.destroySync();
    this.claimStatement = null;
  }

  private async claimAll(group: readonly Prepared[]): Promise<void> {
    await this.withAppender('event_ids', (appender) => {
      this.idFiller ??= new ChunkFiller([appender.columnType(0), appender.columnType(1)], CHUNK_ROWS);
      const filler = this.idFiller;
      try {
        for (const { org, ids } of group) {
          for (let start = 0; start < ids.length; start += CHUNK_ROWS) {
            const end = Math.min(start + CHUNK_ROWS, ids.length);
            filler.start(end - start);
            filler.constant(0, org);
            for (let i = start; i < end; i++) filler.set(i - start, 1, ids[i] as string);
            appender.appendDataChunk(filler.finish());
          }
        }
        // The key is checked when rows reach the table: at this flush (or an earlier automatic one).
        appender.flushSync();
      } catch (err) {
        const message = err instanceof Error ? err.message : '';
        if (/violates primary key constraint/i.test(message)) throw new IdConflict(message, { cause: err });
        throw err;
      }
    });
  }

  /** Inserts the ids that are not stored yet and returns exactly those. */
  private async claimNew(org: string, ids: readonly string[]): Promise<Set<string>> {
    this.claimStatement ??= await this.conn.prepare(
      'INSERT INTO event_ids SELECT $1, unnest($2::VARCHAR[]) ON CONFLICT DO NOTHING RETURNING id',
    );
    this.claimStatement.bind([org, listValue(ids)], [VARCHAR, LIST(VARCHAR)]);
    const reader = await this.claimStatement.runAndReadAll();
    return new Set(reader.getColumns()[0] as string[] | undefined);
  }

  /** `written[i]`: the events of `group[i]` to store. */
  private async appendEvents(
    written: readonly StoredEvent[][],
    group: readonly Prepared[],
    receivedAtMs: number,
  ): Promise<AppendResult[]> {
    if (written.some((events) => events.length > 0)) {
      const keys = await this.keyActors(written, group);
      await this.withAppender('events', (appender) => {
        if (appender.columnCount !== this.columns.columnCount) {
          throw new Error('events table columns changed outside migrate(); reopen the store');
        }
        const filler = this.fillerFor(appender);
        written.forEach((events, g) => {
          const org = (group[g] as Prepared).org;
          const orgKeys = keys.get(org) as ReadonlyMap<string, number>;
          for (let start = 0; start < events.length; start += CHUNK_ROWS) {
            const end = Math.min(start + CHUNK_ROWS, events.length);
            filler.start(end - start);
            this.columns.fill(filler, org, events, { start, end }, receivedAtMs, orgKeys);
            appender.appendDataChunk(filler.finish());
          }
        });
        appender.flushSync();
      });
    }
    return written.map((events, g) => ({
      accepted: events.length,
      duplicates: (group[g] as Prepared).received - events.length,
      written: events,
    }));
  }

  /** org → actor → key, for the actors of the events to write (new actors get keys now). */
  private async keyActors(written: readonly StoredEvent[][], group: readonly Prepared[]): Promise<Map<string, Map<string, number>>> {
    const actorsByOrg = new Map<string, Array<string | null>>();
    written.forEach((events, g) => {
      const org = (group[g] as Prepared).org;
      let actors = actorsByOrg.get(org);
      if (actors === undefined) actorsByOrg.set(org, (actors = []));
      for (const e of events) actors.push(e.actor);
    });
    const keys = new Map<string, Map<string, number>>();
    for (const [org, actors] of actorsByOrg) keys.set(org, await this.actorKeys.keysFor(org, actors));
    return keys;
  }

  /** One filler per column layout, reused across requests (its buffers are the chunk's size). */
  private fillerFor(appender: DuckDBAppender): ChunkFiller {
    if (this.filler === null || this.filler.columns !== this.columns) {
      const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
      this.filler = { columns: this.columns, filler: new ChunkFiller(types, CHUNK_ROWS) };
    }
    return this.filler.filler;
  }

  /** Opens an Appender for `table`; on failure its buffered rows are dropped so closing cannot flush them. */
  private async withAppender(table: string, fn: (appender: DuckDBAppender) => void): Promise<void> {
    const appender = await this.conn.createAppender(table);
    try {
      fn(appender);
    } catch (err) {
      appender.clear();
      throw err;
    } finally {
      appender.closeSync();
    }
  }
}
