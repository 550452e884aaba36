/**
 * CSV (RFC 4180, `\r\n` line ends, UTF-8 without BOM) built by hand rather than with
 * csv-stringify: the per-cell option handling of a general library costs several times the
 * encoding itself, and the rules here are few. Text cells are neutralised and quoted (cells.ts);
 * numbers and booleans are written bare so spreadsheets read them as values; null is empty.
 */
import { csvText, isoFormatter } from '../cells.js';
import { put, finish } from '../sink.js';
import type { ExportCell, ExportColumn, RowSource } from '../types.js';
import type { FormatWriter, WriteContext } from './writer.js';
import { tableHeader } from './writer.js';

type Encode = (value: ExportCell) => string;

function encoderFor(column: ExportColumn, iso: (ms: number) => string): Encode {
  switch (column.type) {
    case 'time':
      return (v) => (typeof v === 'number' ? iso(v) : v === null ? '' : csvText(String(v)));
    case 'number':
      // NaN and ±Infinity have no CSV spelling a spreadsheet reads as a number; leave the cell empty.
      return (v) => (typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v === null ? '' : csvText(String(v)));
    case 'boolean':
      return (v) => (v === null ? '' : typeof v === 'boolean' ? String(v) : csvText(String(v)));
    case 'string':
    case 'json':
      return (v) => (v === null ? '' : csvText(typeof v === 'string' ? v : String(v)));
  }
}

export function csvHeader(columns: readonly ExportColumn[], zone: string): string {
  return columns.map((c) => csvText(tableHeader(c, zone))).join(',') + '\r\n';
}

/** The lines of one chunk as a single string, so each chunk is one write. */
export function csvLines(rows: readonly Record<string, ExportCell>[], keys: readonly string[], encoders: readonly Encode[]): string {
  let text = '';
  const last = keys.length - 1;
  for (const row of rows) {
    for (let i = 0; i <= last; i++) {
      text += (encoders[i] as Encode)(row[keys[i] as string] ?? null);
      text += i === last ? '\r\n' : ',';
    }
  }
  return text;
}

export function csvEncoders(source: RowSource): Encode[] {
  const iso = isoFormatter(source.meta.timezone);
  return source.columns.map((c) => encoderFor(c, iso));
}

export const writeCsv: FormatWriter = async (source: RowSource, ctx: WriteContext) => {
  const keys = source.columns.map((c) => c.key);
  const encoders = csvEncoders(source);
  // The header goes out with the first rows, so that nothing is written before the statement ran.
  let header: string | null = csvHeader(source.columns, source.meta.timezone);
  let rows = 0;
  for await (const chunk of source.chunks(ctx.signal)) {
    await put(ctx.out, (header ?? '') + csvLines(chunk, keys, encoders), ctx.signal);
    header = null;
    rows += chunk.length;
    ctx.onRows?.(rows);
  }
  if (header !== null) await put(ctx.out, header, ctx.signal);
  await finish(ctx.out);
  return rows;
};
