import { DuckDBDataChunk, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import type { AppendResult, StoredEvent } from '../../domain/event.js';
import type { EventColumns } from './event-columns.js';
import { timestampFromMillis } from './event-columns.js';
import { inTransaction } from './transaction.js';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

/** The fast path met an id that an earlier request already stored. */
class IdConflict extends Error {}

/** First occurrence wins, as the API promises for a repeated id. */
function dropRepeatedIds(events: readonly StoredEvent[]): StoredEvent[] {
  const seen = new Set<string>();
  const kept: StoredEvent[] = [];
  for (const e of events) {
    if (e.id !== null) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
    }
    kept.push(e);
  }
  return kept;
}

/**
 * Appends one request's events on the writer connection inside one transaction: claim the ids in
 * event_ids, append the events that were new, commit. Any failure rolls both tables back.
 *
 * Claiming ids has two paths. The fast one appends the ids through an Appender, which is about
 * twice as fast as INSERT … ON CONFLICT but fails the whole transaction on a repeated id; then the
 * batch is retried with ON CONFLICT DO NOTHING RETURNING id, which reports the ids that were new.
 * After a batch that did contain repeats the slow path is tried first, since retries tend to come
 * in runs.
 *
 * The caller serialises calls (one transaction per connection).
 */
export class EventWriter {
  private claimStatement: DuckDBPreparedStatement | null = null;
  private expectRepeats = false;

  constructor(
    private readonly conn: DuckDBConnection,
    private columns: EventColumns,
  ) {}

  /** The events table or the catalog changed (migrate): map onto the new column layout. */
  setColumns(columns: EventColumns): void {
    this.columns = columns;
  }

  async write(org: string, events: readonly StoredEvent[]): Promise<AppendResult> {
    const unique = dropRepeatedIds(events);
    const ids = unique.flatMap((e) => (e.id === null ? [] : [e.id]));
    const receivedAt = Date.now();
    if (ids.length === 0 || !this.expectRepeats) {
      try {
        return await inTransaction(this.conn, async () => {
          if (ids.length > 0) await this.claimAll(org, ids);
          return this.appendEvents(org, unique, events.length, receivedAt);
        });
      } catch (err) {
        if (!(err instanceof IdConflict)) throw err;
      }
    }
    return inTransaction(this.conn, async () => {
      const fresh = await this.claimNew(org, ids);
      this.expectRepeats = fresh.size < ids.length;
      const written = unique.filter((e) => e.id === null || fresh.has(e.id));
      return this.appendEvents(org, written, events.length, receivedAt);
    });
  }

  close(): void {
    this.claimStatement?.destroySync();
    this.claimStatement = null;
  }

  private async claimAll(org: string, ids: readonly string[]): Promise<void> {
    await this.withAppender('event_ids', (appender) => {
      for (const id of ids) {
        appender.appendVarchar(org);
        appender.appendVarchar(id);
        appender.endRow();
      }
      try {
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

  private async appendEvents(
    org: string,
    events: StoredEvent[],
    received: number,
    receivedAtMs: number,
  ): Promise<AppendResult> {
    if (events.length > 0) {
      const receivedAt = timestampFromMillis(receivedAtMs);
      await this.withAppender('events', (appender) => {
        if (appender.columnCount !== this.columns.columnCount) {
          throw new Error('events table columns changed outside migrate(); reopen the store');
        }
        const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
        for (let start = 0; start < events.length; start += CHUNK_ROWS) {
          const end = Math.min(start + CHUNK_ROWS, events.length);
          const values = this.columns.build(org, events, start, end, receivedAt);
          const chunk = DuckDBDataChunk.create(types, end - start);
          values.forEach((column, i) => chunk.setColumnValues(i, column));
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      });
    }
    return { accepted: events.length, duplicates: received - events.length, written: events };
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
