/**
 * Typed prop columns on PostgreSQL: the same rules as the DuckDB store (duckdb/prop-columns.ts) —
 * every declared prop gets its column, backfilled from `extra`; columns are never dropped or
 * retyped — in PostgreSQL's types.
 */
import type { ClientBase } from 'pg';
import type { Catalog, PropDef, PropType } from '../../model/types.js';
import { type ExistingColumn, missingPropColumns } from '../prop-column-plan.js';

export const PG_TYPE_OF_PROP: Readonly<Record<PropType, string>> = {
  number: 'double precision',
  string: 'text',
  boolean: 'boolean',
  time: 'timestamp with time zone',
};


export async function readPgEventColumns(client: ClientBase): Promise<ExistingColumn[]> {
  const { rows } = await client.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'events' ORDER BY ordinal_position`,
  );
  return rows.map((r) => ({ name: r.column_name, sqlType: r.data_type }));
}

/**
 * The backfill value of a new column from `extra`, whose key is bound as `keyParam`. Values that
 * do not cast stay NULL in the column (and remain readable in `extra`); times arrive as epoch
 * milliseconds or ISO strings, as at ingest.
 */
function backfillExpression(type: PropType, keyParam: string): string {
  const text = `(extra ->> ${keyParam}::text)`;
  switch (type) {
    case 'string':
      return text;
    case 'number':
      return `tally_try_double_precision(${text})`;
    case 'boolean':
      return `tally_try_boolean(${text})`;
    case 'time':
      return `CASE WHEN jsonb_typeof(extra -> ${keyParam}::text) = 'number'
        THEN to_timestamp(tally_try_double_precision(${text}) / 1000)
        ELSE tally_try_timestamptz(${text}) END`;
  }
}

/**
 * Gives every declared prop its typed column and backfills it, in the caller's transaction.
 * A changed type is refused before anything is altered. Returns the props whose columns were added.
 */
export async function syncPgPropColumns(client: ClientBase, catalog: Catalog, existing: readonly ExistingColumn[]): Promise<PropDef[]> {
  const missing = missingPropColumns(catalog, existing, PG_TYPE_OF_PROP);
  if (missing.length === 0) return [];
  for (const prop of missing) await client.query(`ALTER TABLE events ADD COLUMN "${prop.column}" ${PG_TYPE_OF_PROP[prop.type]}`);
  const sets = missing.map((p, i) => `"${p.column}" = ${backfillExpression(p.type, `$${i + 1}`)}`);
  await client.query(`UPDATE events SET ${sets.join(', ')} WHERE extra IS NOT NULL`, missing.map((p) => p.name));
  return missing;
}
