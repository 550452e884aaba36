import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog, PropDef, PropType } from '../../model/types.js';
import { type ExistingColumn, missingPropColumns } from '../prop-column-plan.js';
import { inTransaction } from './transaction.js';

export const SQL_TYPE_OF_PROP: Readonly<Record<PropType, string>> = {
  number: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  time: 'TIMESTAMP',
};

/** An events column as information_schema reports it, e.g. DOUBLE, VARCHAR, JSON. */
export type TableColumn = ExistingColumn;

export async function readEventColumns(conn: DuckDBConnection): Promise<TableColumn[]> {
  const reader = await conn.runAndReadAll(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_schema = 'main' AND table_name = 'events' ORDER BY ordinal_position`,
  );
  return reader.getRows().map(([name, sqlType]) => ({ name: String(name), sqlType: String(sqlType) }));
}

/**
 * Undeclared props were kept in `extra`; once declared they get a typed column filled from there.
 * Values that do not cast stay NULL in the column (and remain readable in `extra`).
 */
function backfillExpression(type: PropType, pathParam: string): string {
  const text = `json_extract_string(extra, ${pathParam})`;
  switch (type) {
    case 'string':
      return text;
    case 'number':
      return `TRY_CAST(${text} AS DOUBLE)`;
    case 'boolean':
      return `TRY_CAST(${text} AS BOOLEAN)`;
    case 'time':
      // Times arrive either as epoch milliseconds or as ISO strings (with or without an offset).
      return `CASE WHEN json_type(extra, ${pathParam}) IN ('UBIGINT', 'BIGINT', 'DOUBLE')
        THEN TRY(epoch_ms(TRY_CAST(${text} AS DOUBLE)::BIGINT))
        ELSE TRY_CAST(TRY_CAST(${text} AS TIMESTAMPTZ) AS TIMESTAMP) END`;
  }
}

/**
 * Gives every declared prop its typed column and backfills it, in one transaction. Columns are
 * never dropped or retyped: a changed type is refused before anything is altered.
 * Returns the props whose columns were added.
 */
export async function syncPropColumns(
  conn: DuckDBConnection,
  catalog: Catalog,
  existing: readonly TableColumn[],
): Promise<PropDef[]> {
  const missing = missingPropColumns(catalog, existing, SQL_TYPE_OF_PROP);
  if (missing.length === 0) return [];
  await inTransaction(conn, async () => {
    for (const prop of missing) {
      await conn.run(`ALTER TABLE events ADD COLUMN "${prop.column}" ${SQL_TYPE_OF_PROP[prop.type]}`);
    }
    // One UPDATE for all new columns: DuckDB refuses to commit ALTER, UPDATE, ALTER, UPDATE on one table.
    const sets = missing.map((p, i) => `"${p.column}" = ${backfillExpression(p.type, `$${i + 1}`)}`);
    await conn.run(
      `UPDATE events SET ${sets.join(', ')} WHERE extra IS NOT NULL`,
      missing.map((p) => `$."${p.name}"`),
    );
  });
  return missing;
}
