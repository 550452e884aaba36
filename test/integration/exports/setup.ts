/**
 * Shared by the export tests: a test app with rate limits off (these tests export far more often
 * than the `export` class allows a real client), fixture events for two orgs, and helpers to run
 * an export through HTTP and read the whole body.
 */
import type { LightMyRequestResponse } from 'fastify';
import { defaultOpsConfig } from '../../../src/config/ops.js';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { TestApp, TestAppOptions } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';

export const ORG = 'acme';
export const OTHER_ORG = 'globex';
/** The fixture's 14 days, as an explicit range. */
export const RANGE = { from: new Date(FIXTURE_END - 14 * 86_400_000).toISOString(), to: new Date(FIXTURE_END).toISOString() };

/** Text props that a spreadsheet would run, plus ordinary ones that must come out unchanged. */
export const HOSTILE_VALUES = ['=HYPERLINK("http://evil.example","x")', '+SUM(1,2)', '-2+3', '@cmd', '\tTAB', '\rCR', 'plain, "quoted"', 'line\nbreak', 'ünïcødé ✓'];

export function hostileEvents(): StoredEvent[] {
  return HOSTILE_VALUES.map((value, i) => ({
    event: 'payment.completed',
    timestamp: FIXTURE_END - (i + 1) * 60_000,
    actor: value,
    id: `hostile-${i}`,
    props: { channel: value, amount: -(i + 1.5), currency: 'EUR', premium: i % 2 === 0, coupon: value },
  }));
}

export async function exportApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ops = defaultOpsConfig();
  return createTestApp({ now: FIXTURE_END, ops: { ...ops, rateLimits: { ...ops.rateLimits, enabled: false } }, ...options });
}

export async function seeded(options: TestAppOptions = {}): Promise<TestApp> {
  const t = await exportApp(options);
  await t.seed(ORG, [...fixtureEvents(3000), ...hostileEvents()]);
  await t.seed(OTHER_ORG, fixtureEvents(500, 99));
  return t;
}

export async function post(t: TestApp, token: string, body: unknown, query = ''): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: `/api/v1/exports${query}`, headers: { authorization: `Bearer ${token}` }, payload: body as object });
}

export async function get(t: TestApp, token: string, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
}
