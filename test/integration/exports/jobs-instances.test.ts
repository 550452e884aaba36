/**
 * Export jobs with several instances on one store and one (shared) export directory: each queued
 * job is claimed and run by exactly one runner, a running job is failed only once its runner's
 * heartbeat stops, jobs queued on a stopped instance are taken up by another, and files of jobs
 * running elsewhere survive a start, and an org's cap of queued + running jobs holds however its
 * submissions are spread over instances. Runs on DuckDB and, in the `postgres` project, on PostgreSQL.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobView } from '../../../src/export/index.js';
import { ExportService } from '../../../src/export/index.js';
import type { TestApp } from '../../fixtures/app.js';
import { ORG, RANGE, post, seeded } from './setup.js';

const RAW = { format: 'csv', raw: { timeRange: RANGE, events: ['payment.completed'] } };

let t: TestApp;
let token: string;
const services: ExportService[] = [];

beforeAll(async () => {
  t = await seeded({ exports: { maxJobsPerOrg: 50 } });
  token = await t.token(ORG, 'analyst');
  // The app's own runner stays stopped: it only takes submissions, like an instance whose runner died.
  await t.exports?.runner?.stop();
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await t.close();
});

/** Another instance: its own ExportService (and runner) over the same store and directory. */
function instance(options: { orphanAfterMs?: number; maxJobsPerOrg?: number } = {}): ExportService {
  const service = new ExportService({ store: t.store, engine: t.engine, dir: t.exports?.directory ?? null, sweepIntervalMs: 50, heartbeatMs: 50, ...options });
  services.push(service);
  return service;
}

async function submit(): Promise<string> {
  const res = await post(t, token, RAW, '?async=true');
  expect(res.statusCode).toBe(202);
  return (res.json() as JobView).id;
}

async function jobRow(id: string): Promise<{ status: string; runner: string | null; error: string | null }> {
  const [row] = await t.store.query('SELECT status, runner, error FROM export_jobs WHERE id = $1', [id]);
  return { status: String(row?.['status']), runner: (row?.['runner'] as string | null) ?? null, error: (row?.['error'] as string | null) ?? null };
}

async function until(id: string, statuses: string[]): Promise<{ status: string; runner: string | null; error: string | null }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const row = await jobRow(id);
    if (statuses.includes(row.status)) return row;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${row.status}`);
    await sleep(20);
  }
}

/** Marks a job as running on a runner that is not in this process, last heard of `agoMs` ago. */
async function runningElsewhere(id: string, agoMs: number, filePath: string | null = null): Promise<void> {
  await t.store.execute(
    `UPDATE export_jobs SET status = 'running', runner = 'elsewhere', heartbeat_at = ${t.engine.dialect.timeParam('$2')}, file_path = $3 WHERE id = $1`,
    [id, Date.now() - agoMs, filePath],
  );
}

describe('export jobs across instances', () => {
  it('runs each queued job once when two instances start together', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => submit()));
    const [a, b] = [instance(), instance()];
    const prepared = [vi.spyOn(a, 'prepare'), vi.spyOn(b, 'prepare')];
    await Promise.all([a.start(), b.start()]);
    const rows = await Promise.all(ids.map((id) => until(id, ['done', 'failed'])));
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'done'));
    const runners = new Set<string | undefined>([a.runner?.id, b.runner?.id]);
    for (const row of rows) expect(runners.has(row.runner ?? '')).toBe(true);
    // A runner prepares a job only after claiming it: six jobs, six preparations in all.
    expect(prepared[0]!.mock.calls.length + prepared[1]!.mock.calls.length).toBe(6);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('fails a running job only once its runner has been silent for orphanAfterMs', async () => {
    const live = await submit();
    const dead = await submit();
    const dir = join(t.exports?.directory as string, 'jobs');
    await mkdir(dir, { recursive: true });
    const liveFile = join(dir, `${live}.csv`);
    await writeFile(`${liveFile}.partial`, 'time,event\n');
    await runningElsewhere(live, 0, liveFile);
    await runningElsewhere(dead, 60_000);
    const b = instance({ orphanAfterMs: 1_000 });
    await b.start();
    expect(await until(dead, ['failed'])).toMatchObject({ error: expect.stringMatching(/^interrupted/) });
    expect((await jobRow(live)).status).toBe('running');
    expect(existsSync(`${liveFile}.partial`)).toBe(true);
    // No more heartbeats from "elsewhere": a sweep after the second has passed fails it too, and
    // deletes the partial file the silent process left.
    expect(await until(live, ['failed'])).toMatchObject({ error: expect.stringMatching(/^interrupted/) });
    expect(existsSync(`${liveFile}.partial`)).toBe(false);
    await b.stop();
  });

  it('takes up a job queued through an instance whose runner is stopped', async () => {
    const b = instance();
    await b.start();
    const id = await submit();
    expect(await until(id, ['done', 'failed'])).toMatchObject({ status: 'done', runner: b.runner?.id });
    await b.stop();
  });

  it('keeps the partial file of a job running elsewhere when it starts, and removes strays', async () => {
    const id = await submit();
    const dir = join(t.exports?.directory as string, 'jobs');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${id}.csv`);
    await runningElsewhere(id, 0, file);
    await writeFile(`${file}.partial`, 'time,event\n');
    const stray = join(dir, 'left-over.csv.partial');
    await writeFile(stray, 'x');
    const b = instance();
    await b.start();
    expect(existsSync(`${file}.partial`)).toBe(true);
    expect(existsSync(stray)).toBe(false);
    await b.stop();
  });

  it("holds an org's job cap when submissions race on two instances, and frees a slot when a job is cancelled or done", async () => {
    // Neither runner is started: accepted jobs stay queued and keep their slots.
    const [a, b] = [instance({ maxJobsPerOrg: 3 }), instance({ maxJobsPerOrg: 3 })];
    const user = { org: 'capped', sub: 'u1' };
    const request = { format: 'csv' as const, raw: { timeRange: RANGE, events: ['payment.completed'] } };
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).submit(request, user)));
    const accepted = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value.id);
    expect(accepted).toHaveLength(3);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'TOO_MANY_EXPORT_JOBS' });
    const queued = await t.store.query(`SELECT count(*) AS n FROM export_jobs WHERE org_id = 'capped' AND status = 'queued'`, []);
    expect(Number(queued[0]?.['n'])).toBe(3);

    // A cancelled job gives its slot back: one more submission fits, on either instance.
    await a.cancel('capped', accepted[0]!);
    expect((await b.submit(request, user)).status).toBe('queued');
    await expect(a.submit(request, user)).rejects.toMatchObject({ code: 'TOO_MANY_EXPORT_JOBS' });
    // Another org has its own slots.
    expect((await a.submit(request, { org: 'other-capped', sub: 'u1' })).status).toBe('queued');

    // Jobs that finish give theirs back too.
    await a.start();
    const capped = async () => t.store.query(`SELECT id, status FROM export_jobs WHERE org_id = 'capped' AND status IN ('queued', 'running')`, []);
    for (const row of await capped()) await until(String(row['id']), ['done']);
    await a.stop();
    const again = await Promise.allSettled(Array.from({ length: 4 }, () => b.submit(request, user)));
    expect(again.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
  });
});
