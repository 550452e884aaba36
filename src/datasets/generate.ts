/** The generator loop: episodes at sampled times, batched lazily, cut to exactly the requested count. */
import type { PropValue, StoredEvent } from '../domain/event.js';
import { ActorPool } from './actors.js';
import { commerce } from './commerce.js';
import { learning } from './learning.js';
import { Rng } from './random.js';
import type { DatasetSpec, EmitContext } from './spec.js';
import { support } from './support.js';
import { DAY, TimeSampler } from './time-profile.js';

export const DATASETS = ['learning', 'support', 'commerce'] as const;
export type DatasetName = (typeof DATASETS)[number];

const SPECS: Readonly<Record<DatasetName, DatasetSpec>> = { learning, support, commerce };

export const DEFAULT_BATCH_SIZE = 10_000;
const MIN_ACTORS = 20;
const MAX_ACTORS = 2_000_000;

export interface GenerateOptions {
  dataset: DatasetName;
  events: number;
  days: number;
  /** Exclusive end of the range, epoch ms; events fall in [end - days, end). */
  end: number;
  seed: number;
  batchSize?: number;
}

export function isDatasetName(name: string): name is DatasetName {
  return (DATASETS as readonly string[]).includes(name);
}

export function describeDataset(name: DatasetName): string {
  return SPECS[name].description;
}

function check(options: GenerateOptions): void {
  if (!isDatasetName(options.dataset)) throw new RangeError(`unknown dataset "${String(options.dataset)}" (expected ${DATASETS.join(', ')})`);
  if (!Number.isInteger(options.events) || options.events < 0) throw new RangeError('events must be a non-negative integer');
  if (!(options.days > 0) || !Number.isFinite(options.days)) throw new RangeError('days must be a positive number');
  if (!Number.isFinite(options.end)) throw new RangeError('end must be an epoch-ms number');
  if (!Number.isFinite(options.seed)) throw new RangeError('seed must be a number');
  if (options.batchSize !== undefined && (!Number.isInteger(options.batchSize) || options.batchSize < 1)) {
    throw new RangeError('batchSize must be a positive integer');
  }
}

/**
 * Yields batches of demo events, deterministic for a seed. Lazy: only one batch (plus the tail of
 * one episode) is held at a time, so any number of events can be generated in bounded memory.
 */
export function* generateEvents(options: GenerateOptions): Generator<StoredEvent[], void, undefined> {
  check(options);
  const spec = SPECS[options.dataset];
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const total = options.events;
  const end = Math.floor(options.end);
  const start = end - Math.round(options.days * DAY);
  const rng = new Rng(options.seed);
  const time = new TimeSampler(start, end, spec.profile, options.seed);
  const poolSize = Math.min(MAX_ACTORS, Math.max(MIN_ACTORS, Math.round(total / spec.eventsPerActor)));
  const actors = new ActorPool(poolSize, spec.actorZipf, rng);

  let buf: StoredEvent[] = [];
  const ctx: EmitContext = {
    rng,
    actors,
    end,
    emit(event: string, timestamp: number, actor: string | null, props: Record<string, PropValue>): void {
      if (timestamp < end) buf.push({ event, timestamp: Math.floor(timestamp), actor, id: null, props });
    },
  };
  const episode = spec.create(ctx, total);

  let produced = 0;
  while (produced < total) {
    const t = time.sample(rng);
    episode(t, actors.pick(rng, time.fraction(t)));
    if (produced + buf.length > total) buf.length = total - produced;
    while (buf.length >= batchSize) {
      const out = buf;
      buf = out.splice(batchSize);
      produced += out.length;
      yield out;
    }
    if (produced + buf.length === total && buf.length > 0) {
      const out = buf;
      buf = [];
      produced += out.length;
      yield out;
    }
  }
}
