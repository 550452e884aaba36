/** Every dashboard endpoint is documented in /openapi.json with its request and response schema. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths() });
});
afterAll(() => t.close());

interface Operation {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }>;
  security?: unknown[];
}

const ENDPOINTS: Array<[string, 'get' | 'post', string[], string[]]> = [
  ['/api/v1/dashboard/summary', 'get', ['range', 'model', 'timezone'], ['kpis', 'timeRange', 'meta']],
  ['/api/v1/timeseries', 'post', [], ['buckets', 'series', 'meta']],
  ['/api/v1/breakdown/{field}', 'get', ['field', 'metric', 'limit', 'bins'], ['items', 'other', 'total', 'bins']],
  ['/api/v1/percentiles', 'get', ['field', 'p', 'threshold', 'dimension'], ['values', 'count', 'sla']],
  ['/api/v1/compare', 'post', [], ['values', 'participants']],
  ['/api/v1/leaderboard', 'get', ['metric', 'range', 'limit', 'model'], ['entries', 'me', 'participants']],
  ['/api/v1/actors/{actor}/insights', 'get', ['actor', 'range', 'model'], ['totals', 'series', 'streak', 'rank', 'breakdown', 'lastSeen']],
  ['/api/v1/groups/{dimension}/{value}', 'get', ['dimension', 'value', 'range'], ['members', 'activeMembers', 'metrics', 'top', 'bottom']],
  ['/api/v1/activity', 'get', ['limit', 'before'], ['events', 'nextCursor']],
  ['/api/v1/realtime', 'get', [], ['activeActors', 'eventsLastMinute', 'perMinute']],
  ['/api/v1/funnels', 'post', [], ['steps']],
  ['/api/v1/retention', 'post', [], ['cohorts', 'average']],
];

describe('GET /openapi.json: dashboard endpoints', () => {
  it.each(ENDPOINTS)('%s (%s) has its parameters or body and its response schema', async (path, method, params, fields) => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
    const op = doc.paths[path]?.[method];
    expect(op, `${method} ${path}`).toBeDefined();
    const names = (op!.parameters ?? []).map((p) => p.name);
    for (const p of params) expect(names).toContain(p);
    if (method === 'post') expect(op!.requestBody?.content['application/json']?.schema).toBeDefined();
    const ok = op!.responses['200']?.content?.['application/json']?.schema;
    for (const f of fields) expect(Object.keys(ok?.properties ?? {})).toContain(f);
    expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    expect(op!.security).toEqual([{ bearer: [] }]);
  });
});
