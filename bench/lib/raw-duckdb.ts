/**
 * A bare @duckdb/node-api instance configured like DuckDbStore.open configures its own (same
 * config map, same session time zone), so "raw" numbers differ from the store's only by what
 * Tally adds on top.
 */
import { resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DUCKDB_DEFAULTS } from '../../src/store/duckdb/duckdb-store.js';

export interface DuckDbSettings {
  threads?: number;
  memoryLimit?: string;
  /**
   * Open READ_ONLY. Lets the benchmark hold a second instance on a file the store already has
   * open in this process (DuckDB's file lock is per process), so both sides can be interleaved.
   * Only safe while nothing writes to the file.
   */
  readOnly?: boolean;
}

/** Keep in step with DuckDbStore.open (src/store/duckdb/duckdb-store.ts), without an exportDir. */
export function storeLikeConfig(settings: DuckDbSettings): Record<string, string> {
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (settings.threads !== undefined) config['threads'] = String(settings.threads);
  // The store's defaults for a database file (all benchmark files are files).
  config['memory_limit'] = settings.memoryLimit ?? DUCKDB_DEFAULTS.memoryLimit;
  config['checkpoint_threshold'] = DUCKDB_DEFAULTS.checkpointThreshold;
  config['enable_external_access'] = 'false';
  if (settings.readOnly) config['access_mode'] = 'READ_ONLY';
  return config;
}

export function openRawInstance(path: string, settings: DuckDbSettings): Promise<DuckDBInstance> {
  return DuckDBInstance.create(resolve(path), storeLikeConfig(settings));
}

export async function connectUtc(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return conn;
}
