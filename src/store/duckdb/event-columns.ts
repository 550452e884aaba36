import { DuckDBTimestampValue } from '@duckdb/node-api';
import type { DuckDBValue } from '@duckdb/node-api';
import type { PropValue, StoredEvent } from '../../domain/event.js';
import type { PropDef } from '../../model/types.js';
import type { TableColumn } from './prop-columns.js';

type FixedColumn = 'org_id' | 'ts' | 'event' | 'actor' | 'id' | 'received_at' | 'extra';

/** Where one events column takes its value from. */
type Slot =
  | { kind: 'fixed'; column: FixedColumn }
  | { kind: 'prop'; prop: PropDef }
  /** A p_ column whose prop is no longer declared: its values now travel in `extra`. */
  | { kind: 'null' };

const FIXED = new Set<string>(['org_id', 'ts', 'event', 'actor', 'id', 'received_at', 'extra']);

/** Epoch milliseconds → DuckDB TIMESTAMP (microseconds). */
export function timestampFromMillis(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function typeError(prop: PropDef, value: unknown, e: StoredEvent): TypeError {
  const where = e.id === null ? `event "${e.event}"` : `event "${e.event}" (id ${e.id})`;
  return new TypeError(`prop "${prop.name}" of ${where} must be a ${prop.type}, got ${describe(value)}`);
}

function typedValue(prop: PropDef, value: PropValue | undefined, e: StoredEvent): DuckDBValue {
  if (value === null || value === undefined) return null;
  switch (prop.type) {
    case 'number':
      if (typeof value === 'number') return value;
      break;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'time': {
      // Ingest may hand over epoch milliseconds or an ISO 8601 string; both mean an instant.
      const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
      if (Number.isFinite(ms)) return timestampFromMillis(ms);
      break;
    }
  }
  throw typeError(prop, value, e);
}

/**
 * Maps events onto the events table's physical column order, so a batch can be handed to the
 * Appender as whole columns. Declared props go to their typed columns; every other prop is kept
 * in `extra` as one JSON object (NULL when there is none).
 */
export class EventColumns {
  private readonly slots: readonly Slot[];
  private readonly declared: ReadonlySet<string>;

  constructor(columns: readonly TableColumn[], props: Iterable<PropDef>) {
    const byColumn = new Map<string, PropDef>();
    for (const p of props) byColumn.set(p.column, p);
    this.slots = columns.map((c): Slot => {
      if (FIXED.has(c.name)) return { kind: 'fixed', column: c.name as FixedColumn };
      const prop = byColumn.get(c.name);
      return prop ? { kind: 'prop', prop } : { kind: 'null' };
    });
    const missing = [...FIXED].filter((name) => !columns.some((c) => c.name === name));
    if (missing.length > 0) throw new Error(`events table lacks columns: ${missing.join(', ')}`);
    this.declared = new Set(this.slots.flatMap((s) => (s.kind === 'prop' ? [s.prop.name] : [])));
  }

  get columnCount(): number {
    return this.slots.length;
  }

  /** Column-major values for rows [start, end); throws TypeError on a value that does not fit its column. */
  build(
    org: string,
    events: readonly StoredEvent[],
    start: number,
    end: number,
    receivedAt: DuckDBTimestampValue,
  ): DuckDBValue[][] {
    const count = end - start;
    const columns: DuckDBValue[][] = this.slots.map(() => new Array<DuckDBValue>(count));
    for (let r = 0; r < count; r++) {
      const e = events[start + r] as StoredEvent;
      for (let c = 0; c < this.slots.length; c++) {
        (columns[c] as DuckDBValue[])[r] = this.value(this.slots[c] as Slot, e, org, receivedAt);
      }
    }
    return columns;
  }

  private value(slot: Slot, e: StoredEvent, org: string, receivedAt: DuckDBTimestampValue): DuckDBValue {
    if (slot.kind === 'prop') return typedValue(slot.prop, e.props[slot.prop.name], e);
    if (slot.kind === 'null') return null;
    switch (slot.column) {
      case 'org_id':
        return org;
      case 'ts':
        if (!Number.isFinite(e.timestamp)) throw new TypeError(`event "${e.event}" has no valid timestamp`);
        return timestampFromMillis(e.timestamp);
      case 'event':
        return e.event;
      case 'actor':
        return e.actor;
      case 'id':
        return e.id;
      case 'received_at':
        return receivedAt;
      case 'extra':
        return this.extra(e.props);
    }
  }

  private extra(props: Record<string, PropValue>): string | null {
    let extra: Record<string, PropValue> | null = null;
    for (const key in props) {
      if (this.declared.has(key)) continue;
      // A null prototype keeps a "__proto__" prop an ordinary key instead of a prototype swap.
      extra ??= Object.create(null) as Record<string, PropValue>;
      extra[key] = props[key] as PropValue;
    }
    return extra === null ? null : JSON.stringify(extra);
  }
}
