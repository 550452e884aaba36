/**
 * Independent readers for exported files: csv-parse for CSV, exceljs's reader and (when Debian's
 * python3-openpyxl is installed) openpyxl for XLSX, DuckDB's read_parquet in a separate in-memory
 * instance for Parquet. None of them shares code with the writers under test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

export function readCsv(text: string): string[][] {
  return parse(text, { relax_column_count: false }) as string[][];
}

export type XlsxCell = string | number | boolean | Date | null;

export interface XlsxBook {
  sheets: Map<string, XlsxCell[][]>;
  /** Per data sheet: cells whose number format is Text ('@'), as `row:col` (1-based). */
  textFormatted: Map<string, Set<string>>;
  formulas: number;
}

function plainValue(cell: ExcelJS.Cell): XlsxCell {
  const v = cell.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && !(v instanceof Date)) return JSON.stringify(v);
  return v;
}

export async function readXlsx(body: Buffer): Promise<XlsxBook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(body as unknown as ArrayBuffer);
  const sheets = new Map<string, XlsxCell[][]>();
  const textFormatted = new Map<string, Set<string>>();
  let formulas = 0;
  book.eachSheet((sheet) => {
    const rows: XlsxCell[][] = [];
    const text = new Set<string>();
    const width = sheet.columnCount;
    sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
      const cells: XlsxCell[] = [];
      for (let c = 1; c <= width; c++) {
        const cell = row.getCell(c);
        if (cell.type === ExcelJS.ValueType.Formula) formulas++;
        if (cell.numFmt === '@') text.add(`${rowNumber}:${c}`);
        cells.push(plainValue(cell));
      }
      rows.push(cells);
    });
    sheets.set(sheet.name, rows);
    textFormatted.set(sheet.name, text);
  });
  return { sheets, textFormatted, formulas };
}

const PYTHON = '/usr/bin/python3';

/** Whether Debian's python3 with openpyxl is installed (python3-openpyxl). */
export function openpyxlAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import openpyxl'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const OPENPYXL_DUMP = `
import json, sys, zipfile, datetime, openpyxl
path = sys.argv[1]
wb = openpyxl.load_workbook(path)
sheets = {}
for ws in wb.worksheets:
    rows = []
    for row in ws.iter_rows():
        cells = []
        for c in row:
            v = c.value
            if isinstance(v, datetime.datetime):
                v = v.isoformat()
            cells.append([c.data_type, v])
        rows.append(cells)
    sheets[ws.title] = rows
z = zipfile.ZipFile(path)
formulas = 0
for name in z.namelist():
    if name.startswith('xl/worksheets/'):
        data = z.read(name)
        formulas += data.count(b'<f>') + data.count(b'<f ')
print(json.dumps({'sheets': sheets, 'formulas': formulas}))
`;

export interface OpenpyxlBook {
  /** Cells as [data_type, value]: 's' text, 'n' number, 'b' boolean, 'd' date (ISO text), 'f' formula. */
  sheets: Record<string, Array<Array<[string, string | number | boolean | null]>>>;
  /** `<f>` elements found in the sheets' XML. */
  formulas: number;
}

export async function readXlsxWithOpenpyxl(body: Buffer): Promise<OpenpyxlBook> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-openpyxl-'));
  try {
    const file = join(dir, 'export.xlsx');
    await writeFile(file, body);
    const out = execFileSync(PYTHON, ['-c', OPENPYXL_DUMP, file], { maxBuffer: 256 * 1024 * 1024 });
    return JSON.parse(out.toString('utf8')) as OpenpyxlBook;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type ParquetRow = Record<string, string | number | boolean | null>;

/** Rows of a Parquet file through a fresh DuckDB (times as epoch ms), plus its key-value metadata. */
export async function readParquet(body: Buffer): Promise<{ rows: ParquetRow[]; columns: string[]; types: string[]; metadata: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-parquet-'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const file = join(dir, 'export.parquet');
    await writeFile(file, body);
    const reader = await conn.runAndReadAll('SELECT * FROM read_parquet($1)', [file]);
    const columns = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    const rows = reader.getRowsJS().map((values) => {
      const row: ParquetRow = {};
      values.forEach((v, i) => {
        const name = columns[i] as string;
        if (v instanceof Date) row[name] = v.getTime();
        else if (typeof v === 'bigint') row[name] = Number(v);
        else row[name] = (v ?? null) as ParquetRow[string];
      });
      return row;
    });
    const meta = await conn.runAndReadAll('SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata($1)', [file]);
    const metadata = Object.fromEntries(meta.getRowsJS().map(([k, v]) => [String(k), String(v)]));
    return { rows, columns, types, metadata };
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The OWASP neutralisation, written out independently of src/export/cells.ts. */
export function neutralized(text: string): string {
  return ['=', '+', '-', '@', '\t', '\r'].includes(text.charAt(0)) ? `'${text}` : text;
}
