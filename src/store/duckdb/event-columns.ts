import type { PropValue, StoredEvent } from '../../domain/event.js';
import type { PropDef } from '../../model/types.js';
import { typedValue } from '../prop-value.js';
import type { ChunkFiller } from './chunk-filler.js';
import type { TableColumn } from './prop-columns.js';

type FixedColumn = 'org_id' | 'ts' | 'event' | 'actor' | 'actor_id' | 'id' | 'received_at' | 'extra';

const FIXED = new Set<string>(['org_id', 'ts', 'event', 'actor', 'actor_id', 'id', 'received_at', 'extra']);

function actorKey(keys: ReadonlyMap<string, number>, actor: string): number {
  const key = keys.get(actor);
  if (key === undefined) throw new Error(`no actor key for "${actor}"`);
  return key;
}

/** Where a declared prop's values go. */
interface PropSlot {
  column: number;
  prop: PropDef;
}

/**
 * Maps events onto the events table's physical column order, so a batch can be handed to the
 * Appender as whole columns. Declared props go to their typed columns; every other prop is kept
 * in `extra` as one JSON object (NULL when there is none). A cell nobody sets stays NULL (the
 * filler's columns start null), so an event costs its own props, not the table's width.
 */
export class EventColumns {
  readonly columnCount: number;
  private readonly fixed: Readonly<Record<FixedColumn, number>>;
  private readonly props: ReadonlyMap<string, PropSlot>;

  constructor(columns: readonly TableColumn[], props: Iterable<PropDef>) {
    const missing = [...FIXED].filter((name) => !columns.some((c) => c.name === name));
    if (missing.length > 0) throw new Error(`events table lacks columns: ${missing.join(', ')}`);
    const at = (name: string): number => columns.findIndex((c) => c.name === name);
    this.fixed = { org_id: at('org_id'), ts: at('ts'), event: at('event'), actor: at('actor'), actor_id: at('actor_id'), id: at('id'), received_at: at('received_at'), extra: at('extra') };
    const slots = new Map<string, PropSlot>();
    // A p_ column whose prop is no longer declared gets no slot: its values now travel in `extra`.
    for (const prop of props) {
      const column = at(prop.column);
      if (column >= 0 && !FIXED.has(prop.column)) slots.set(prop.name, { column, prop });
    }
    this.props = slots;
    this.columnCount = columns.length;
  }

  /**
   * Writes rows [start, end) of `events` into the filler's current chunk; throws TypeError on a
   * value that does not fit its column. `actorKeys` holds the org's key of every actor among them.
   */
  fill(
    filler: ChunkFiller,
    org: string,
    events: readonly StoredEvent[],
    range: { start: number; end: number },
    receivedAtMs: number,
    actorKeys: ReadonlyMap<string, number>,
  ): void {
    const { start, end } = range;
    const f = this.fixed;
    filler.constant(f.org_id, org);
    filler.constant(f.received_at, receivedAtMs);
    for (let r = 0; r < end - start; r++) {
      const e = events[start + r] as StoredEvent;
      if (!Number.isFinite(e.timestamp)) throw new TypeError(`event "${e.event}" has no valid timestamp`);
      filler.set(r, f.ts, e.timestamp);
      filler.set(r, f.event, e.event);
      filler.set(r, f.actor, e.actor);
      filler.set(r, f.actor_id, e.actor === null ? null : actorKey(actorKeys, e.actor));
      filler.set(r, f.id, e.id);
      let extra: Record<string, PropValue> | null = null;
      for (const key in e.props) {
        const value = e.props[key] as PropValue;
        const slot = this.props.get(key);
        if (slot === undefined) {
          // A null prototype keeps a "__proto__" prop an ordinary key instead of a prototype swap.
          (extra ??= Object.create(null) as Record<string, PropValue>)[key] = value;
        } else {
          filler.set(r, slot.column, typedValue(slot.prop, value, e));
        }
      }
      filler.set(r, f.extra, extra === null ? null : JSON.stringify(extra));
    }
  }
}
