/**
 * How the API serves the dashboard, without a browser: SPA fallback for client routes only,
 * cache headers, path traversal, a clear 503 before a build, and GET /model for the pickers.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webRoutes } from '../../src/http/routes/web.js';
import { createTestApp } from '../fixtures/app.js';
import type { TestApp } from '../fixtures/app.js';

describe('dashboard static serving', () => {
  let dir: string;
  const app = Fastify();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tally-web-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><div id="app"></div>');
    await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    await app.register(webRoutes, { root: dir });
    app.get('/api/v1/thing', async () => ({ ok: true }));
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers client routes with index.html, revalidated every time', async () => {
    for (const url of ['/', '/explore', '/learning/students/u_1', '/live?x=1']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets as immutable and refuses to leave the assets folder', async () => {
    const res = await app.inject('/assets/index-abc123.js');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect((await app.inject('/assets/../index.html')).statusCode).toBe(404);
    expect((await app.inject('/assets/%2e%2e/index.html')).statusCode).toBe(404);
    expect((await app.inject('/assets/missing.js')).statusCode).toBe(404);
  });

  it('never shadows the API or unknown paths', async () => {
    expect((await app.inject('/api/v1/thing')).json()).toEqual({ ok: true });
    expect((await app.inject('/api/v1/nope')).statusCode).toBe(404);
    expect((await app.inject('/docs-like')).statusCode).toBe(404);
  });

  it('says how to build when web/dist is missing', async () => {
    const bare = Fastify();
    await bare.register(webRoutes, { root: path.join(dir, 'nothing') });
    const res = await bare.inject('/');
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatch(/npm run build/);
    await bare.close();
  });
});

describe('GET /model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ models: ['learning', 'commerce'].map((m) => path.resolve('models', `${m}.yaml`)) });
  });
  afterAll(async () => t.close());

  it('lists each model with labelled dimensions, formatted metrics and KPIs to readers', async () => {
    const res = await t.app.inject({ url: '/api/v1/model', headers: { authorization: `Bearer ${await t.token('o', 'viewer')}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { models: { name: string; dimensions: { name: string; label: string }[]; metrics: { name: string; format: string }[]; kpis: string[] }[] };
    expect(body.models.map((m) => m.name)).toEqual(['learning', 'commerce']);
    const commerce = body.models[1]!;
    expect(commerce.kpis).toContain('revenue');
    expect(commerce.metrics.find((m) => m.name === 'revenue')?.format).toBe('currency');
    expect(commerce.dimensions.find((d) => d.name === 'product')?.label).toBe('Product');
  });

  it('needs a credential', async () => {
    expect((await t.app.inject('/api/v1/model')).statusCode).toBe(401);
  });
});
