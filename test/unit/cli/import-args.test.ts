import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/args.js';
import { importArgs } from '../../../src/cli/import.js';

describe('tally import arguments', () => {
  it('takes the format from the file name (gzip or not), stdin as NDJSON, and a batch within the ingest limit', () => {
    expect(importArgs(['events.ndjson', '--org', 'acme'], 10_000)).toEqual({ file: 'events.ndjson', destination: { kind: 'org', org: 'acme' }, format: 'ndjson', batchSize: 5000, fromLine: 1, dryRun: false });
    expect(importArgs(['--org', 'acme', 'dump.CSV.gz', '--dry-run'], 10_000)).toMatchObject({ format: 'csv', dryRun: true });
    expect(importArgs(['events.jsonl.gz', '--org', 'acme'], 10_000)).toMatchObject({ format: 'ndjson' });
    expect(importArgs(['-', '--org', 'acme'], 1_000)).toMatchObject({ file: '-', format: 'ndjson', batchSize: 1000 });
    expect(importArgs(['events.ndjson', '--url', 'https://tally.example.com/api/v1'], 10_000)).toMatchObject({ destination: { kind: 'url', url: 'https://tally.example.com/api/v1' } });
    expect(importArgs(['data.txt', '--org', 'acme', '--format', 'csv', '--batch', '200', '--from-line', '5001'], 10_000)).toMatchObject({ format: 'csv', batchSize: 200, fromLine: 5001 });
  });

  it('refuses what it cannot do, naming the option', () => {
    const usage = (argv: string[]): string => {
      try {
        importArgs(argv, 10_000);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(usage(['events.json', '--org', 'acme'])).toMatch(/give --format ndjson or --format csv/);
    expect(usage(['events.ndjson'])).toMatch(/give --org ORG .* or --url URL/);
    expect(usage(['events.ndjson', '--org', 'acme', '--url', 'http://localhost:8080'])).toMatch(/not both: with --url the ingest key/);
    expect(usage(['events.ndjson', '--url', 'localhost:8080'])).toMatch(/--url must start with http/);
    expect(usage(['events.ndjson', '--url', 'not a url'])).toMatch(/--url must be the server's address/);
    expect(usage(['--org', 'acme'])).toMatch(/expected 1 argument/);
    expect(usage(['a.ndjson', 'b.ndjson', '--org', 'acme'])).toMatch(/expected 1 argument/);
    expect(usage(['a.ndjson', '--org', 'acme', '--format', 'xml'])).toMatch(/--format must be one of ndjson, csv/);
    expect(usage(['a.ndjson', '--org', 'acme', '--batch', '20000'])).toMatch(/--batch must be from 1 to 10000/);
    expect(usage(['a.ndjson', '--org', 'acme', '--batch', '0'])).toMatch(/--batch must be from 1/);
    expect(usage(['a.ndjson', '--org', 'acme', '--from-line', '0'])).toMatch(/--from-line must be 1 or more/);
  });
});
