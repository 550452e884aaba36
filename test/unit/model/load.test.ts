import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../../../src/model/errors.js';
import { defaultModelPaths, loadCatalog, loadModelFile } from '../../../src/model/load.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** Resolves to the ModelError message; fails the test if loading succeeds or throws anything else. */
async function modelError(load: Promise<unknown>): Promise<string> {
  const err: unknown = await load.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ModelError);
  return (err as ModelError).message;
}

describe('shipped models', () => {
  it('load one by one and merge into a catalog', async () => {
    const paths = defaultModelPaths();
    expect(paths.map((p) => p.split(/[\\/]/).slice(-2).join('/'))).toEqual([
      'models/learning.yaml', 'models/support.yaml', 'models/commerce.yaml',
    ]);
    for (const p of paths) await expect(loadModelFile(p)).resolves.toMatchObject({ file: p });

    const catalog = await loadCatalog(paths);
    expect(catalog.models.map((m) => m.name)).toEqual(['learning', 'support', 'commerce']);
    expect(catalog.version).toMatch(/^[0-9a-f]{12}$/);
    expect(catalog.props.get('channel')).toEqual({ name: 'channel', type: 'string', label: 'Channel', column: 'p_channel' });
    expect(catalog.metrics.get('p95_resolution_hours')).toMatchObject({ fn: 'percentile', percentile: 0.95, field: 'resolution_hours' });
    expect(catalog.metrics.get('sla_compliance')).toMatchObject({ kind: 'ratio', numerator: 'resolved_within_sla', denominator: 'resolved' });
    expect(catalog.metrics.get('resolved_within_sla')).toMatchObject({
      fn: 'count', events: ['ticket.resolved'], filters: [{ field: 'resolution_hours', op: 'lte', value: 24 }],
    });
    for (const model of catalog.models) {
      for (const name of [...model.kpis, ...model.actor.metrics, model.actor.rankBy]) expect(catalog.metrics.has(name)).toBe(true);
    }
  });

  it('gives the same version for the same files and a new one when a file changes', async () => {
    const a = await file('v1.yaml', ['name: v', 'metrics:', '  v_events: { aggregate: count }']);
    const v1 = (await loadCatalog([a])).version;
    expect((await loadCatalog([a])).version).toBe(v1);
    await file('v1.yaml', ['name: v', 'metrics:', '  v_events: { aggregate: count, label: Events }']);
    expect((await loadCatalog([a])).version).not.toBe(v1);
  });
});

describe('model file format', () => {
  it('spells aggregates, defaults labels and accepts prop shorthand', async () => {
    const p = await file('ok.yaml', [
      'name: shop_2',
      'events: [order.paid]',
      'props:',
      '  amount: number',
      '  order_id: { type: string, label: Order }',
      'dimensions: [order_id]',
      'metrics:',
      '  p999_amount: { aggregate: p99.9, prop: amount }',
      '  median_amount: { aggregate: median, prop: amount }',
      '  paid_orders: { aggregate: count_distinct, prop: order_id, event: order.paid }',
    ]);
    const model = await loadModelFile(p);
    expect(model.label).toBe('Shop 2');
    expect(model.props[0]).toEqual({ name: 'amount', type: 'number', label: 'Amount', column: 'p_amount' });
    expect(model.metrics[0]).toMatchObject({ fn: 'percentile', percentile: 0.999, label: 'P999 amount', format: 'number' });
    expect(model.metrics[1]).toMatchObject({ fn: 'percentile', percentile: 0.5 });
    expect(model.metrics[2]).toMatchObject({ fn: 'count_distinct', events: ['order.paid'], format: 'integer' });
    expect(model.kpis).toEqual(['p999_amount', 'median_amount', 'paid_orders']);
    expect(model.actor).toEqual({ metrics: model.kpis, dimension: null, rankBy: 'p999_amount', group: null });
  });

  it('lets a ratio name a metric of another file in a catalog, not in a single file', async () => {
    const a = await file('ra.yaml', ['name: ra', 'metrics:', '  ra_total: { aggregate: count }']);
    const b = await file('rb.yaml', ['name: rb', 'metrics:', '  rb_part: { aggregate: count }', '  rb_share: { ratio: [rb_part, ra_total] }']);
    const catalog = await loadCatalog([a, b]);
    expect(catalog.metrics.get('rb_share')).toMatchObject({ numerator: 'rb_part', denominator: 'ra_total' });
    expect(await modelError(loadModelFile(b))).toBe(`${b}:4:32: metric "rb_share": ratio names unknown metric "ra_total" (not defined in this file)`);
  });
});

describe('validation errors point at file:line:col', () => {
  it('unknown prop in a metric', async () => {
    const p = await file('unknown-prop.yaml', [
      'name: bad',
      'events: [a.b]',
      'props:',
      '  amount: { type: number }',
      'metrics:',
      '  revenue: { aggregate: sum, prop: amont }',
    ]);
    expect(await modelError(loadModelFile(p))).toBe(`${p}:6:36: metric "revenue": prop "amont" is not declared`);
  });

  it('bad prop type', async () => {
    const p = await file('bad-type.yaml', [
      'name: bad',
      'props:',
      '  channel: string',
      '  amount: { type: numbr }',
      'metrics:',
      '  n: { aggregate: count }',
    ]);
    expect(await modelError(loadModelFile(p))).toBe(
      `${p}:4:19: prop "amount": unknown type "numbr" (expected one of string, number, boolean, time)`,
    );
  });

  it('sum over a string prop', async () => {
    const p = await file('sum-string.yaml', [
      'name: bad',
      'props:',
      '  currency: string',
      'metrics:',
      '  total:',
      '    aggregate: sum',
      '    prop: currency',
    ]);
    expect(await modelError(loadModelFile(p))).toBe(`${p}:7:11: metric "total": sum needs a number prop, "currency" is string`);
  });

  it('ratio naming a missing metric', async () => {
    const p = await file('ratio-missing.yaml', [
      'name: bad',
      'metrics:',
      '  orders: { aggregate: count }',
      '  rate:',
      '    ratio: [orders, visits]',
    ]);
    expect(await modelError(loadModelFile(p))).toBe(`${p}:5:21: metric "rate": ratio names unknown metric "visits" (not defined in this file)`);
    expect(await modelError(loadCatalog([p]))).toBe(`${p}:5:21: metric "rate": ratio names unknown metric "visits" (not defined in any model file)`);
  });

  it('duplicate metric across files', async () => {
    const a = await file('dup-a.yaml', ['name: dup_a', 'metrics:', '  revenue: { aggregate: count }']);
    const b = await file('dup-b.yaml', ['name: dup_b', 'metrics:', '  orders: { aggregate: count }', '  revenue: { aggregate: count }']);
    expect(await modelError(loadCatalog([a, b]))).toBe(`${b}:4:3: metric "revenue" is already defined in ${a}:3:3`);
  });

  it('conflicting prop types across files', async () => {
    const a = await file('conf-a.yaml', ['name: conf_a', 'props:', '  channel: string', 'metrics:', '  a_n: { aggregate: count }']);
    const b = await file('conf-b.yaml', [
      'name: conf_b',
      'props:',
      '  amount: number',
      '  channel: { type: number }',
      'metrics:',
      '  b_n: { aggregate: count }',
    ]);
    expect(await modelError(loadCatalog([a, b]))).toBe(
      `${b}:4:3: prop "channel" is number here but string in ${a}:3:3; a shared prop needs one type`,
    );
  });

  it('reserved prop name', async () => {
    const p = await file('reserved.yaml', ['name: bad', 'props:', '  amount: number', '  actor: string', 'metrics:', '  n: { aggregate: count }']);
    expect(await modelError(loadModelFile(p))).toBe(`${p}:4:3: prop "actor": the name is reserved`);
  });

  it('YAML syntax error', async () => {
    const p = await file('syntax.yaml', ['name: bad', 'label: Bad: model', 'metrics:', '  n: { aggregate: count }']);
    expect(await modelError(loadModelFile(p))).toBe(`${p}:2:8: YAML syntax error: Nested mappings are not allowed in compact mappings`);
  });

  it('duplicate key in one file', async () => {
    const p = await file('dup-key.yaml', ['name: bad', 'metrics:', '  n: { aggregate: count }', '  n: { aggregate: sum }']);
    expect(await modelError(loadModelFile(p))).toBe(`${p}:4:3: YAML syntax error: Map keys must be unique`);
  });

  it('unknown keys, where fields and ops, kpis and actor references', async () => {
    const cases: Array<[string[], string]> = [
      [['name: bad', 'metrics:', '  n: { aggregate: count, evnt: a }'], '3:26: metric "n": unknown key "evnt"'],
      [['name: bad', 'metrics:', '  n: { aggregate: counts }'], '3:19: metric "n": unknown aggregate "counts"'],
      [['name: bad', 'metrics:', '  n:', '    aggregate: count', '    where: [{ field: plan, op: eq, value: x }]'],
        '5:22: metric "n": where[0]: field "plan" is not declared'],
      [['name: bad', 'props:', '  plan: string', 'metrics:', '  n:', '    aggregate: count', '    where: [{ field: plan, op: gte, value: 3 }]'],
        '7:32: metric "n": where[0]: op "gte" needs a number or time field'],
      [['name: bad', 'events: [a.b]', 'metrics:', '  n: { aggregate: count, event: a.c }'], '4:33: metric "n": event "a.c" is not listed in events'],
      [['name: bad', 'metrics:', '  n: { aggregate: count }', 'kpis: [n, m]'], '4:11: kpis: metric "m" is not defined in this file'],
      [['name: bad', 'props:', '  x: number', 'dimensions: [x]', 'metrics:', '  n: { aggregate: count }', 'actor: { metrics: [n], dimension: y }'],
        '7:35: actor.dimension: "y" is not listed in dimensions'],
      [['name: bad', 'metrics:', '  count: { aggregate: count }'], '3:3: metric "count": the name is reserved'],
      [['name: bad', 'metrics:', '  avg_n: { aggregate: avg }'], '3:23: metric "avg_n": avg needs a prop'],
    ];
    for (const [i, [lines, expected]] of cases.entries()) {
      const p = await file(`case-${i}.yaml`, lines);
      expect(await modelError(loadModelFile(p))).toContain(`${p}:${expected}`);
    }
  });
});
