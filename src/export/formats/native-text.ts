/**
 * CSV and NDJSON of raw events on DuckDB, rendered by DuckDB's own writers. Converting every
 * value of a 30-column, 10M-row export into JavaScript and back into text costs several times
 * what DuckDB's vectorised writers need, and it would occupy the one thread that serves every
 * other API request for minutes. Here each bounded statement of the export (a time window or a
 * rowid range, see raw-source.ts) is COPY'd into a temporary file in the export directory and
 * streamed to the client with backpressure; the next window is COPY'd while the previous one
 * streams, so at most two parts exist at a time.
 *
 * Same output rules as the JavaScript writers: ISO 8601 times in the export's zone (formatted in
 * SQL, the zone bound as a parameter), text cells neutralised (`'` before `= + - @ TAB CR`) and
 * quoted, numbers and booleans bare, NULL empty; NDJSON with the column names as keys and
 * `props` as a JSON object. DuckDB spells some numbers differently (`42.0`, `1e-07`); they read
 * back as the same numbers.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import { duckdb } from '../../query/index.js';
import type { Store } from '../../store/port.js';
import { finish, put, putFile } from '../sink.js';
import type { ExportColumn, RowSource, SqlSelect } from '../types.js';
import { csvHeader } from './csv.js';
import { quoteName } from './parquet.js';
import type { FormatWriter, WriteContext } from './writer.js';

type TextFormat = 'csv' | 'ndjson';

/** ISO 8601 text of an epoch-ms expression: `…Z` in UTC, `…±hh:mm` (the zone's offset then) elsewhere. */
function isoSql(ms: string, zone: string | null): string {
  const utc = `epoch_ms(${ms})`;
  if (zone === null) return `strftime(${utc}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
  const local = `timezone(${zone}, timezone('UTC', ${utc}))`;
  const offset = `date_diff('minute', ${utc}, ${local})`;
  return `strftime(${local}, '%Y-%m-%dT%H:%M:%S.%g') || printf('%s%02d:%02d', CASE WHEN ${offset} < 0 THEN '-' ELSE '+' END, abs(${offset}) // 60, abs(${offset}) % 60)`;
}

/** OWASP: text a spreadsheet would evaluate gets a leading quote (see cells.ts for the JavaScript twin). */
function neutralizedSql(text: string): string {
  return `CASE WHEN left(${text}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || ${text} ELSE ${text} END`;
}

interface Rendered {
  sql: string;
  params: readonly (string | number | boolean | null)[];
  options: string;
}

function render(format: TextFormat, columns: readonly ExportColumn[], select: SqlSelect, zone: string): Rendered {
  const params = [...select.params];
  let zoneParam: string | null = null;
  if (zone !== 'UTC') {
    params.push(zone);
    zoneParam = `$${params.length}`;
  }
  const quoted: string[] = [];
  const list = columns.map((c) => {
    const key = duckdb.quoteIdent(c.key);
    const value = `q.${key}`;
    const alias = format === 'csv' ? key : quoteName(c.name);
    if (c.type === 'time') return `${isoSql(value, zoneParam)} AS ${alias}`;
    if (format === 'ndjson' || c.type === 'number' || c.type === 'boolean') return `${value} AS ${alias}`;
    quoted.push(key);
    return `${neutralizedSql(c.type === 'json' ? `CAST(${value} AS VARCHAR)` : value)} AS ${alias}`;
  });
  const force = quoted.length > 0 ? `, FORCE_QUOTE (${quoted.join(', ')})` : '';
  const options = format === 'csv' ? `FORMAT csv, HEADER false, NEW_LINE '\\r\\n'${force}` : 'FORMAT json';
  return { sql: `SELECT ${list.join(', ')} FROM (${select.sql}) AS q`, params, options };
}

interface Part {
  file: string;
  rows: number;
}

export function nativeTextWriter(store: Store, dir: string, format: TextFormat): FormatWriter {
  return async (source: RowSource, ctx: WriteContext) => {
    const selects = source.selects(ctx.signal);
    if (selects === null) throw new AppError('INTERNAL', 'native text export of rows shaped in JavaScript');
    // Aborted on failure too, so that a COPY running ahead stops with the export.
    const inner = new AbortController();
    const abort = (): void => inner.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', abort, { once: true });
    const files = new Set<string>();
    const iterator = selects[Symbol.asyncIterator]();
    const copyNext = async (): Promise<Part | null> => {
      const next = await iterator.next();
      if (next.done) return null;
      const file = join(dir, `.tmp-${randomUUID()}.${format}`);
      files.add(file);
      const r = render(format, source.columns, next.value, source.meta.timezone);
      const sql = `COPY (${r.sql}) TO $${r.params.length + 1} (${r.options})`;
      let rows = 0;
      for await (const chunk of store.stream(sql, [...r.params, file], { signal: inner.signal })) rows += Number(chunk[0]?.['Count'] ?? 0);
      return { file, rows };
    };
    let pending: Promise<Part | null> = copyNext();
    let header: string | null = format === 'csv' ? csvHeader(source.columns, source.meta.timezone) : null;
    let rows = 0;
    try {
      for (let part = await pending; part !== null; part = await pending) {
        pending = copyNext();
        // A rejection of the look-ahead surfaces when it is awaited; until then it must not count as unhandled.
        pending.catch(() => undefined);
        if (header !== null) await put(ctx.out, header, ctx.signal);
        header = null;
        await putFile(ctx.out, part.file, ctx.signal);
        await rm(part.file, { force: true });
        files.delete(part.file);
        rows += part.rows;
        ctx.onRows?.(rows);
      }
      if (header !== null) await put(ctx.out, header, ctx.signal);
      await finish(ctx.out);
      return rows;
    } finally {
      inner.abort(new Error('export finished'));
      ctx.signal.removeEventListener('abort', abort);
      await pending.catch(() => undefined);
      await Promise.all([...files].map((f) => rm(f, { force: true })));
    }
  };
}
