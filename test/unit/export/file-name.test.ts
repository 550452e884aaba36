import { describe, expect, it } from 'vitest';
import { contentDisposition, exportFileName } from '../../../src/export/file-name.js';
import type { ExportMeta } from '../../../src/export/types.js';

const meta = (over: Partial<ExportMeta>): ExportMeta => ({
  org: 'acme',
  kind: 'events',
  subject: 'events',
  timeRange: { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 10, 8) },
  timezone: 'UTC',
  generatedAt: 0,
  ...over,
});

describe('exportFileName', () => {
  it('names whole days by their first and last (inclusive) day', () => {
    expect(exportFileName(meta({}), 'csv')).toBe('tally_acme_events_2026-11-01_2026-11-07.csv');
  });

  it('uses the export zone, and times when the range is not whole days there', () => {
    expect(exportFileName(meta({ timezone: 'Europe/Berlin' }), 'xlsx')).toBe('tally_acme_events_2026-11-01T0100_2026-11-08T0100.xlsx');
    const berlinDays = { from: Date.UTC(2026, 9, 31, 23), to: Date.UTC(2026, 10, 7, 23) };
    expect(exportFileName(meta({ timezone: 'Europe/Berlin', timeRange: berlinDays }), 'csv')).toBe('tally_acme_events_2026-11-01_2026-11-07.csv');
  });

  it('keeps only safe characters of the org and subject', () => {
    const name = exportFileName(meta({ org: 'a"c\r\nme/../x', subject: 'query-sum(amount)' }), 'parquet');
    expect(name).toBe('tally_a-c-me-..-x_query-sum-amount_2026-11-01_2026-11-07.parquet');
    expect(contentDisposition(name)).toBe(`attachment; filename="${name}"`);
  });
});
