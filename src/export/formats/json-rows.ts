/**
 * One row as JSON text, built field by field instead of through an intermediate object. Rows look
 * like POST /query rows: keys are the column names, compare values nested under `previous` and
 * `change`, times ISO 8601 in the export's zone. Raw events' `props` is embedded as the JSON
 * object it is (the store keeps it as JSON text), not as a string.
 */
import { isoFormatter } from '../cells.js';
import type { ExportCell, ExportColumn, RowSource } from '../types.js';

type Encode = (value: ExportCell) => string;

function encoderFor(column: ExportColumn, iso: (ms: number) => string): Encode {
  switch (column.type) {
    case 'time':
      return (v) => (typeof v === 'number' ? `"${iso(v)}"` : JSON.stringify(v));
    case 'number':
      // JSON has no NaN or Infinity.
      return (v) => (typeof v === 'number' && !Number.isFinite(v) ? 'null' : JSON.stringify(v));
    case 'json':
      return (v) => (v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));
    case 'string':
    case 'boolean':
      return (v) => JSON.stringify(v);
  }
}

interface Field {
  key: string;
  prefix: string;
  encode: Encode;
}

export type RowEncoder = (row: Record<string, ExportCell>) => string;

function fieldsOf(columns: readonly ExportColumn[], iso: (ms: number) => string, nameOf: (c: ExportColumn) => string): Field[] {
  return columns.map((c, i) => ({ key: c.key, prefix: `${i === 0 ? '' : ','}${JSON.stringify(nameOf(c))}:`, encode: encoderFor(c, iso) }));
}

function encodeFields(fields: readonly Field[], row: Record<string, ExportCell>): string {
  let text = '';
  for (const f of fields) text += f.prefix + f.encode(row[f.key] ?? null);
  return text;
}

/** An encoder for the source's rows. */
export function jsonRowEncoder(source: RowSource): RowEncoder {
  const iso = isoFormatter(source.meta.timezone);
  const plain = fieldsOf(source.columns.filter((c) => c.group === undefined), iso, (c) => c.name);
  const groups = (['previous', 'change'] as const)
    .map((g) => ({ g, fields: fieldsOf(source.columns.filter((c) => c.group === g), iso, (c) => c.field ?? c.name) }))
    .filter((x) => x.fields.length > 0);
  if (groups.length === 0) return (row) => `{${encodeFields(plain, row)}}`;
  return (row) => {
    let text = `{${encodeFields(plain, row)}`;
    for (const { g, fields } of groups) text += `,"${g}":{${encodeFields(fields, row)}}`;
    return `${text}}`;
  };
}
