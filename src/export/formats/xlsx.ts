/**
 * XLSX through exceljs's streaming WorkbookWriter: rows are committed as they arrive, no shared
 * strings table (it would hold every distinct string until the end), styles only for the header,
 * time columns and formula-like text. Values keep their types: numbers and booleans as such, times
 * as date cells showing the wall clock of the export's zone (named in the header), text as text
 * cells — a text cell is never evaluated, and those that look like formulas also get the Text
 * number format so that editing them in Excel does not turn them into formulas either.
 *
 * A sheet holds at most 1,048,576 rows; longer exports continue on "Export 2", "Export 3", … each
 * with its header. An "About" sheet at the end says what was exported.
 */
import { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { isoFormatter, looksLikeFormula, offsetLookup, xlsxText } from '../cells.js';
import { finish, waitForDrain } from '../sink.js';
import type { ExportCell, ExportColumn, RowSource } from '../types.js';
import type { FormatWriter, WriteContext } from './writer.js';
import { tableHeader } from './writer.js';

/** Excel's row limit, header included. */
export const XLSX_MAX_ROWS = 1_048_576;
const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss.000';
const WIDTH: Readonly<Record<ExportColumn['type'], number>> = { time: 24, string: 18, number: 14, boolean: 9, json: 40 };

type Cell = string | number | boolean | Date | null;

function cellOf(column: ExportColumn, value: ExportCell, offset: (ms: number) => number): Cell {
  if (value === null) return null;
  switch (column.type) {
    case 'time':
      return typeof value === 'number' ? new Date(value + offset(value)) : xlsxText(String(value));
    case 'number':
      return typeof value === 'number' ? (Number.isFinite(value) ? value : null) : xlsxText(String(value));
    case 'boolean':
      return typeof value === 'boolean' ? value : xlsxText(String(value));
    case 'string':
    case 'json':
      return xlsxText(typeof value === 'string' ? value : String(value));
  }
}

type Sheet = ExcelJS.Worksheet;

function addDataSheet(book: ExcelJS.stream.xlsx.WorkbookWriter, n: number, columns: readonly ExportColumn[], zone: string): Sheet {
  const sheet = book.addWorksheet(n === 1 ? 'Export' : `Export ${n}`, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ width: WIDTH[c.type], ...(c.type === 'time' ? { style: { numFmt: DATE_FORMAT } } : {}) }));
  const header = sheet.addRow(columns.map((c) => xlsxText(tableHeader(c, zone))));
  header.font = { bold: true };
  header.commit();
  return sheet;
}

function addAboutSheet(book: ExcelJS.stream.xlsx.WorkbookWriter, source: RowSource, rows: number): void {
  const m = source.meta;
  const iso = isoFormatter(m.timezone);
  const sheet = book.addWorksheet('About');
  sheet.columns = [{ width: 16 }, { width: 40 }];
  const lines: Array<[string, string | number]> = [
    ['Exported by', 'Tally'],
    ['Organisation', m.org],
    ['Contents', m.kind === 'events' ? 'raw events' : `query: ${m.subject}`],
    ['From', iso(m.timeRange.from)],
    ['To (exclusive)', iso(m.timeRange.to)],
    ['Time zone', m.timezone],
    ['Generated at', iso(m.generatedAt)],
    ['Rows', rows],
  ];
  for (const [label, value] of lines) sheet.addRow([label, typeof value === 'string' ? xlsxText(value) : value]).commit();
  sheet.commit();
}

/**
 * exceljs pipes its zip into this forwarder, which never pushes back: the compressed bytes then
 * collect in ctx.out's buffer, where the row loop can see them and wait, instead of piling up
 * unseen inside the zip library while it is paused.
 */
function forwarder(out: Writable): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!out.destroyed) out.write(chunk);
      callback();
    },
  });
}

type Book = ExcelJS.stream.xlsx.WorkbookWriter;

/** exceljs is loaded on the first XLSX export: it adds ~17 MB to every process that never makes one. */
let excel: Promise<typeof ExcelJS> | null = null;
const loadExcel = (): Promise<typeof ExcelJS> => (excel ??= import('exceljs').then((m) => m.default));

async function openBook(ctx: WriteContext, source: RowSource): Promise<Book> {
  const { stream } = await loadExcel();
  const book = new stream.xlsx.WorkbookWriter({ stream: forwarder(ctx.out), useStyles: true, useSharedStrings: false });
  book.creator = 'Tally';
  book.created = new Date(source.meta.generatedAt);
  return book;
}

/** `maxRows` per sheet (header included) is Excel's limit; tests pass a small one. */
export const xlsxWriter = (maxRows = XLSX_MAX_ROWS): FormatWriter => async (source: RowSource, ctx: WriteContext) => {
  const columns = source.columns;
  const zone = source.meta.timezone;
  const offset = offsetLookup(zone);
  // Opened with the first rows, so that nothing is written before the statement ran.
  let book: Book | null = null;
  let sheets = 0;
  let sheet: Sheet | null = null;
  let inSheet = maxRows;
  let rows = 0;
  const values: Cell[] = new Array<Cell>(columns.length);
  for await (const chunk of source.chunks(ctx.signal)) {
    book ??= await openBook(ctx, source);
    for (const row of chunk) {
      if (inSheet === maxRows) {
        sheet?.commit();
        sheet = addDataSheet(book, ++sheets, columns, zone);
        inSheet = 1;
      }
      let formulaLike: number[] | null = null;
      for (let i = 0; i < columns.length; i++) {
        const column = columns[i] as ExportColumn;
        const value = row[column.key] ?? null;
        const cell = cellOf(column, value, offset);
        values[i] = cell;
        // Judged on the value as stored: a leading CR is shown as LF but was formula-like.
        if (typeof value === 'string' && typeof cell === 'string' && looksLikeFormula(value)) (formulaLike ??= []).push(i + 1);
      }
      const added = (sheet as Sheet).addRow(values);
      if (formulaLike) for (const col of formulaLike) added.getCell(col).numFmt = '@';
      added.commit();
      inSheet++;
    }
    rows += chunk.length;
    ctx.onRows?.(rows);
    await waitForDrain(ctx.out, ctx.signal);
  }
  book ??= await openBook(ctx, source);
  (sheet ?? addDataSheet(book, 1, columns, zone)).commit();
  addAboutSheet(book, source, rows);
  await book.commit();
  await finish(ctx.out);
  return rows;
};

export const writeXlsx: FormatWriter = xlsxWriter();
