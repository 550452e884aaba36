/**
 * Demo datasets: seeded, lazily batched synthetic events for the learning, support and commerce
 * models, with realistic shapes (seasonality, growth, long-tailed actors, funnels, ticket life cycles).
 * Writing them into a store is the CLI's job (cli/seed.ts).
 */
export { DATASETS, DEFAULT_BATCH_SIZE, describeDataset, generateEvents, isDatasetName } from './generate.js';
export type { DatasetName, GenerateOptions } from './generate.js';
