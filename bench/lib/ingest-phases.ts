/**
 * Where an ingest request's time goes, without HTTP: the server's steps run one request at a
 * time in this process and are timed one by one.
 *
 * - parse → validate → DuckDbStore.append, with the real src functions;
 * - inside append, the adapter's steps (BEGIN, claim ids, build columns, fill and append the data
 *   chunk, flush, COMMIT) replayed on a bare connection in the order EventWriter runs them, using
 *   its own EventColumns. A replica, so it can drift from src; the DuckDbStore.append row is the
 *   real thing.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseNdjson } from '../../src/ingest/ndjson.js';
import { validateBatch } from '../../src/ingest/validate.js';
import type { Catalog } from '../../src/model/types.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { ChunkFiller } from '../../src/store/duckdb/chunk-filler.js';
import { ActorKeys } from '../../src/store/duckdb/actor-keys.js';
import { EventColumns } from '../../src/store/duckdb/event-columns.js';
import { readEventColumns } from '../../src/store/duckdb/prop-columns.js';
import { removeDatabase } from './paths.js';
import { connectUtc, openRawInstance } from './raw-duckdb.js';

export interface PhaseTimes {
  /** Mean ms per request of 1,000 events, by step. */
  steps: { name: string; ms: number }[];
  requests: number;
}

function mean(total: number, n: number): number {
  return n === 0 ? Number.NaN : total / n;
}

async function timed<T>(totals: Map<string, number>, name: string, fn: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const value = await fn();
  totals.set(name, (totals.get(name) ?? 0) + performance.now() - t0);
  return value;
}

function toSteps(totals: Map<string, number>, n: number): PhaseTimes {
  return { steps: [...totals.entries()].map(([name, total]) => ({ name, ms: mean(total, n) })), requests: n };
}

/** parse → validate → DuckDbStore.append per body, on a fresh file. */
export async function serverSteps(path: string, catalog: Catalog, org: string, bodies: readonly string[], warmup: number): Promise<PhaseTimes> {
  await removeDatabase(path);
  const store = await DuckDbStore.open({ path });
  const totals = new Map<string, number>();
  try {
    await store.migrate(catalog);
    for (const [i, body] of bodies.entries()) {
      const sink = i < warmup ? new Map<string, number>() : totals;
      const items = await timed(sink, 'JSON parse (parseNdjson)', () => parseNdjson(body));
      const events = await timed(sink, 'validate (validateBatch)', () => validateBatch(items, { props: catalog.props, now: Date.now() }));
      await timed(sink, 'DuckDbStore.append (whole)', () => store.append(org, events));
    }
  } finally {
    await store.close();
  }
  return toSteps(totals, bodies.length - warmup);
}

async function claimIds(conn: DuckDBConnection, org: string, ids: readonly string[]): Promise<void> {
  const appender = await conn.createAppender('event_ids');
  for (const id of ids) {
    appender.appendVarchar(org);
    appender.appendVarchar(id);
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

/** EventWriter's steps, one by one, on a bare connection to a fresh migrated file. */
export async function appendSteps(path: string, catalog: Catalog, org: string, bodies: readonly string[], warmup: number): Promise<PhaseTimes> {
  await removeDatabase(path);
  const store = await DuckDbStore.open({ path });
  await store.migrate(catalog);
  await store.close();
  const instance = await openRawInstance(path, {});
  const conn = await connectUtc(instance);
  const totals = new Map<string, number>();
  try {
    const columns = new EventColumns(await readEventColumns(conn), catalog.props.values());
    const actorKeys = await ActorKeys.open(conn);
    for (const [i, body] of bodies.entries()) {
      const sink = i < warmup ? new Map<string, number>() : totals;
      const events = validateBatch(parseNdjson(body), { props: catalog.props, now: Date.now() });
      const ids = events.flatMap((e) => (e.id === null ? [] : [e.id]));
      await timed(sink, 'BEGIN', () => conn.run('BEGIN TRANSACTION'));
      if (ids.length > 0) await timed(sink, 'claim ids (event_ids Appender + flush)', () => claimIds(conn, org, ids));
      const keys = await timed(sink, 'actor keys (lookup, assign new ones)', () => actorKeys.keysFor(org, events.map((e) => e.actor)));
      const appender = await timed(sink, 'createAppender(events)', () => conn.createAppender('events'));
      const types = Array.from({ length: appender.columnCount }, (_, c) => appender.columnType(c));
      const filler = new ChunkFiller(types, events.length);
      await timed(sink, 'EventColumns.fill (DataChunk fill) + appendDataChunk', () => {
        filler.start(events.length);
        columns.fill(filler, org, events, { start: 0, end: events.length }, Date.now(), keys);
        appender.appendDataChunk(filler.finish());
      });
      await timed(sink, 'Appender flush + close', () => {
        appender.flushSync();
        appender.closeSync();
      });
      await timed(sink, 'COMMIT', () => conn.run('COMMIT'));
      actorKeys.commit();
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return toSteps(totals, bodies.length - warmup);
}
