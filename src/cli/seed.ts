/** `tally seed`: writes a generated demo dataset into an org through the store port. */
import { DATASETS, generateEvents } from '../datasets/index.js';
import type { DatasetName } from '../datasets/index.js';
import type { Store } from '../store/port.js';
import type { OptionSpec } from './args.js';
import { optionalInt, parse, UsageError } from './args.js';

export interface SeedPlan {
  dataset: DatasetName;
  events: number;
  days: number;
  org: string;
  seed?: number;
  end?: number;
}

/** Appends a generated dataset; returns how many events were written. */
export async function seedDataset(store: Store, plan: SeedPlan): Promise<number> {
  let written = 0;
  const batches = generateEvents({
    dataset: plan.dataset,
    events: plan.events,
    days: plan.days,
    end: plan.end ?? Date.now(),
    seed: plan.seed ?? 42,
  });
  for (const batch of batches) {
    const result = await store.append(plan.org, batch);
    written += result.accepted;
  }
  return written;
}

/** The demo org gets all three datasets (about 1.1M events over 90 days). */
export const DEMO_PLANS: readonly Omit<SeedPlan, 'org'>[] = [
  { dataset: 'learning', events: 400_000, days: 90, seed: 1 },
  { dataset: 'support', events: 300_000, days: 90, seed: 2 },
  { dataset: 'commerce', events: 400_000, days: 90, seed: 3 },
];

export const SEED_OPTIONS: OptionSpec = {
  dataset: { type: 'string', default: 'all' },
  events: { type: 'string' },
  days: { type: 'string' },
  org: { type: 'string', default: 'demo' },
  seed: { type: 'string' },
};

export function seedPlansFromArgs(argv: string[]): SeedPlan[] {
  const values = parse(argv, SEED_OPTIONS);
  const dataset = String(values['dataset']);
  const org = String(values['org']);
  const names = dataset === 'all' ? [...DATASETS] : [dataset];
  for (const name of names) {
    if (!(DATASETS as readonly string[]).includes(name)) {
      throw new UsageError(`--dataset must be one of ${DATASETS.join(', ')} or all`);
    }
  }
  return names.map((name, i) => ({
    dataset: name as DatasetName,
    events: optionalInt(values, 'events', 100_000),
    days: optionalInt(values, 'days', 30),
    org,
    seed: optionalInt(values, 'seed', 42) + i,
  }));
}
