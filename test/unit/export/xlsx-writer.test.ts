/** The XLSX writer on its own: sheets roll over at the row limit, each with its header; nothing is written before the first rows. */
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { xlsxWriter } from '../../../src/export/formats/xlsx.js';
import type { ExportColumn, ExportMeta, ExportRow, RowSource } from '../../../src/export/types.js';

const columns: ExportColumn[] = [
  { key: 'c0', name: 'time', type: 'time' },
  { key: 'c1', name: 'n', type: 'number' },
];
const meta: ExportMeta = { org: 'acme', kind: 'events', subject: 'events', timeRange: { from: 0, to: 1 }, timezone: 'UTC', generatedAt: 0 };

function source(rows: number, chunk = 4): RowSource {
  return {
    columns,
    meta,
    async *chunks() {
      for (let i = 0; i < rows; i += chunk) {
        yield Array.from({ length: Math.min(chunk, rows - i) }, (_, k): ExportRow => ({ c0: Date.UTC(2026, 0, 1) + (i + k) * 1000, c1: i + k }));
      }
    },
    estimate: async () => rows,
    selects: () => null,
  };
}

async function write(rows: number, maxRows: number): Promise<ExcelJS.Workbook> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (b: Buffer) => parts.push(b));
  const written = await xlsxWriter(maxRows)(source(rows), { out, signal: new AbortController().signal });
  expect(written).toBe(rows);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(Buffer.concat(parts) as unknown as ArrayBuffer);
  return book;
}

describe('xlsxWriter', () => {
  it('continues on "Export 2", "Export 3" … at the sheet row limit, repeating the header', async () => {
    const book = await write(23, 10);
    expect(book.worksheets.map((s) => s.name)).toEqual(['Export', 'Export 2', 'Export 3', 'About']);
    const values = book.worksheets.slice(0, 3).flatMap((s) => {
      const rows: unknown[][] = [];
      s.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      expect(rows[0]).toEqual(['time (UTC)', 'n']);
      return rows.slice(1);
    });
    expect(values.map((r) => r[1])).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect((values[22]?.[0] as Date).getTime()).toBe(Date.UTC(2026, 0, 1) + 22_000);
  });

  it('writes a header-only sheet for an empty export', async () => {
    const book = await write(0, 10);
    expect(book.worksheets.map((s) => s.name)).toEqual(['Export', 'About']);
    expect(book.getWorksheet('Export')?.rowCount).toBe(1);
  });
});
