import { describe, expect, it } from 'vitest';
import { DATASETS, describeDataset, generateEvents } from '../../../src/datasets/index.js';
import type { DatasetName, GenerateOptions } from '../../../src/datasets/index.js';
import type { StoredEvent } from '../../../src/domain/event.js';
import { defaultModelPaths, loadModelFile } from '../../../src/model/load.js';

const DAY = 86_400_000;
const END = Date.UTC(2026, 10, 20, 9, 30);

function all(options: Partial<GenerateOptions> & { dataset: DatasetName }): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const batch of generateEvents({ events: 20_000, days: 30, end: END, seed: 42, ...options })) out.push(...batch);
  return out;
}

const samples = new Map<DatasetName, StoredEvent[]>(
  DATASETS.map((d) => [d, all({ dataset: d, events: 60_000, days: 60 })]),
);
function sample(d: DatasetName): StoredEvent[] {
  return samples.get(d) ?? [];
}

describe.each(DATASETS)('%s', (dataset) => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = all({ dataset });
    expect(all({ dataset })).toEqual(a);
    expect(all({ dataset, seed: 43 })).not.toEqual(a);
  });

  it('yields exactly the requested count in batches', () => {
    const sizes = [...generateEvents({ dataset, events: 12_345, days: 7, end: END, seed: 1, batchSize: 1000 })].map((b) => b.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12_345);
    expect(sizes.slice(0, -1).every((n) => n === 1000)).toBe(true);
    expect([...generateEvents({ dataset, events: 0, days: 7, end: END, seed: 1 })]).toEqual([]);
  });

  it('keeps every timestamp in [end - days, end), with actors and no ids', () => {
    // One expect for all events: per-event expects would dominate the run time.
    const bad = sample(dataset).filter((e) => !Number.isInteger(e.timestamp) || e.timestamp < END - 60 * DAY
      || e.timestamp >= END || !/^u_\d{6,}$/.test(e.actor ?? '') || e.id !== null);
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('has a daily pattern: 03:00 UTC quieter than 14:00 UTC', () => {
    const hours = new Array<number>(24).fill(0);
    for (const e of all({ dataset, events: 50_000, days: 30 })) hours[new Date(e.timestamp).getUTCHours()]! += 1;
    expect(hours[3]! * 1.5).toBeLessThan(hours[14]!);
  });

  it('grows: the last week has more events than the first', () => {
    const events = sample(dataset);
    const first = events.filter((e) => e.timestamp < END - 53 * DAY).length;
    const last = events.filter((e) => e.timestamp >= END - 7 * DAY).length;
    expect(last).toBeGreaterThan(first);
  });

  it('has long-tailed actors: the top 1 % make more than 10 % of the events', () => {
    const perActor = new Map<string, number>();
    for (const e of sample(dataset)) perActor.set(e.actor ?? '', (perActor.get(e.actor ?? '') ?? 0) + 1);
    const counts = [...perActor.values()].sort((a, b) => b - a);
    const top = counts.slice(0, Math.ceil(counts.length / 100)).reduce((a, b) => a + b, 0);
    expect(counts.length).toBeGreaterThan(500);
    expect(top / 60_000).toBeGreaterThan(0.1);
    expect(top / 60_000).toBeLessThan(0.5);
  });

  it('is lazy: the first batch of 10M events arrives without generating the rest', () => {
    const started = performance.now();
    const first = generateEvents({ dataset, events: 10_000_000, days: 90, end: END, seed: 3 }).next();
    expect(first.done).toBe(false);
    expect(first.value?.length).toBe(10_000);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('has a description', () => {
    expect(describeDataset(dataset).length).toBeGreaterThan(10);
  });
});

describe('weekly pattern', () => {
  function weekendShare(events: StoredEvent[], eventName: string): number {
    // Per-day averages so an uneven number of Saturdays and Sundays in the range does not matter.
    const perDay = new Map<number, number>();
    for (const e of events) if (e.event === eventName) perDay.set(Math.floor(e.timestamp / DAY), (perDay.get(Math.floor(e.timestamp / DAY)) ?? 0) + 1);
    let weekend = 0, weekendDays = 0, weekday = 0, weekdays = 0;
    for (const [day, n] of perDay) {
      const dow = new Date(day * DAY).getUTCDay();
      if (dow === 0 || dow === 6) { weekend += n; weekendDays++; } else { weekday += n; weekdays++; }
    }
    return weekend / weekendDays / (weekday / weekdays);
  }

  it('is lower on weekends for support and learning, higher for commerce', () => {
    expect(weekendShare(sample('support'), 'ticket.created')).toBeLessThan(0.7);
    expect(weekendShare(sample('learning'), 'app.opened')).toBeLessThan(0.9);
    expect(weekendShare(sample('commerce'), 'page.viewed')).toBeGreaterThan(1.05);
  });
});

describe('support', () => {
  it('resolves only tickets created earlier, with consistent hours', () => {
    const created = new Map<string, number>();
    const problems: string[] = [];
    let resolved = 0;
    for (const e of sample('support')) {
      const id = String(e.props['ticket_id']);
      if (e.event === 'ticket.created') created.set(id, e.timestamp);
      if (e.event !== 'ticket.resolved' && e.event !== 'ticket.first_response') continue;
      const at = created.get(id);
      const hours = Number(e.event === 'ticket.resolved' ? e.props['resolution_hours'] : e.props['response_hours']);
      if (at === undefined) problems.push(`${e.event} of ${id} without an earlier ticket.created`);
      else if (e.timestamp <= at) problems.push(`${e.event} of ${id} not after its creation`);
      else if (Math.abs(hours - (e.timestamp - at) / 3_600_000) > 0.01) problems.push(`${e.event} of ${id}: hours ${hours}`);
      if (e.event === 'ticket.resolved') resolved++;
    }
    expect(problems.slice(0, 3)).toEqual([]);
    expect(resolved).toBeGreaterThan(created.size * 0.6);
    expect(resolved).toBeLessThan(created.size);
  });

  it('answers urgent tickets faster than low-priority ones', () => {
    const hours = (priority: string): number[] => sample('support')
      .filter((e) => e.event === 'ticket.first_response' && e.props['priority'] === priority)
      .map((e) => Number(e.props['response_hours'])).sort((a, b) => a - b);
    const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)] ?? Number.NaN;
    expect(median(hours('urgent'))).toBeLessThan(median(hours('low')) / 3);
  });
});

describe('commerce and learning', () => {
  it('commerce funnel narrows at every step', () => {
    const count = (name: string): number => sample('commerce').filter((e) => e.event === name).length;
    const steps = ['page.viewed', 'cart.added', 'checkout.started', 'payment.completed'].map(count);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeLessThan(steps[i - 1]!);
    expect(steps[3]!).toBeGreaterThan(0);
    expect(sample('commerce').filter((e) => e.event === 'payment.completed' && !(Number(e.props['amount']) > 0))).toEqual([]);
  });

  it('learning quizzes score 0–100 and pass at 60', () => {
    const quizzes = sample('learning').filter((e) => e.event === 'quiz.submitted');
    expect(quizzes.length).toBeGreaterThan(100);
    const bad = quizzes.filter((q) => {
      const score = Number(q.props['score']);
      return !(score >= 0 && score <= 100) || q.props['passed'] !== score >= 60;
    });
    expect(bad).toEqual([]);
  });
});

it('rejects bad options', () => {
  expect(() => generateEvents({ dataset: 'nope' as DatasetName, events: 1, days: 1, end: END, seed: 1 }).next()).toThrow(/unknown dataset/);
  expect(() => generateEvents({ dataset: 'support', events: -1, days: 1, end: END, seed: 1 }).next()).toThrow(/events/);
  expect(() => generateEvents({ dataset: 'support', events: 1, days: 0, end: END, seed: 1 }).next()).toThrow(/days/);
});

describe('generated events match the shipped models', () => {
  it.each(DATASETS)('%s uses only its model\'s events and declared props, with the declared types', async (dataset) => {
    const path = defaultModelPaths().find((p) => p.endsWith(`${dataset}.yaml`)) ?? '';
    const model = await loadModelFile(path);
    const types = new Map(model.props.map((p) => [p.name, p.type]));
    const problems = new Set<string>();
    for (const e of sample(dataset)) {
      if (!model.events.includes(e.event)) problems.add(`event ${e.event}`);
      for (const [key, value] of Object.entries(e.props)) {
        if (typeof value !== types.get(key)) problems.add(`${e.event}.${key}: ${typeof value} vs ${types.get(key) ?? 'undeclared'}`);
      }
    }
    expect([...problems]).toEqual([]);
    const seen = new Set(sample(dataset).map((e) => e.event));
    expect([...seen].sort()).toEqual([...model.events].sort());
  });
});
