import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog, PropDef, PropType } from '../../model/types.js';
import { inTransaction } from './transaction.js';

export const SQL_TYPE_OF_PROP: Readonly<Record<PropType, string>> = {
  number: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  time: 'TIMESTAMP',
};

export interface TableColumn {
  name: string;
  /** As information_schema reports it, e.g. DOUBLE, VARCHAR, JSON. */
  sqlType: string;
}

const PROP_NAME = /^[a-z][a-z0-9_]*$/;

export async function readEventColumns(conn: DuckDBConnection): Promise<TableColumn[]> {
  const reader = await conn.runAndReadAll(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_schema = 'main' AND table_name = 'events' ORDER BY ordinal_position`,
  );
  return reader.getRows().map(([name, sqlType]) => ({ name: String(name), sqlType: String(sqlType) }));
}

/** Column names reach SQL unescaped apart from quoting, so refuse anything the model loader should have refused. */
function checkedProp(prop: PropDef): PropDef {
  if (!PROP_NAME.test(prop.name) || prop.column !== `p_${prop.name}`) {
    throw new Error(`Prop "${prop.name}" has an invalid name or column "${prop.column}"`);
  }
  return prop;
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
  const byName = new Map(existing.map((c) => [c.name, c]));
  const missing: PropDef[] = [];
  for (const prop of catalog.props.values()) {
    checkedProp(prop);
    const column = byName.get(prop.column);
    const wanted = SQL_TYPE_OF_PROP[prop.type];
    if (!column) missing.push(prop);
    else if (column.sqlType !== wanted) {
      throw new Error(
        `Prop "${prop.name}" changed type: column ${prop.column} is ${column.sqlType}, ` +
          `the model now declares ${prop.type} (${wanted}). Changing a prop's type is not supported; ` +
          `declare a new prop instead.`,
      );
    }
  }
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
