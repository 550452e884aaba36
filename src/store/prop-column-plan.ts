/** Which declared props still need their typed events column: the rule both store adapters share. */
import type { Catalog, PropDef, PropType } from '../model/types.js';

export interface ExistingColumn {
  name: string;
  /** As the database's information_schema reports it. */
  sqlType: string;
}

const PROP_NAME = /^[a-z][a-z0-9_]*$/;

/** Column names reach SQL unescaped apart from quoting, so refuse anything the model loader should have refused. */
function checkedProp(prop: PropDef): PropDef {
  if (!PROP_NAME.test(prop.name) || prop.column !== `p_${prop.name}`) {
    throw new Error(`Prop "${prop.name}" has an invalid name or column "${prop.column}"`);
  }
  return prop;
}

/**
 * The declared props whose column is missing. Columns are never dropped or retyped: a prop whose
 * column has another type than `sqlTypeOf` gives is refused before anything is altered.
 */
export function missingPropColumns(
  catalog: Catalog,
  existing: readonly ExistingColumn[],
  sqlTypeOf: Readonly<Record<PropType, string>>,
): PropDef[] {
  const byName = new Map(existing.map((c) => [c.name, c]));
  const missing: PropDef[] = [];
  for (const prop of catalog.props.values()) {
    checkedProp(prop);
    const column = byName.get(prop.column);
    const wanted = sqlTypeOf[prop.type];
    if (!column) missing.push(prop);
    else if (column.sqlType !== wanted) {
      throw new Error(
        `Prop "${prop.name}" changed type: column ${prop.column} is ${column.sqlType}, ` +
          `the model now declares ${prop.type} (${wanted}). Changing a prop's type is not supported; ` +
          `declare a new prop instead.`,
      );
    }
  }
  return missing;
}
