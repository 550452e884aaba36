/** Picks the store adapter from configuration: PostgreSQL when a database URL is set, else DuckDB. */
import { DuckDbStore } from './duckdb/duckdb-store.js';
import type { Store } from './port.js';

export interface StoreConfig {
  databaseUrl?: string;
  duckdbPath: string;
  /** DuckDB only: the directory Parquet exports may be written to. */
  exportDir?: string;
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl) throw new Error('PostgreSQL store not available yet');
  return DuckDbStore.open({ path: config.duckdbPath, exportDir: config.exportDir });
}

export { DuckDbStore } from './duckdb/duckdb-store.js';
export type { DuckDbStoreOptions } from './duckdb/duckdb-store.js';
