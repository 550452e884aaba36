/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core against a real app
 * (buildApp over an in-memory DuckDB with the three demo datasets) listening on a real port and
 * serving web/dist. Takes desktop and 375 px screenshots of every view: into docs/screenshots/ with
 * TALLY_UPDATE_SCREENSHOTS=1, otherwise into a temporary folder (a test run leaves the checkout as it was).
 * Skipped, with a message, only when /usr/bin/chromium is absent (.ci/run installs it).
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEvents } from '../../src/datasets/index.js';
import type { DatasetName } from '../../src/datasets/index.js';
import { formatValue } from '../../web/src/format.js';
import { createTestApp } from '../fixtures/app.js';
import type { TestApp } from '../fixtures/app.js';

const CHROMIUM = '/usr/bin/chromium';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const UPDATE_SHOTS = process.env['TALLY_UPDATE_SCREENSHOTS'] === '1';
const SHOTS = UPDATE_SHOTS ? path.join(root, 'docs', 'screenshots') : path.join(os.tmpdir(), `tally-e2e-shots-${process.pid}`);
const ORG = 'e2e';
const USER = { email: 'e2e@tally.local', password: 'e2e-password-123' };
const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 375, height: 812 };
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`e2e: skipping the dashboard suite: ${CHROMIUM} is missing (apt-get install -y chromium)`);

interface Kpi {
  metric: string;
  format: string;
  value: number | null;
}
interface ChartData {
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

/** The first dataset's value per label (the live chart: events per minute, labelled by minute). */
function countsByLabel(c: ChartData): Map<string, number> {
  const data = c.datasets[0]?.data ?? [];
  return new Map(c.labels.map((label, i) => [label, data[i] ?? 0]));
}

/**
 * Whether a new event shows: some minute counts more than it did. Not the sum: the window is the
 * last hour, so a later answer may have lost a demo event at its start while it gained ours.
 * A minute's count can only grow with new events (the partial first minute only shrinks).
 */
function someMinuteGrew(before: Map<string, number>, after: Map<string, number>): boolean {
  for (const [label, n] of after) if (n > (before.get(label) ?? 0)) return true;
  return false;
}

/** True when `work` settled within `ms` (its failure still fails the caller); false when it took longer. */
async function within(ms: number, work: Promise<unknown> | undefined): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([Promise.resolve(work).then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!hasChromium)('dashboard in chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let token: string;
  const upgraded: Duplex[] = [];

  const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  /** Waits until every loading indicator is gone, so screenshots and reads see settled data. */
  const settled = async (p: Page): Promise<void> => {
    await expect.poll(() => p.locator('.state.loading, [aria-busy="true"]').count(), { timeout: 20_000, interval: 100 }).toBe(0);
    await p.waitForTimeout(350); // Chart.js animates for 250 ms.
  };

  const chartData = async (p: Page, name: string): Promise<ChartData> =>
    JSON.parse((await p.locator(`.chart[data-name="${name}"]`).getAttribute('data-chart')) ?? '{}') as ChartData;

  const shoot = async (p: Page, name: string): Promise<void> => {
    await settled(p);
    await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    // The server serves the built dashboard; build it once if this checkout has not yet.
    if (!existsSync(path.join(root, 'web', 'dist', 'index.html'))) execSync('npm run build:web', { cwd: root, stdio: 'inherit' });
    await mkdir(SHOTS, { recursive: true });
    // Three events per live message: a larger request is mostly announced as `dropped` (see the feed test).
    t = await createTestApp({ models: ['learning', 'support', 'commerce'].map((m) => path.join(root, 'models', `${m}.yaml`)), live: { settings: { maxEventsPerNotice: 3 } } });
    const end = Date.now();
    for (const [i, dataset] of (['learning', 'support', 'commerce'] as DatasetName[]).entries()) {
      for (const batch of generateEvents({ dataset, events: 10_000, days: 90, end, seed: 7 + i })) await t.seed(ORG, batch);
    }
    await t.users.create(ORG, { email: USER.email, password: USER.password, role: 'admin' });
    token = await t.token(ORG, 'admin');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    // Remember WebSocket sockets so a test can drop them like a restart would.
    t.app.server.on('upgrade', (_req: unknown, socket: Duplex) => upgraded.push(socket));
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    base = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    ctx = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    page = await ctx.newPage();
  }, 120_000);

  afterAll(async () => {
    // Chromium is a test tool: if it does not close within 20 s on a loaded machine, say so and go
    // on. Whatever it left open (kept-alive or upgraded sockets of a browser that is gone) is cut
    // before the app closes, as the shutdown timeout of `tally serve` would. The app must then
    // close: a hang fails naming TestApp.close and what was still open.
    const browserClosed = await within(20_000, browser?.close());
    if (!browserClosed) console.warn('chromium did not close within 20 s; continuing without it');
    for (const socket of upgraded) socket.destroy();
    t?.app.server.closeAllConnections();
    if (!(await within(40_000, t?.close()))) {
      const connections = await new Promise<number>((resolve) => t.app.server.getConnections((_err, n) => resolve(n)));
      throw new Error(`the app did not close within 40 s (TestApp.close): ${connections} sockets still open on its server`);
    }
    if (!UPDATE_SHOTS) await rm(SHOTS, { recursive: true, force: true });
  }, 90_000);

  it('serves the built app with long-lived assets and an SPA fallback, never shadowing the API', async () => {
    const index = await fetch(`${base}/explore`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${base}${asset}`);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/nope`)).headers.get('content-type')).toMatch(/problem\+json/);
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('signs in and shows KPI numbers equal to the API', async () => {
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${base}/`);
    await shoot(page, 'login-desktop');
    await page.fill('input[name=password]', 'wrong-password-1');
    await page.fill('input[name=email]', USER.email);
    await page.fill('input[name=org]', ORG);
    await page.click('button[type=submit]');
    await page.getByRole('alert').getByText('do not match').waitFor({ timeout: 10_000 });
    await page.fill('input[name=password]', USER.password);
    await page.click('button[type=submit]');
    await page.locator('.kpi[data-kpi]').first().waitFor({ timeout: 20_000 });
    await settled(page);

    const summary = await api<{ kpis: Kpi[] }>('GET', '/dashboard/summary?range=7d&timezone=UTC&model=learning');
    expect(summary.kpis.length).toBeGreaterThan(0);
    for (const kpi of summary.kpis) {
      const card = page.locator(`.kpi[data-kpi="${kpi.metric}"]`);
      expect(Number(await card.getAttribute('data-value'))).toBeCloseTo(kpi.value ?? Number.NaN, 6);
      expect((await card.locator('.kpi-value').textContent())?.trim()).toBe(formatValue(kpi.value, kpi.format));
    }
    // The CSP allowed everything the app needs: no blocked script, style, fetch or socket.
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await shoot(page, 'overview-desktop');
  });

  it('changes the range and the main chart follows', async () => {
    await page.goto(`${base}/?model=learning`);
    await settled(page);
    const before = await chartData(page, 'main');
    expect(before.datasets[0]?.data.length).toBeGreaterThan(0);
    await page.click('button[data-range="30d"]');
    await expect.poll(async () => JSON.stringify(await chartData(page, 'main')), { timeout: 15_000, interval: 100 }).not.toBe(JSON.stringify(before));
    await settled(page);
    const after = await chartData(page, 'main');
    expect(after.labels.length).not.toBe(before.labels.length);
    expect(new URL(page.url()).searchParams.get('range')).toBe('30d');
    // The previous-period overlay is drawn next to the current period.
    expect(after.datasets.map((d) => d.label)).toContain('Previous period');
  });

  it('shows an ingested event in the live feed and the live chart without a reload', async () => {
    await page.goto(`${base}/live`);
    await page.locator('.live-badge[data-status="open"]').waitFor({ timeout: 15_000 });
    await page.locator('.chart[data-name="live"]').waitFor({ timeout: 15_000 });
    await settled(page);
    const before = countsByLabel(await chartData(page, 'live'));
    await page.evaluate('window.e2eMarker = true');

    const key = await t.ingestKey(ORG);
    const id = `e2e-live-${Date.now()}`;
    const res = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'lesson.completed', actor: 'e2e-live-learner', id, props: { course: 'e2e-course' } }),
    });
    expect(res.status).toBe(200);

    await page.locator(`.feed li[data-event-id="${id}"]`).waitFor({ timeout: 15_000 });
    await expect.poll(async () => someMinuteGrew(before, countsByLabel(await chartData(page, 'live'))), { timeout: 15_000, interval: 200 }).toBe(true);
    // Same document: nothing reloaded.
    expect(await page.evaluate('window.e2eMarker')).toBe(true);
    await shoot(page, 'live-desktop');
  });

  it('shows the newest events of a request larger than one live message carries', async () => {
    // Still on /live. Ten events in one request: three are pushed, seven announced as dropped.
    const key = await t.ingestKey(ORG);
    const stamp = Date.now();
    const batch = Array.from({ length: 10 }, (_, i) => ({ event: 'app.opened', actor: `e2e-bulk-${i}`, id: `e2e-bulk-${stamp}-${i}`, timestamp: new Date(stamp - (10 - i) * 1000).toISOString() }));
    const res = await fetch(`${base}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
    expect(res.status).toBe(200);
    // The newest one was never pushed: it is there because the feed read the newest events again.
    await page.locator(`.feed li[data-event-id="e2e-bulk-${stamp}-9"]`).waitFor({ timeout: 15_000 });
  });

  it('shows reconnecting when the socket drops, then recovers and keeps updating', async () => {
    // Still on /live from the previous test. Record every status the badge shows.
    await page.evaluate(`(() => {
      window.e2eStatuses = [];
      const badge = document.querySelector('.live-badge');
      new MutationObserver(() => window.e2eStatuses.push(badge.getAttribute('data-status'))).observe(badge, { attributes: true });
    })()`);
    const before = countsByLabel(await chartData(page, 'live'));
    // Drop every live connection from the server side, as a restart or a proxy timeout would.
    for (const socket of upgraded) socket.destroy();
    await expect.poll(async () => (await page.evaluate('window.e2eStatuses')) as string[], { timeout: 10_000 }).toContain('reconnecting');
    await page.locator('.live-badge[data-status="open"]').waitFor({ timeout: 20_000 });
    // The live query was re-subscribed: a new event still moves the chart.
    const key = await t.ingestKey(ORG);
    const res = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'app.opened', actor: 'e2e-reconnect', id: `e2e-re-${Date.now()}` }),
    });
    expect(res.status).toBe(200);
    await expect.poll(async () => someMinuteGrew(before, countsByLabel(await chartData(page, 'live'))), { timeout: 15_000, interval: 200 }).toBe(true);
  });

  it('exports the current Explore view as CSV with the same header as the API', async () => {
    await page.goto(`${base}/explore?model=learning&metrics=lessons_completed&range=7d&granularity=1d`);
    await page.locator('.chart[data-name="explore"]').waitFor({ timeout: 20_000 });
    await settled(page);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.click('button[data-export="csv"]')]);
    const file = await download.path();
    const text = await readFile(file, 'utf8');
    const lines = text.trim().split(/\r?\n/);
    expect(lines.length).toBeGreaterThan(1);
    const res = await fetch(`${base}/api/v1/exports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ format: 'csv', query: { metrics: ['lessons_completed'], filters: [], timeRange: { preset: '7d' }, timezone: 'UTC', granularity: '1d' } }),
    });
    expect(res.status).toBe(200);
    expect(lines[0]).toBe((await res.text()).split(/\r?\n/)[0]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    // The other formats download too (xlsx is a zip, parquet starts with PAR1).
    for (const [format, magic] of [['xlsx', 'PK'], ['parquet', 'PAR1']] as const) {
      const [file2] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), page.click(`button[data-export="${format}"]`)]);
      expect(file2.suggestedFilename()).toMatch(new RegExp(`\\.${format}$`));
      expect((await readFile(await file2.path())).subarray(0, magic.length).toString('latin1')).toBe(magic);
    }
    await shoot(page, 'explore-desktop');
  });

  it('saves screenshots of every view at desktop and 375 px', async () => {
    const board = await api<{ entries: { actor: string }[] }>('GET', '/leaderboard?model=learning&range=30d&limit=1');
    const student = board.entries[0]?.actor ?? 'unknown';
    const views: [string, string][] = [
      ['overview', '/?model=learning'],
      ['explore', '/explore?model=commerce&metrics=revenue,orders&dim=channel&range=30d'],
      ['learning', '/learning'],
      ['learning-student', `/learning/students/${encodeURIComponent(student)}`],
      ['support', '/support'],
      ['commerce', '/commerce'],
      ['live', '/live'],
      ['system', '/system'],
    ];
    const state = await ctx.storageState();
    const mobile = await browser.newContext({ viewport: MOBILE, storageState: state, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    const dark = await browser.newContext({ viewport: DESKTOP, storageState: state, colorScheme: 'dark' });
    try {
      const m = await mobile.newPage();
      const d = await dark.newPage();
      for (const [name, url] of views) {
        await page.goto(`${base}${url}`);
        await page.locator('main h1').waitFor();
        await shoot(page, `${name}-desktop`);
        await m.goto(`${base}${url}`);
        await m.locator('main h1').waitFor();
        await shoot(m, `${name}-mobile`);
        // Nothing may scroll sideways at 375 px.
        expect(await m.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(MOBILE.width + 1);
      }
      await d.goto(`${base}/?model=commerce`);
      await d.locator('.kpi[data-kpi]').first().waitFor({ timeout: 20_000 });
      await shoot(d, 'overview-dark');
      const anon = await browser.newContext({ viewport: MOBILE });
      const a = await anon.newPage();
      await a.goto(`${base}/`);
      await a.locator('form.login-card').waitFor();
      await shoot(a, 'login-mobile');
      await anon.close();
    } finally {
      await mobile.close();
      await dark.close();
    }
  }, 120_000);
});
