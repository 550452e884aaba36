/**
 * Who may export and how much at once: analyst and admin only; one running synchronous export per
 * user (409 EXPORT_IN_PROGRESS), others unaffected; Parquet and jobs need the export directory
 * (501 NOT_CONFIGURED without it); the OpenAPI document lists the routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportService } from '../../../src/export/index.js';
import type { TestApp } from '../../fixtures/app.js';
import { get, ORG, post, RANGE, seeded } from './setup.js';

let t: TestApp;

beforeAll(async () => {
  t = await seeded();
});
afterAll(() => t.close());

const BODY = { format: 'csv', raw: { timeRange: RANGE } };

describe('roles', () => {
  it('lets analysts and admins export; viewers get 403 on every export route', async () => {
    for (const role of ['analyst', 'admin'] as const) expect((await post(t, await t.token(ORG, role), BODY)).statusCode).toBe(200);
    const viewer = await t.token(ORG, 'viewer');
    expect((await post(t, viewer, BODY)).statusCode).toBe(403);
    expect((await post(t, viewer, BODY, '?async=true')).statusCode).toBe(403);
    expect((await get(t, viewer, '/exports')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/exports', payload: BODY })).statusCode).toBe(401);
  });
});

describe('one running synchronous export per user', () => {
  it('refuses a second one with 409 while the first runs, allows other users, and frees the slot when it ends', async () => {
    const exports = t.exports as ExportService;
    // The first export is started and left unread, as a slow download would be.
    const first = await exports.startSync({ format: 'csv', raw: { timeRange: RANGE } }, { org: ORG, sub: 'test-analyst' });
    const token = await t.token(ORG, 'analyst');
    const second = await post(t, token, BODY);
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'EXPORT_IN_PROGRESS', status: 409 });
    // Jobs are not synchronous exports: still accepted.
    expect((await post(t, token, BODY, '?async=true')).statusCode).toBe(202);
    // Another user of the same org is not affected.
    expect((await post(t, await t.token(ORG, 'admin'), BODY)).statusCode).toBe(200);

    // The stream ends in an error once aborted; a reply would listen for it, so does the test.
    const closed = new Promise((resolve) => first.stream.once('error', () => first.stream.once('close', resolve)));
    first.abort(new Error('test: client went away'));
    first.stream.resume();
    await closed;
    expect((await post(t, token, BODY)).statusCode).toBe(200);
  });
});

describe('without an export directory', () => {
  it('answers 501 NOT_CONFIGURED for Parquet and for jobs, and still streams the other formats', async () => {
    const bare = new ExportService({ store: t.store, engine: t.engine, dir: null });
    await expect(bare.prepare({ format: 'parquet', raw: { timeRange: RANGE } }, ORG)).rejects.toMatchObject({ code: 'NOT_CONFIGURED', status: 501 });
    await expect(bare.submit({ format: 'csv', raw: { timeRange: RANGE } }, { org: ORG, sub: 'x' })).rejects.toMatchObject({ code: 'NOT_CONFIGURED' });
    const run = await bare.startSync({ format: 'ndjson', raw: { timeRange: RANGE, columns: ['event'] } }, { org: ORG, sub: 'x' });
    let text = '';
    for await (const chunk of run.stream) text += String(chunk);
    expect(text.trim().split('\n').length).toBeGreaterThan(3000);
  });
});

describe('OpenAPI', () => {
  it('documents the export routes', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/v1/exports'] ?? {})).toEqual(expect.arrayContaining(['post', 'get']));
    expect(Object.keys(doc.paths['/api/v1/exports/{id}'] ?? {})).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(Object.keys(doc.paths['/api/v1/exports/{id}/file'] ?? {})).toEqual(['get']);
  });
});
