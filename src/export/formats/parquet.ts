/**
 * Parquet is written by DuckDB itself (`COPY … TO … (FORMAT parquet)`) into a temporary file in
 * the export directory — the only directory the store may write — and that file is then streamed
 * and deleted. Statements keep their bound parameters (COPY accepts them, the target path and the
 * key-value metadata included); column names are the export's names as quoted identifiers.
 *
 * - One statement (small raw exports, streamed queries): one COPY.
 * - Several (raw exports sorted in time windows): one part file per window, then one COPY of
 *   `read_parquet([part, …])`, which reads the parts in order without sorting anything again.
 * - Rows shaped in JavaScript (gap fill, compare): written as NDJSON first, then COPY'd from
 *   `read_json` with the column types spelled out.
 *
 * Times are TIMESTAMPTZ (instants, isAdjustedToUTC); the export's zone is in the file's metadata.
 *
 * On another store (PostgreSQL) the statements are not DuckDB's, so every export takes the NDJSON
 * path, COPY'd by a scratch in-memory DuckDB opened for the export with the same directory rule.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import { duckdb } from '../../query/index.js';
import { DuckDbStore } from '../../store/duckdb/duckdb-store.js';
import type { Store } from '../../store/port.js';
import { finish, put, putFile } from '../sink.js';
import type { ExportColumn, RowSource, SqlSelect } from '../types.js';
import type { FormatWriter, WriteContext } from './writer.js';

const SQL_TYPES: Readonly<Record<ExportColumn['type'], string>> = { time: 'BIGINT', string: 'VARCHAR', number: 'DOUBLE', boolean: 'BOOLEAN', json: 'JSON' };

/** A column name as a DuckDB identifier. Names come from the model's whitelist; quotes are still doubled. */
export function quoteName(name: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(name)) throw new AppError('INTERNAL', `refusing column name ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

function projection(columns: readonly ExportColumn[]): string {
  return columns
    .map((c) => {
      const value = `q.${duckdb.quoteIdent(c.key)}`;
      return `${c.type === 'time' ? `epoch_ms(${value})::TIMESTAMPTZ` : value} AS ${quoteName(c.name)}`;
    })
    .join(', ');
}

/** `SELECT <named, typed columns> FROM (<select>) AS q`, params unchanged. */
function named(columns: readonly ExportColumn[], select: SqlSelect): SqlSelect {
  return { sql: `SELECT ${projection(columns)} FROM (${select.sql}) AS q`, params: select.params };
}

function fromNdjson(columns: readonly ExportColumn[], file: string): SqlSelect {
  const types = columns.map((c) => `${duckdb.quoteIdent(c.key)}: '${SQL_TYPES[c.type]}'`).join(', ');
  return { sql: `SELECT ${projection(columns)} FROM read_json($1, format = 'newline_delimited', columns = {${types}}) AS q`, params: [file] };
}

interface Copier {
  store: Store;
  signal: AbortSignal;
}

/** Runs COPY through a streamed statement: its own connection, interrupted when the export is aborted. */
async function copy(c: Copier, select: SqlSelect, target: string, metadata: Record<string, string> | null): Promise<number> {
  const n = select.params.length;
  const keys = metadata ? Object.keys(metadata) : [];
  // Metadata keys are fixed words of this module; values are bound.
  const kv = keys.length > 0 ? `, KV_METADATA {${keys.map((k, i) => `${k}: $${n + 2 + i}`).join(', ')}}` : '';
  const sql = `COPY (${select.sql}) TO $${n + 1} (FORMAT parquet, COMPRESSION zstd${kv})`;
  const params = [...select.params, target, ...keys.map((k) => (metadata as Record<string, string>)[k] as string)];
  let count = 0;
  for await (const chunk of c.store.stream(sql, params, { signal: c.signal })) count += Number(chunk[0]?.['Count'] ?? 0);
  return count;
}

/**
 * One NDJSON line per row. A json column's value is the store's JSON text, so it goes in as JSON,
 * not as a string holding JSON (read_json would keep the quotes).
 */
function ndjsonLine(columns: readonly ExportColumn[], row: Readonly<Record<string, unknown>>): string {
  let line = '{';
  columns.forEach((c, i) => {
    const value = row[c.key] ?? null;
    const json = c.type === 'json' && typeof value === 'string' ? value : JSON.stringify(value);
    line += `${i > 0 ? ',' : ''}${JSON.stringify(c.key)}:${json}`;
  });
  return line + '}\n';
}

async function dumpNdjson(source: RowSource, file: string, signal: AbortSignal): Promise<void> {
  const out = createWriteStream(file);
  try {
    for await (const chunk of source.chunks(signal)) {
      let text = '';
      for (const row of chunk) text += ndjsonLine(source.columns, row);
      await put(out, text, signal);
    }
    await finish(out);
  } finally {
    out.destroy();
  }
}

export function parquetWriter(store: Store, dir: string): FormatWriter {
  const native = store.dialect === 'duckdb';
  return async (source: RowSource, ctx: WriteContext) => {
    const base = join(dir, `.tmp-${randomUUID()}`);
    const temp: string[] = [];
    const scratch = native ? null : await DuckDbStore.open({ path: ':memory:', exportDir: dir, threads: 1 });
    const c: Copier = { store: scratch ?? store, signal: ctx.signal };
    const m = source.meta;
    const metadata = { timezone: m.timezone, org: m.org, contents: m.kind === 'events' ? 'events' : m.subject, generated_by: 'Tally' };
    try {
      const selects: SqlSelect[] = [];
      const fromSql = native ? source.selects(ctx.signal) : null;
      if (fromSql) for await (const s of fromSql) selects.push(named(source.columns, s));
      else {
        const ndjson = `${base}.ndjson`;
        temp.push(ndjson);
        await dumpNdjson(source, ndjson, ctx.signal);
        selects.push(fromNdjson(source.columns, ndjson));
      }
      const file = `${base}.parquet`;
      temp.push(file);
      let rows: number;
      if (selects.length <= 1) {
        rows = await copy(c, selects[0] ?? named(source.columns, { sql: emptySelect(source.columns), params: [] }), file, metadata);
      } else {
        const parts: string[] = [];
        for (const [i, s] of selects.entries()) {
          const part = `${base}.part${i}.parquet`;
          temp.push(part);
          parts.push(part);
          await copy(c, s, part, null);
        }
        const list = parts.map((_, i) => `$${i + 1}`).join(', ');
        rows = await copy(c, { sql: `SELECT * FROM read_parquet([${list}])`, params: parts }, file, metadata);
      }
      ctx.onRows?.(rows);
      await putFile(ctx.out, file, ctx.signal);
      await finish(ctx.out);
      return rows;
    } finally {
      await scratch?.close();
      await Promise.all(temp.map((f) => rm(f, { force: true })));
    }
  };
}

/** A typed, empty result for a source with no statements (nothing in the range). */
function emptySelect(columns: readonly ExportColumn[]): string {
  const cols = columns.map((c) => `CAST(NULL AS ${SQL_TYPES[c.type]}) AS ${duckdb.quoteIdent(c.key)}`).join(', ');
  return `SELECT ${cols} WHERE false`;
}
