/** What every format writer receives, and the per-format HTTP facts (content type, extension). */
import type { Writable } from 'node:stream';
import type { ExportColumn, ExportFormat, RowSource } from '../types.js';

export interface WriteContext {
  /** Where the bytes go: the HTTP reply or a job's file. Writers end it when done. */
  out: Writable;
  signal: AbortSignal;
  /** Called after each chunk with the rows written so far (job progress). */
  onRows?: (rows: number) => void;
}

/** Writes the whole source to ctx.out and resolves with the number of data rows. */
export type FormatWriter = (source: RowSource, ctx: WriteContext) => Promise<number>;

export interface FormatInfo {
  contentType: string;
  extension: string;
}

export const FORMAT_INFO: Readonly<Record<ExportFormat, FormatInfo>> = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' },
  parquet: { contentType: 'application/vnd.apache.parquet', extension: 'parquet' },
};

/**
 * The header of a column in a table (CSV, XLSX): compare columns flattened to `previous.<metric>`,
 * and time columns naming the zone their values are written in, e.g. `time (Europe/Berlin)`.
 */
export function tableHeader(column: ExportColumn, zone: string): string {
  return column.type === 'time' ? `${column.name} (${zone})` : column.name;
}
