/**
 * Bulk import (ingest/import/) into a real store through the app's ingest service: what lands in
 * the store is read back with hand-written SQL and compared with the file's events; a file with
 * any bad row stores nothing; ids make re-imports harmless; a raw export of one org imports into
 * another as the same events; a store failure mid-way says where to resume, and resuming completes it;
 * through a running server (`--url`), rate-limited or not, the same events land.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { ImportOptions } from '../../../src/ingest/import/import-events.js';
import { importEvents, ImportRejected, ImportStopped, orgTarget } from '../../../src/ingest/import/import-events.js';
import type { RawEvent } from '../../../src/ingest/import/row-event.js';
import { fileSource } from '../../../src/cli/import.js';
import { HttpTarget } from '../../../src/cli/http-target.js';
import { defaultOpsConfig } from '../../../src/config/ops.js';
import type { ImportFormat } from '../../../src/ingest/import/read-rows.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { exportApp, hostileEvents, post, RANGE } from '../exports/setup.js';

type Cell = string | number | boolean | null;
const DECLARED = ['amount', 'currency', 'channel', 'page', 'score', 'premium'];

let t: TestApp;
let token: string;
const dir = mkdtempSync(path.join(tmpdir(), 'tally-import-'));

beforeAll(async () => {
  t = await exportApp();
  token = await t.token('source', 'analyst');
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** An event as a client sends it to POST /events. */
function asSent(e: StoredEvent): Record<string, unknown> {
  return { event: e.event, timestamp: new Date(e.timestamp).toISOString(), actor: e.actor, ...(e.id === null ? {} : { id: e.id }), props: e.props };
}

function ndjson(events: readonly StoredEvent[]): string {
  return events.map((e) => JSON.stringify(asSent(e))).join('\n') + '\n';
}

function run(file: string, format: ImportFormat, { org, ...options }: Partial<ImportOptions> & { org: string }) {
  return importEvents(fileSource(file, format), { target: orgTarget(t.ingest, org), catalog: t.catalog, now: () => FIXTURE_END }, { batchSize: 500, dryRun: false, fromLine: 1, ...options });
}

function epochMs(column: string): string {
  return t.store.dialect === 'duckdb' ? `epoch_ms(${column})` : `floor(extract(epoch from ${column}) * 1000)::bigint`;
}

/** An org's events as the store holds them (this test's SQL), in a canonical order and props spelling. */
async function stored(org: string): Promise<Cell[][]> {
  const rows = await t.store.query(
    `SELECT ${epochMs('ts')} AS time, event, actor, id, ${DECLARED.map((p) => `p_${p} AS ${p}`).join(', ')}, extra AS props FROM events WHERE org_id = $1`,
    [org],
  );
  return canonical(rows.map((r) => ['time', 'event', 'actor', 'id', ...DECLARED, 'props'].map((c) => (r[c] ?? null) as Cell)));
}

/** Events as the store should hold them: declared props in their columns, the rest as JSON. */
function expected(events: readonly StoredEvent[]): Cell[][] {
  return canonical(
    events.map((e) => {
      const extra = Object.fromEntries(Object.entries(e.props).filter(([k]) => !DECLARED.includes(k)));
      return [e.timestamp, e.event, e.actor, e.id, ...DECLARED.map((p) => e.props[p] ?? null), Object.keys(extra).length > 0 ? JSON.stringify(extra) : null];
    }),
  );
}

function canonical(rows: Cell[][]): Cell[][] {
  const last = 4 + DECLARED.length;
  return rows
    .map((r) => r.map((v, i) => (i === 0 ? Number(v) : i === last && typeof v === 'string' ? JSON.stringify(sortKeys(JSON.parse(v) as Record<string, unknown>)) : v)))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

async function count(org: string): Promise<number> {
  const rows = await t.store.query('SELECT count(*) AS n FROM events WHERE org_id = $1', [org]);
  return Number(rows[0]?.['n']);
}

describe('importEvents', () => {
  it('stores every event of a gzip NDJSON file in batches, and cached answers see them', async () => {
    const events = fixtureEvents(2300, 11);
    const file = write('events.ndjson.gz', gzipSync(ndjson(events)));
    const orgToken = await t.token('nd', 'analyst');
    const query = () =>
      t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${orgToken}` }, payload: { metrics: ['count'], timeRange: RANGE } });
    expect((await query()).json().rows[0].count).toBe(0); // now cached
    const report = await run(file, 'ndjson', { org: 'nd' });
    expect(report).toEqual({ rows: 2300, accepted: 2300, duplicates: 0, dryRun: false });
    expect(await stored('nd')).toEqual(expected(events));
    const inRange = events.filter((e) => e.timestamp >= Date.parse(RANGE.from) && e.timestamp < Date.parse(RANGE.to)).length;
    expect((await query()).json().rows[0].count).toBe(inRange);
  });

  it('stores nothing from a file with a bad row, and names every bad line and field', async () => {
    const lines = ndjson(fixtureEvents(1200, 12)).trimEnd().split('\n');
    lines[399] = JSON.stringify({ event: 'payment.completed', timestamp: '2026-11-19T10:00:00Z', props: { amount: '12.50' } });
    lines[799] = '{"event": "page.viewed", ';
    lines[1199] = JSON.stringify({ event: 'bad name!', timestamp: '2026-11-19T10:00:00Z' });
    const file = write('bad.ndjson', lines.join('\n'));
    const err = await run(file, 'ndjson', { org: 'bad' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRejected);
    const rejected = err as ImportRejected;
    expect(rejected.total).toBe(3);
    expect(rejected.problems).toEqual([
      { line: 400, path: '/props/amount', message: 'must be a number (declared in the model)' },
      { line: 800, path: '/', message: 'is not valid JSON' },
      { line: 1200, path: '/event', message: expect.stringMatching(/^is required/) as unknown as string },
    ]);
    expect(await count('bad')).toBe(0);
  });

  it('checks only on a dry run, and stores a repeated id once however often the file is imported', async () => {
    const events = fixtureEvents(900, 13).map((e, i) => ({ ...e, id: `evt-${i % 600}` }));
    const file = write('ids.ndjson', ndjson(events));
    expect(await run(file, 'ndjson', { org: 'ids', dryRun: true })).toEqual({ rows: 900, accepted: 0, duplicates: 0, dryRun: true });
    expect(await count('ids')).toBe(0);
    expect(await run(file, 'ndjson', { org: 'ids', batchSize: 250 })).toEqual({ rows: 900, accepted: 600, duplicates: 300, dryRun: false });
    expect(await run(file, 'ndjson', { org: 'ids' })).toEqual({ rows: 900, accepted: 0, duplicates: 900, dryRun: false });
    expect(await stored('ids')).toEqual(expected(events.slice(0, 600)));
  });

  it('keeps the batches committed before a store failure, says through which line, and resumes from there', async () => {
    const events = fixtureEvents(2000, 14);
    const file = write('resume.ndjson', ndjson(events));
    let calls = 0;
    const target = orgTarget(t.ingest, 'resume');
    const failing = { append: (batch: RawEvent[]) => (++calls === 3 ? Promise.reject(new Error('disk full')) : target.append(batch)) };
    const source = fileSource(file, 'ndjson');
    const options = { batchSize: 500, dryRun: false, fromLine: 1 };
    const err = await importEvents(source, { target: failing, catalog: t.catalog, now: () => FIXTURE_END }, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportStopped);
    expect(err).toMatchObject({ storedThroughLine: 1000, accepted: 1000, message: 'the import stopped: disk full' });
    expect(await count('resume')).toBe(1000);
    expect(await run(file, 'ndjson', { org: 'resume', fromLine: 1001 })).toEqual({ rows: 1000, accepted: 1000, duplicates: 0, dryRun: false });
    expect(await stored('resume')).toEqual(expected(events));
  });
});

describe('a raw export of one org, imported into another', () => {
  beforeAll(async () => {
    await t.seed('source', [...fixtureEvents(1500, 15), ...hostileEvents()]);
    await t.seed('plain', fixtureEvents(1500, 16));
  });

  async function exportRaw(org: string, format: 'ndjson' | 'csv'): Promise<string> {
    const res = await post(t, org === 'source' ? token : await t.token(org, 'analyst'), { format, raw: { timeRange: { preset: 'all' } } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    return res.body;
  }

  it('NDJSON: the same events, byte for byte in every column, spreadsheet-hostile text included', async () => {
    const file = write('source.ndjson', await exportRaw('source', 'ndjson'));
    expect(await run(file, 'ndjson', { org: 'copy-nd' })).toMatchObject({ rows: 1500 + hostileEvents().length, accepted: 1500 + hostileEvents().length });
    expect(await stored('copy-nd')).toEqual(await stored('source'));
  });

  it('CSV: the same events (declared props typed by the model, the rest from the props column)', async () => {
    const file = write('plain.csv', await exportRaw('plain', 'csv'));
    expect(await run(file, 'csv', { org: 'copy-csv' })).toMatchObject({ rows: 1500, accepted: 1500 });
    expect(await stored('copy-csv')).toEqual(await stored('plain'));
  });
});

describe('CSV files', () => {
  it('reads types from the model, epoch or ISO times, empty cells as absent, props.<name> columns', async () => {
    const file = write(
      'typed.csv',
      'event,timestamp,actor,amount,premium,channel,props.coupon,note\r\n' +
        'payment.completed,1763640000000,u1,12.5,TRUE,web,VIP,"first, ""quoted"""\r\n' +
        'page.viewed,2026-11-19T08:30:00+01:00,,,,app,,\r\n',
    );
    expect(await run(file, 'csv', { org: 'typed' })).toMatchObject({ rows: 2, accepted: 2 });
    expect(await stored('typed')).toEqual(
      expected([
        { event: 'payment.completed', timestamp: 1763640000000, actor: 'u1', id: null, props: { amount: 12.5, premium: true, channel: 'web', coupon: 'VIP', note: 'first, "quoted"' } },
        { event: 'page.viewed', timestamp: Date.UTC(2026, 10, 19, 7, 30), actor: null, id: null, props: { channel: 'app' } },
      ]),
    );
  });

  it("counts rows older than the org keeps as problems, as POST /events refuses them", async () => {
    const events = fixtureEvents(300, 13);
    const file = write('retention.ndjson', ndjson(events));
    const cutoff = FIXTURE_END - 5 * 86_400_000;
    const oldestAllowed = () => ({ time: cutoff, days: 5 });
    const err = await importEvents(fileSource(file, 'ndjson'), { target: orgTarget(t.ingest, 'kept-5d'), catalog: t.catalog, oldestAllowed, now: () => FIXTURE_END }, { batchSize: 100, dryRun: false, fromLine: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRejected);
    expect((err as ImportRejected).total).toBe(events.filter((e) => e.timestamp < cutoff).length);
    expect((err as ImportRejected).problems[0]).toMatchObject({ path: '/timestamp', message: expect.stringMatching(/older than this org keeps events \(5 days/) as unknown as string });
    expect(await count('kept-5d')).toBe(0);
  });

  it('refuses a header without an event column, a ragged row and an untyped value, storing nothing', async () => {
    const noEvent = write('no-event.csv', 'name,timestamp\npayment.completed,2026-11-19T10:00:00Z\n');
    await expect(run(noEvent, 'csv', { org: 'csv-bad' })).rejects.toMatchObject({ problems: [{ line: 1, path: '/', message: 'the header row has no "event" column' }] });
    const ragged = write('ragged.csv', 'event,amount\npayment.completed,1\npayment.completed,2,3\npayment.completed,4\n');
    const err = (await run(ragged, 'csv', { org: 'csv-bad' }).catch((e: unknown) => e)) as ImportRejected;
    expect(err).toBeInstanceOf(ImportRejected);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toEqual({ line: 3, path: '/', message: 'has 3 cells where the header has 2; the file is not read past it' });
    const unclosed = write('unclosed.csv', 'event,channel\npayment.completed,"web\npayment.completed,app\n');
    await expect(run(unclosed, 'csv', { org: 'csv-bad' })).rejects.toMatchObject({ problems: [{ path: '/', message: 'a quoted cell is not closed before the end of the file' }] });
    const untyped = write('untyped.csv', 'event,amount,premium\npayment.completed,12.5,yes\npayment.completed,twelve,true\n');
    await expect(run(untyped, 'csv', { org: 'csv-bad' })).rejects.toMatchObject({
      total: 2,
      problems: [
        { line: 2, path: '/props/premium', message: 'must be a boolean (declared in the model)' },
        { line: 3, path: '/props/amount', message: 'must be a number (declared in the model)' },
      ],
    });
    expect(await count('csv-bad')).toBe(0);
  });
});

describe('importEvents through a running server (tally import --url)', () => {
  it('stores the same events as a local import, waiting out the ingest rate limit', async () => {
    const ops = defaultOpsConfig();
    // Two ingest requests per second for the org: a 1,200-event file in batches of 200 must wait.
    const rateLimits = { ...ops.rateLimits, classes: { ...ops.rateLimits.classes, ingest: { org: 2, credential: 2, ip: 2, windowSeconds: 1 } }, penalty: { ...ops.rateLimits.penalty, strikes: 0 } };
    const server = await createTestApp({ store: t.store, now: FIXTURE_END, ops: { rateLimits }, rateLimitPrefix: `import-url-${Math.random()}` });
    try {
      const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const key = await server.ingestKey('via-url');
      const events = fixtureEvents(1200, 17);
      const file = write('via-url.ndjson', ndjson(events));
      const waits: number[] = [];
      const sleep = (ms: number): Promise<void> => {
        waits.push(ms);
        return new Promise((resolve) => setTimeout(resolve, ms));
      };
      const target = new HttpTarget({ url, key, sleep });
      const report = await importEvents(fileSource(file, 'ndjson'), { target, catalog: t.catalog, now: () => FIXTURE_END }, { batchSize: 200, dryRun: false, fromLine: 1 });
      expect(report).toEqual({ rows: 1200, accepted: 1200, duplicates: 0, dryRun: false });
      expect(waits.length).toBeGreaterThan(0);
      expect(await stored('via-url')).toEqual(expected(events));
    } finally {
      await server.close();
    }
  });
});
