/**
 * Export jobs (?async=true): 202 with an id, status with rows written and progress, the file,
 * org isolation (404), the per-org cap (429), cancelling, expiry (410), and what a restart does
 * to jobs left queued (run) or running (failed, never silently lost).
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../../src/export/index.js';
import { ExportService } from '../../../src/export/index.js';
import type { TestApp } from '../../fixtures/app.js';
import { readCsv, readXlsx } from './readers.js';
import { ORG, OTHER_ORG, RANGE, get, post, seeded } from './setup.js';

const RAW = { format: 'csv', raw: { timeRange: RANGE, events: ['payment.completed'] } };

async function waitFor(t: TestApp, token: string, id: string, statuses: string[]): Promise<JobView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await get(t, token, `/exports/${id}`);
    expect(res.statusCode).toBe(200);
    const job = res.json() as JobView;
    if (statuses.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
    await sleep(20);
  }
}

async function paymentCount(t: TestApp): Promise<number> {
  const rows = await t.store.query(
    `SELECT count(*) AS n FROM events WHERE org_id = 'acme' AND event = 'payment.completed'
     AND ts >= TIMESTAMP '2026-11-06 12:00:00' AND ts < TIMESTAMP '2026-11-20 12:00:00'`,
    [],
  );
  return Number(rows[0]?.['n']);
}

describe('a job from submission to download', () => {
  let t: TestApp;
  let token: string;
  let other: string;

  beforeAll(async () => {
    t = await seeded({ exports: { chunkRows: 100 } });
    token = await t.token(ORG, 'analyst');
    other = await t.token(OTHER_ORG, 'admin');
  });
  afterAll(() => t.close());

  it('202 with the job, then done with rows, progress 1 and a file equal to the export', async () => {
    const res = await post(t, token, RAW, '?async=true');
    expect(res.statusCode).toBe(202);
    const queued = res.json() as JobView;
    expect(res.headers['location']).toBe(`/api/v1/exports/${queued.id}`);
    expect(queued).toMatchObject({ status: 'queued', format: 'csv', kind: 'events', rowsWritten: 0, file: null });

    const done = await waitFor(t, token, queued.id, ['done', 'failed']);
    const total = await paymentCount(t);
    expect(done).toMatchObject({ status: 'done', rowsWritten: total, totalEstimate: total, progress: 1, error: null, file: `/api/v1/exports/${queued.id}/file` });
    expect(done.fileName).toBe('tally_acme_events-payment-completed_2026-11-06T1200_2026-11-20T1200.csv');
    expect(Date.parse(done.expiresAt as string) - Date.parse(done.finishedAt as string)).toBe(24 * 3600 * 1000);

    const file = await get(t, token, `/exports/${queued.id}/file`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(file.headers['content-disposition']).toBe(`attachment; filename="${done.fileName}"`);
    expect(Number(file.headers['content-length'])).toBe(done.bytes);
    expect(readCsv(file.body)).toHaveLength(total + 1);
    const sync = await post(t, token, RAW);
    expect(file.body).toBe(sync.body);

    const list = (await get(t, token, '/exports')).json() as { jobs: JobView[] };
    expect(list.jobs.map((j) => j.id)).toContain(queued.id);
  });

  it('is invisible to another org: 404 for the job, its file and a cancel; absent from its list', async () => {
    const job = (await post(t, token, { ...RAW, format: 'xlsx' }, '?async=true')).json() as JobView;
    await waitFor(t, token, job.id, ['done']);
    for (const url of [`/exports/${job.id}`, `/exports/${job.id}/file`]) {
      const res = await get(t, other, url);
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain(job.id);
    }
    const cancel = await t.app.inject({ method: 'DELETE', url: `/api/v1/exports/${job.id}`, headers: { authorization: `Bearer ${other}` } });
    expect(cancel.statusCode).toBe(404);
    expect(((await get(t, other, '/exports')).json() as { jobs: JobView[] }).jobs).toEqual([]);
    // Still there for its own org, and a real workbook.
    const file = await get(t, token, `/exports/${job.id}/file`);
    expect((await readXlsx(file.rawPayload)).sheets.get('Export')?.length).toBe((await paymentCount(t)) + 1);
  });

  it('answers 404 for an unknown id and 400 for a bad request before queueing anything', async () => {
    expect((await get(t, token, '/exports/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    const bad = await post(t, token, { format: 'csv', raw: { columns: ['nope'] } }, '?async=true');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'UNKNOWN_FIELD' });
  });
});

describe('limits, cancelling, expiry and restarts', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await seeded({ exports: { maxJobsPerOrg: 2, fileTtlSeconds: 1, sweepIntervalMs: 50 } });
    token = await t.token(ORG, 'analyst');
  });
  afterAll(() => t.close());

  it('caps queued + running jobs per org (429), per org only; cancels a queued job', async () => {
    // Runner stopped: submitted jobs stay queued, so the count is deterministic.
    await t.exports?.runner?.stop();
    const a = await post(t, token, RAW, '?async=true');
    const b = await post(t, token, RAW, '?async=true');
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    const c = await post(t, token, RAW, '?async=true');
    expect(c.statusCode).toBe(429);
    expect(c.json()).toMatchObject({ code: 'TOO_MANY_EXPORT_JOBS' });
    const elsewhere = await post(t, await t.token(OTHER_ORG, 'analyst'), RAW, '?async=true');
    expect(elsewhere.statusCode).toBe(202);

    const id = (a.json() as JobView).id;
    const cancelled = await t.app.inject({ method: 'DELETE', url: `/api/v1/exports/${id}`, headers: { authorization: `Bearer ${token}` } });
    expect(cancelled.json()).toMatchObject({ status: 'failed', error: 'cancelled' });
    expect((await get(t, token, `/exports/${id}/file`)).json()).toMatchObject({ code: 'EXPORT_NOT_READY' });
    expect((await post(t, token, RAW, '?async=true')).statusCode).toBe(202);
    await t.exports?.runner?.start();
  });

  it('a restart runs jobs left queued and fails jobs left running, with a reason', async () => {
    await t.exports?.runner?.stop();
    const mine = await t.token('restarts', 'analyst');
    const submit = async (format: string): Promise<string> => {
      const res = await post(t, mine, { ...RAW, format }, '?async=true');
      expect(res.statusCode).toBe(202);
      return (res.json() as JobView).id;
    };
    const queued = await submit('ndjson');
    const crashed = await submit('json');
    const waitMine = (id: string, statuses: string[]) => waitFor(t, mine, id, statuses);
    // As if the process died while this one was being written.
    await t.store.execute(`UPDATE export_jobs SET status = 'running' WHERE id = $1`, [crashed]);

    const restarted = new ExportService({ store: t.store, engine: t.engine, dir: t.exports?.directory ?? null });
    await restarted.start();
    try {
      expect(await waitMine(crashed, ['failed'])).toMatchObject({ error: expect.stringMatching(/^interrupted/) });
      expect((await waitMine(queued, ['done', 'failed'])).status).toBe('done');
    } finally {
      await restarted.stop();
    }
  });

  it('deletes the file when it expires: status expired, download 410', async () => {
    await t.exports?.runner?.start();
    const mine = await t.token('expiry', 'analyst');
    const res = await post(t, mine, RAW, '?async=true');
    expect(res.statusCode).toBe(202);
    const id = (res.json() as JobView).id;
    const waitMine = (statuses: string[]) => waitFor(t, mine, id, statuses);
    const done = await waitMine(['done']);
    expect(done.file).not.toBeNull();
    const path = (await t.store.query('SELECT file_path FROM export_jobs WHERE id = $1', [id]))[0]?.['file_path'] as string;
    expect(existsSync(path)).toBe(true);
    const expired = await waitMine(['expired']);
    expect(expired.file).toBeNull();
    expect(existsSync(path)).toBe(false);
    const file = await get(t, mine, `/exports/${id}/file`);
    expect(file.statusCode).toBe(410);
    expect(file.json()).toMatchObject({ code: 'EXPORT_EXPIRED' });
  });
});
