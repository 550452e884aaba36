/** Picks the store adapter from configuration: PostgreSQL when a database URL is set, else DuckDB. */
import { DuckDbStore } from './duckdb/duckdb-store.js';
import type { Store } from './port.js';

export interface StoreConfig {
  databaseUrl?: string;
  duckdbPath: string;
  /** DuckDB only: the directory Parquet exports may be written to. */
  exportDir?: string;
  /** DuckDB only: buffer memory cap ('256MB') and worker threads; undefined = DuckDB's defaults. */
  memoryLimit?: string;
  checkpointThreshold?: string;
  threads?: number;
  /** DuckDB only: quiet time before memory is given back; 0 = never. */
  idleTrimMs?: number;
  onIdleTrimError?: (err: unknown) => void;
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl) throw new Error('PostgreSQL store not available yet');
  const { duckdbPath: path, ...duckdb } = config;
  return DuckDbStore.open({ path, ...duckdb });
}

export { DuckDbStore } from './duckdb/duckdb-store.js';
export type { DuckDbStoreOptions } from './duckdb/duckdb-store.js';
