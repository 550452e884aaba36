/** Picks the store adapter from configuration: PostgreSQL when a database URL is set, else DuckDB. */
import { DuckDbStore } from './duckdb/duckdb-store.js';
import type { Store } from './port.js';
import { PostgresStore } from './postgres/postgres-store.js';

export interface StoreConfig {
  /** postgres://… selects the PostgreSQL store. */
  databaseUrl?: string;
  /** PostgreSQL only: the schema for Tally's tables and the read pool size. */
  postgresSchema?: string;
  postgresPoolSize?: number;
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
  if (config.databaseUrl) {
    return PostgresStore.open({
      url: config.databaseUrl,
      ...(config.postgresSchema === undefined ? {} : { schema: config.postgresSchema }),
      ...(config.postgresPoolSize === undefined ? {} : { poolSize: config.postgresPoolSize }),
    });
  }
  const { duckdbPath: path, databaseUrl: _url, postgresSchema: _schema, postgresPoolSize: _pool, ...duckdb } = config;
  return DuckDbStore.open({ path, ...duckdb });
}

export { DuckDbStore } from './duckdb/duckdb-store.js';
export type { DuckDbStoreOptions } from './duckdb/duckdb-store.js';
export { PostgresStore } from './postgres/postgres-store.js';
export type { PostgresStoreOptions } from './postgres/postgres-store.js';
