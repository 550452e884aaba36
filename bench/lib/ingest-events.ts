/**
 * The ingest benchmark's events: 300 batches of 1,000 (100 per demo dataset, interleaved),
 * deterministic for an `end`, and their NDJSON bodies as a client would send them.
 */
import { randomUUID } from 'node:crypto';
import { generateEvents } from '../../src/datasets/index.js';
import type { DatasetName } from '../../src/datasets/index.js';
import type { StoredEvent } from '../../src/domain/event.js';

export const BATCH_EVENTS = 1_000;
export const DISTINCT_BATCHES = 300;
const DATASETS: readonly DatasetName[] = ['learning', 'support', 'commerce'];
const DAYS = 7;

export function ingestBatches(end: number): StoredEvent[][] {
  const perDataset = DATASETS.map((dataset, i) => [
    ...generateEvents({ dataset, events: (DISTINCT_BATCHES / DATASETS.length) * BATCH_EVENTS, days: DAYS, end, seed: 100 + i, batchSize: BATCH_EVENTS }),
  ]);
  const out: StoredEvent[][] = [];
  for (let b = 0; out.length < DISTINCT_BATCHES; b++) {
    for (const batches of perDataset) {
      const batch = batches[b];
      if (batch) out.push(batch);
    }
  }
  return out;
}

/** The API's event JSON: {event, timestamp (ISO), actor, id?, props}, one per line. */
export function toNdjson(batch: readonly StoredEvent[], withIds: boolean): string {
  let text = '';
  for (const e of batch) {
    const json: Record<string, unknown> = { event: e.event, timestamp: new Date(e.timestamp).toISOString() };
    if (e.actor !== null) json['actor'] = e.actor;
    if (withIds) json['id'] = randomUUID();
    json['props'] = e.props;
    text += `${JSON.stringify(json)}\n`;
  }
  return text;
}
