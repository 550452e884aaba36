/**
 * Spreadsheet formula injection: text beginning with `=`, `+`, `-`, `@`, tab or CR is
 * neutralised in CSV (OWASP: leading `'`, quoted, quotes doubled) and stays a text cell in XLSX
 * (never a formula, Text number format); numbers stay numbers, negative ones included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../fixtures/app.js';
import { openpyxlAvailable, readCsv, readXlsx, readXlsxWithOpenpyxl } from './readers.js';
import { HOSTILE_VALUES, ORG, RANGE, post, seeded } from './setup.js';

let t: TestApp;
let token: string;
const FORMULA_LIKE = HOSTILE_VALUES.filter((v) => /^[=+\-@\t\r]/.test(v));
/** The hostile events, picked by their actors (`id` is not a filter field). */
const raw = { timeRange: RANGE, filters: [{ field: 'actor', op: 'in', value: HOSTILE_VALUES }], columns: ['id', 'actor', 'channel', 'amount', 'props.coupon'] };

beforeAll(async () => {
  t = await seeded();
  token = await t.token(ORG, 'analyst');
  expect(FORMULA_LIKE).toHaveLength(6);
});
afterAll(() => t.close());

async function exportFile(format: string) {
  const res = await post(t, token, { format, raw });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  return res;
}

/** Rows by id, in the order of HOSTILE_VALUES. */
function byId<T>(rows: T[][], id: (row: T[]) => string): T[][] {
  return HOSTILE_VALUES.map((_, i) => rows.find((r) => id(r) === `hostile-${i}`) as T[]);
}

describe('CSV', () => {
  it('prefixes formula-like text with a quote, quotes every text cell, and leaves numbers bare', async () => {
    const res = await exportFile('csv');
    const lines = res.body.split('\r\n');
    // Raw bytes: the neutralised cell is quoted and starts with ', the amount is a bare negative number.
    expect(lines.some((l) => l.startsWith(`"hostile-0","'=HYPERLINK(""http://evil.example"",""x"")","'=HYPERLINK(`))).toBe(true);
    expect(lines.some((l) => /^"hostile-2","'-2\+3","'-2\+3",-3\.5,"'-2\+3"$/.test(l))).toBe(true);
    const [header, ...rows] = readCsv(res.body);
    expect(header).toEqual(['id', 'actor', 'channel', 'amount', 'props.coupon']);
    const ordered = byId(rows, (r) => r[0] as string);
    HOSTILE_VALUES.forEach((value, i) => {
      const expected = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
      const row = ordered[i] as string[];
      expect(row.slice(1, 3)).toEqual([expected, expected]);
      expect(row[4]).toBe(expected);
      // A number stays a number: no quote, no prefix, even though it starts with '-'.
      expect(row[3]).toBe(String(-(i + 1.5)));
    });
    // Every formula-like value came out neutralised; nothing else got a quote.
    const cells = rows.flatMap((r) => r.slice(1, 3));
    expect(cells.filter((c) => c.startsWith("'"))).toHaveLength(FORMULA_LIKE.length * 2);
    expect(cells.every((c) => !/^[=+\-@\t\r]/.test(c))).toBe(true);
  });
});

describe('XLSX', () => {
  it('writes the text unchanged as text cells (Text format when formula-like), numbers as numbers, no formulas', async () => {
    const res = await exportFile('xlsx');
    const book = await readXlsx(res.rawPayload);
    expect(book.formulas).toBe(0);
    const [, ...rows] = book.sheets.get('Export') ?? [];
    const ordered = byId(rows, (r) => String(r[0]));
    const textCells = book.textFormatted.get('Export') ?? new Set<string>();
    HOSTILE_VALUES.forEach((value, i) => {
      const row = ordered[i] as unknown[];
      const shown = value.replace(/\r\n?/g, '\n');
      expect(row[1]).toBe(shown);
      expect(row[2]).toBe(shown);
      expect(row[3]).toBe(-(i + 1.5));
      const rowNumber = rows.indexOf(row as never) + 2;
      expect(textCells.has(`${rowNumber}:2`)).toBe(/^[=+\-@\t\r]/.test(value));
    });
  });

  it.skipIf(!openpyxlAvailable())('openpyxl sees text (s) and numbers (n), never a formula (f) nor an <f> element', async () => {
    const res = await exportFile('xlsx');
    const book = await readXlsxWithOpenpyxl(res.rawPayload);
    expect(book.formulas).toBe(0);
    const [, ...rows] = book.sheets['Export'] ?? [];
    const types = rows.flatMap((r) => r.map(([type]) => type));
    expect(types).not.toContain('f');
    for (const r of rows) {
      expect(r[1]?.[0]).toBe('s');
      expect(r[3]).toEqual(['n', expect.any(Number)]);
    }
    const actors = rows.map((r) => r[1]?.[1]);
    for (const value of FORMULA_LIKE) expect(actors).toContain(value.replace(/\r\n?/g, '\n'));
  });
});
