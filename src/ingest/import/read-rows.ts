/**
 * Import files as numbered rows: NDJSON (one JSON value per line, blank lines skipped) and CSV
 * (RFC 4180 with a header row; cells typed by csvColumnReader). Streams: memory stays bounded by
 * one row, whatever the file's size.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { PropDef } from '../../model/types.js';
import type { ImportRow } from './row-event.js';
import type { CellReader } from './row-event.js';
import { csvColumnReader } from './row-event.js';

export const IMPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One row of the file, or why the file cannot be read on from there (`stop`). */
export type NumberedRow =
  | { line: number; row: unknown }
  | { line: number; problem: string; stop: boolean };

export async function* ndjsonRows(input: Readable): AsyncGenerator<NumberedRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim().length === 0) continue;
      try {
        yield { line, row: JSON.parse(text) as unknown };
      } catch {
        yield { line, problem: 'is not valid JSON', stop: false };
      }
    }
  } finally {
    // A reader that stops early (the import failed) must not leave the file open.
    input.destroy();
  }
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

function headerProblem(header: readonly string[]): string | null {
  if (!header.includes('event')) return 'the header row has no "event" column';
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') return 'the header row has an empty column name';
    if (seen.has(name)) return `the header row names "${name}" twice`;
    seen.add(name);
  }
  return null;
}

function csvProblem(code: unknown, record: unknown, headerWidth: number | null, err: Error): string {
  if (code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' && Array.isArray(record) && headerWidth !== null) {
    return `has ${record.length} cells where the header has ${headerWidth}; the file is not read past it`;
  }
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted cell is not closed before the end of the file';
  return `is not valid CSV (${err.message}); the file is not read past it`;
}

export async function* csvRows(input: Readable, declared: ReadonlyMap<string, PropDef>): AsyncGenerator<NumberedRow> {
  // The header's width is taken as csv-parse reads it: a stream's async iterator drops the records
  // it buffered when the parser fails, so the header may not have reached the loop by then.
  let headerWidth: number | null = null;
  const parser = input.pipe(
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      // With `info`, the callback is given the {record, info} pair the iterator yields (the types say string[]).
      on_record: (entry: string[]) => {
        headerWidth ??= (entry as unknown as CsvRecord).record.length;
        return entry;
      },
    }),
  );
  let header: string[] | null = null;
  let readers: CellReader[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<CsvRecord>) {
      if (header === null) {
        header = record.map((name) => name.trim());
        const problem = headerProblem(header);
        if (problem !== null) {
          yield { line: info.lines, problem, stop: true };
          return;
        }
        readers = header.map((column) => csvColumnReader(column, declared));
        continue;
      }
      const row: ImportRow = {};
      header.forEach((column, i) => {
        const value = (readers[i] as CellReader)(record[i] ?? '');
        if (value !== undefined) row[column] = value;
      });
      yield { line: info.lines, row };
    }
  } catch (err) {
    // csv-parse stops at a malformed record (an unclosed quote, a ragged row): nothing after it can be trusted.
    const { lines, code, record } = err as { lines?: unknown; code?: unknown; record?: unknown };
    yield { line: typeof lines === 'number' ? lines : 0, problem: csvProblem(code, record, headerWidth, err as Error), stop: true };
  } finally {
    input.destroy();
  }
}

export function readRows(format: ImportFormat, input: Readable, declared: ReadonlyMap<string, PropDef>): AsyncGenerator<NumberedRow> {
  return format === 'csv' ? csvRows(input, declared) : ndjsonRows(input);
}
