/**
 * Appends a group of requests' events in one PostgreSQL transaction: per request, in arrival
 * order, claim its ids in event_ids (INSERT … ON CONFLICT DO NOTHING RETURNING id reports the ids
 * that were new; a concurrent instance claiming the same id waits for ours to commit or roll
 * back), then insert every new event with one INSERT … SELECT FROM unnest(arrays): one round trip
 * and one bound parameter per column, whatever the batch size.
 */
import type { ClientBase } from 'pg';
import type { AppendResult, PropValue, StoredEvent } from '../../domain/event.js';
import type { PropDef, PropType } from '../../model/types.js';
import { type AppendRequest, type PreparedAppend, prepareAppend } from '../append-request.js';
import type { SqlParam } from '../port.js';
import type { ExistingColumn } from '../prop-column-plan.js';
import { type TypedPropValue, typedValue } from '../prop-value.js';

const CLAIM_IDS = 'INSERT INTO event_ids (org_id, id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING id';

/** How a declared prop's values travel: the array type bound, and the expression over its unnest column. */
const PROP_ARRAY: Readonly<Record<PropType, { array: string; value: (col: string) => string }>> = {
  number: { array: 'float8[]', value: (c) => c },
  string: { array: 'text[]', value: (c) => c },
  boolean: { array: 'boolean[]', value: (c) => c },
  time: { array: 'float8[]', value: (c) => `to_timestamp(${c} / 1000)` },
};

type Cell = TypedPropValue;

/** The INSERT for one column layout, and how to fill its arrays. */
class InsertPlan {
  readonly sql: string;

  constructor(readonly props: readonly PropDef[]) {
    const propColumns = props.map((p) => `"${p.column}"`);
    const propArrays = props.map((p, i) => `$${8 + i}::${PROP_ARRAY[p.type].array}`);
    const propValues = props.map((p, i) => PROP_ARRAY[p.type].value(`c${i}`));
    const aliases = ['o', 't', 'e', 'a', 'i', 'x', ...props.map((_, i) => `c${i}`)];
    this.sql = `INSERT INTO events (org_id, ts, event, actor, id, received_at, extra${propColumns.map((c) => `, ${c}`).join('')})
      SELECT o, to_timestamp(t / 1000), e, a, i, to_timestamp($2::float8 / 1000), x::jsonb${propValues.map((v) => `, ${v}`).join('')}
      FROM unnest($1::text[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[]${propArrays.map((a) => `, ${a}`).join('')})
        AS u(${aliases.join(', ')})`;
  }

  /** The bound arrays for `rows` ([org, event] pairs); throws TypeError on a value that does not fit its column. */
  params(rows: ReadonlyArray<readonly [string, StoredEvent]>, receivedAtMs: number): SqlParam[] {
    const n = rows.length;
    const orgs: string[] = new Array(n);
    const ts: number[] = new Array(n);
    const names: string[] = new Array(n);
    const actors: Array<string | null> = new Array(n);
    const ids: Array<string | null> = new Array(n);
    const extras: Array<string | null> = new Array(n);
    const slots = new Map(this.props.map((p, i) => [p.name, i]));
    const props: Cell[][] = this.props.map(() => new Array<Cell>(n).fill(null));
    rows.forEach(([org, e], r) => {
      if (!Number.isFinite(e.timestamp)) throw new TypeError(`event "${e.event}" has no valid timestamp`);
      orgs[r] = org;
      ts[r] = e.timestamp;
      names[r] = e.event;
      actors[r] = e.actor;
      ids[r] = e.id;
      let extra: Record<string, PropValue> | null = null;
      for (const key in e.props) {
        const value = e.props[key] as PropValue;
        const slot = slots.get(key);
        if (slot === undefined) (extra ??= Object.create(null) as Record<string, PropValue>)[key] = value;
        else (props[slot] as Cell[])[r] = typedValue(this.props[slot] as PropDef, value, e);
      }
      extras[r] = extra === null ? null : JSON.stringify(extra);
    });
    // node-postgres renders JS arrays as array literals; the SqlParam type knows only scalars.
    return [orgs, receivedAtMs, ts, names, actors, ids, extras, ...props] as unknown as SqlParam[];
  }
}

export class PgEventWriter {
  private plan: InsertPlan;

  constructor(columns: readonly ExistingColumn[] = [], props: Iterable<PropDef> = []) {
    this.plan = PgEventWriter.planFor(columns, props);
  }

  /** The events table or the catalog changed (migrate): declared props with a column get their slot. */
  setColumns(columns: readonly ExistingColumn[], props: Iterable<PropDef>): void {
    this.plan = PgEventWriter.planFor(columns, props);
  }

  private static planFor(columns: readonly ExistingColumn[], props: Iterable<PropDef>): InsertPlan {
    const present = new Set(columns.map((c) => c.name));
    return new InsertPlan([...props].filter((p) => present.has(p.column)));
  }

  /** Results in request order. The caller owns `client` and serialises calls. */
  async writeGroup(client: ClientBase, requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    const group = requests.map(prepareAppend);
    const receivedAt = Date.now();
    await client.query('BEGIN');
    try {
      const written: StoredEvent[][] = [];
      for (const p of group) written.push(await this.newEvents(client, p));
      const rows = written.flatMap((events, g) => events.map((e) => [(group[g] as PreparedAppend).org, e] as const));
      if (rows.length > 0) await client.query(this.plan.sql, this.plan.params(rows, receivedAt));
      await client.query('COMMIT');
      return written.map((events, g) => ({ accepted: events.length, duplicates: (group[g] as PreparedAppend).received - events.length, written: events }));
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** The request's events whose ids were not stored yet (events without an id are always new). */
  private async newEvents(client: ClientBase, p: PreparedAppend): Promise<StoredEvent[]> {
    if (p.ids.length === 0) return p.unique;
    const { rows } = await client.query<{ id: string }>(CLAIM_IDS, [p.org, p.ids]);
    if (rows.length === p.ids.length) return p.unique;
    const fresh = new Set(rows.map((r) => r.id));
    return p.unique.filter((e) => e.id === null || fresh.has(e.id));
  }
}
