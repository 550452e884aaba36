/**
 * The plain write speed: the same events into the same events table layout through a bare
 * DuckDBAppender, a flush (= an autocommit) per batch. No HTTP, no validation, no explicit
 * transaction, no idempotency ids. Two ways of feeding the Appender are timed; the faster one is
 * the baseline.
 */
import { DuckDBDataChunk, DuckDBTimestampValue } from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBValue } from '@duckdb/node-api';
import type { PropValue, StoredEvent } from '../../src/domain/event.js';
import type { Catalog, PropDef } from '../../src/model/types.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { removeDatabase } from './paths.js';
import { connectUtc, openRawInstance } from './raw-duckdb.js';

export type AppendMethod = 'per-value appends' | 'appendDataChunk';
export const APPEND_METHODS: readonly AppendMethod[] = ['per-value appends', 'appendDataChunk'];

type Column =
  | { kind: 'org' | 'ts' | 'event' | 'actor' | 'id' | 'received' | 'extra' }
  | { kind: 'prop'; prop: PropDef }
  | { kind: 'null' };

const FIXED: Readonly<Record<string, Column['kind']>> = {
  org_id: 'org',
  ts: 'ts',
  event: 'event',
  actor: 'actor',
  id: 'id',
  received_at: 'received',
  extra: 'extra',
};

function layout(names: readonly string[], catalog: Catalog): Column[] {
  const byColumn = new Map([...catalog.props.values()].map((p) => [p.column, p]));
  return names.map((name): Column => {
    const fixed = FIXED[name];
    if (fixed) return { kind: fixed } as Column;
    const prop = byColumn.get(name);
    return prop ? { kind: 'prop', prop } : { kind: 'null' };
  });
}

function micros(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(ms) * 1000n);
}

function extraJson(props: Record<string, PropValue>, declared: ReadonlyMap<string, PropDef>): string | null {
  let extra: Record<string, PropValue> | null = null;
  for (const key in props) {
    if (declared.has(key)) continue;
    extra ??= {};
    extra[key] = props[key] as PropValue;
  }
  return extra === null ? null : JSON.stringify(extra);
}

function cell(column: Column, e: StoredEvent, org: string, received: DuckDBTimestampValue, declared: ReadonlyMap<string, PropDef>): DuckDBValue {
  switch (column.kind) {
    case 'org':
      return org;
    case 'ts':
      return micros(e.timestamp);
    case 'event':
      return e.event;
    case 'actor':
      return e.actor;
    case 'id':
      return e.id;
    case 'received':
      return received;
    case 'extra':
      return extraJson(e.props, declared);
    case 'null':
      return null;
    case 'prop': {
      const v = e.props[column.prop.name];
      if (v === undefined || v === null) return null;
      return column.prop.type === 'time' && typeof v === 'number' ? micros(v) : v;
    }
  }
}

function appendValue(appender: DuckDBAppender, value: DuckDBValue): void {
  if (value === null) appender.appendNull();
  else if (typeof value === 'string') appender.appendVarchar(value);
  else if (typeof value === 'number') appender.appendDouble(value);
  else if (typeof value === 'boolean') appender.appendBoolean(value);
  else if (value instanceof DuckDBTimestampValue) appender.appendTimestamp(value);
  else appender.appendValue(value);
}

export interface RawAppendResult {
  method: AppendMethod;
  events: number;
  elapsedMs: number;
}

/** Appends `batches` (after `warmup` untimed ones) into a fresh file with Tally's events table. */
export async function rawAppend(
  path: string,
  catalog: Catalog,
  org: string,
  batches: readonly (readonly StoredEvent[])[],
  warmup: number,
  method: AppendMethod,
): Promise<RawAppendResult> {
  await removeDatabase(path);
  // The same table layout as the server's: let the adapter create and migrate it, then let go.
  const store = await DuckDbStore.open({ path });
  await store.migrate(catalog);
  await store.close();

  const instance = await openRawInstance(path, {});
  const conn = await connectUtc(instance);
  try {
    const reader = await conn.runAndReadAll(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position",
    );
    const columns = layout(reader.getColumnsJS()[0]?.map(String) ?? [], catalog);
    const appender = await conn.createAppender('events');
    const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
    const write = (batch: readonly StoredEvent[]): void => {
      const received = micros(Date.now());
      if (method === 'per-value appends') {
        for (const e of batch) {
          for (const c of columns) appendValue(appender, cell(c, e, org, received, catalog.props));
          appender.endRow();
        }
      } else {
        const chunk = DuckDBDataChunk.create(types, batch.length);
        columns.forEach((c, i) => chunk.setColumnValues(i, batch.map((e) => cell(c, e, org, received, catalog.props))));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    };
    try {
      for (let i = 0; i < warmup; i++) write(batches[i] ?? []);
      let events = 0;
      const t0 = performance.now();
      for (let i = warmup; i < batches.length; i++) {
        const batch = batches[i] ?? [];
        write(batch);
        events += batch.length;
      }
      return { method, events, elapsedMs: performance.now() - t0 };
    } finally {
      appender.closeSync();
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
