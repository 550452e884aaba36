import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvText, isoFormatter, looksLikeFormula, xlsxText, XLSX_MAX_CELL_CHARS } from '../../../src/export/cells.js';

describe('csvText (OWASP CSV injection recipe)', () => {
  it.each([
    ['=1+1', `"'=1+1"`],
    ['+1', `"'+1"`],
    ['-1', `"'-1"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\tx', `"'\tx"`],
    ['\rx', `"'\rx"`],
    ['a"b', `"a""b"`],
    ['=HYPERLINK("u")', `"'=HYPERLINK(""u"")"`],
    ['plain', '"plain"'],
    ['', '""'],
    [' =1', '" =1"'],
  ])('%j → %s', (input, output) => {
    expect(csvText(input)).toBe(output);
  });

  it('round-trips any text through a standard CSV parser, formula-like text with one leading quote', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 5 }), (cells) => {
        const line = cells.map(csvText).join(',') + '\r\n';
        const [parsed] = parse(line) as string[][];
        expect(parsed).toEqual(cells.map((c) => (looksLikeFormula(c) ? `'${c}` : c)));
      }),
    );
  });
});

describe('isoFormatter', () => {
  it('writes UTC with Z', () => {
    expect(isoFormatter('UTC')(Date.UTC(2026, 10, 20, 10))).toBe('2026-11-20T10:00:00.000Z');
  });

  it('writes other zones with their offset at that instant, across DST', () => {
    const berlin = isoFormatter('Europe/Berlin');
    expect(berlin(Date.UTC(2026, 2, 29, 0, 59, 59, 999))).toBe('2026-03-29T01:59:59.999+01:00');
    expect(berlin(Date.UTC(2026, 2, 29, 1))).toBe('2026-03-29T03:00:00.000+02:00');
    expect(berlin(Date.UTC(2026, 9, 25, 0, 30))).toBe('2026-10-25T02:30:00.000+02:00');
    expect(berlin(Date.UTC(2026, 9, 25, 1, 30))).toBe('2026-10-25T02:30:00.000+01:00');
    expect(isoFormatter('Asia/Kathmandu')(Date.UTC(2026, 0, 1))).toBe('2026-01-01T05:45:00.000+05:45');
    expect(isoFormatter('America/St_Johns')(Date.UTC(2026, 0, 1))).toBe('2025-12-31T20:30:00.000-03:30');
  });

  it('always denotes the same instant', () => {
    const ny = isoFormatter('America/New_York');
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2037, 0, 1) }), (ms) => Date.parse(ny(ms)) === ms));
  });
});

describe('xlsxText', () => {
  it('replaces characters XML cannot carry, keeps tab and LF, turns CR into LF', () => {
    expect(xlsxText('a\u0000b\u0007c\u001f')).toBe('a\uFFFDb\uFFFDc\uFFFD');
    expect(xlsxText('a\tb\nc')).toBe('a\tb\nc');
    expect(xlsxText('a\r\nb\rc')).toBe('a\nb\nc');
    expect(xlsxText('x\uD800y')).toBe('x\uFFFDy');
    expect(xlsxText('ok 😀')).toBe('ok 😀');
  });

  it("cuts text at Excel's cell limit", () => {
    expect(xlsxText('x'.repeat(XLSX_MAX_CELL_CHARS + 10))).toHaveLength(XLSX_MAX_CELL_CHARS);
  });
});
