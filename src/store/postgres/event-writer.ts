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
import { ArrivalClock } from '../arrival-clock.js';
import type { SqlParam } from '../port.js';
import type { ExistingColumn } from '../prop-column-plan.js';
import { arrayLiteral } from './array-literal.js';
import { inTransaction } from './transaction.js';
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

/** A batch's INSERT statement and its bound arrays. */
interface BoundInsert {
  sql: string;
  params: SqlParam[];
}

/**
 * The INSERT for one column layout, and how to fill its arrays. A batch binds only the prop
 * columns it has a value for (a batch of one kind of event uses a few of the catalog's props):
 * the others are left to their NULL default, so neither side serialises or unnests columns of
 * nothing but NULLs. The statement for each such column set is built once.
 */
class InsertPlan {
  private readonly statements = new Map<string, string>();
  private readonly slots: ReadonlyMap<string, number>;

  constructor(readonly props: readonly PropDef[]) {
    this.slots = new Map(props.map((p, i) => [p.name, i]));
  }

  private statementFor(used: readonly number[]): string {
    const key = used.join(',');
    let sql = this.statements.get(key);
    if (sql === undefined) {
      const props = used.map((i) => this.props[i] as PropDef);
      const columns = props.map((p) => `, "${p.column}"`).join('');
      const values = props.map((p, k) => `, ${PROP_ARRAY[p.type].value(`c${k}`)}`).join('');
      const arrays = props.map((p, k) => `, $${8 + k}::${PROP_ARRAY[p.type].array}`).join('');
      const aliases = props.map((_, k) => `, c${k}`).join('');
      sql = `INSERT INTO events (org_id, ts, event, actor, id, received_at, extra${columns})
      SELECT o, to_timestamp(t / 1000), e, a, i, to_timestamp($2::float8 / 1000), x::jsonb${values}
      FROM unnest($1::text[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[]${arrays})
        AS u(o, t, e, a, i, x${aliases})`;
      this.statements.set(key, sql);
    }
    return sql;
  }

  /** The statement and bound arrays for `rows` ([org, event] pairs); throws TypeError on a value that does not fit its column. */
  bind(rows: ReadonlyArray<readonly [string, StoredEvent]>, receivedAtMs: number): BoundInsert {
    const n = rows.length;
    const orgs: string[] = new Array(n);
    const ts: number[] = new Array(n);
    const names: string[] = new Array(n);
    const actors: Array<string | null> = new Array(n);
    const ids: Array<string | null> = new Array(n);
    const extras: Array<string | null> = new Array(n);
    /** Only the prop columns this batch has a value for get an array. */
    const props: Array<Cell[] | undefined> = new Array(this.props.length);
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
        const slot = this.slots.get(key);
        if (slot === undefined) {
          (extra ??= Object.create(null) as Record<string, PropValue>)[key] = value;
          continue;
        }
        const typed = typedValue(this.props[slot] as PropDef, value, e);
        if (typed !== null) (props[slot] ??= new Array<Cell>(n).fill(null))[r] = typed;
      }
      extras[r] = extra === null ? null : JSON.stringify(extra);
    });
    const used = props.flatMap((column, i) => (column === undefined ? [] : [i]));
    const arrays = [orgs, ts, names, actors, ids, extras, ...used.map((i) => props[i] as Cell[])].map(arrayLiteral);
    const [o, t, e, a, i, x, ...rest] = arrays as [string, string, string, string, string, string, ...string[]];
    return { sql: this.statementFor(used), params: [o, receivedAtMs, t, e, a, i, x, ...rest] };
  }
}

export class PgEventWriter {
  private plan: InsertPlan;
  private readonly arrivals = new ArrivalClock();

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
    const receivedAt = this.arrivals.next();
    const written = await inTransaction(client, async () => {
      const fresh: StoredEvent[][] = [];
      for (const p of group) fresh.push(await this.newEvents(client, p));
      const rows = fresh.flatMap((events, g) => events.map((e) => [(group[g] as PreparedAppend).org, e] as const));
      if (rows.length > 0) {
        const insert = this.plan.bind(rows, receivedAt);
        await client.query(insert.sql, insert.params);
      }
      return fresh;
    });
    return written.map((events, g) => ({ accepted: events.length, duplicates: (group[g] as PreparedAppend).received - events.length, written: events }));
  }

  /** The request's events whose ids were not stored yet (events without an id are always new). */
  private async newEvents(client: ClientBase, p: PreparedAppend): Promise<StoredEvent[]> {
    if (p.ids.length === 0) return p.unique;
    const { rows } = await client.query<{ id: string }>(CLAIM_IDS, [p.org, arrayLiteral(p.ids)]);
    if (rows.length === p.ids.length) return p.unique;
    const fresh = new Set(rows.map((r) => r.id));
    return p.unique.filter((e) => e.id === null || fresh.has(e.id));
  }
}
