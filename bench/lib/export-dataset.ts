/**
 * The export benchmark's dataset: the query benchmark's 10M-event file (built through
 * DuckDbStore.append, see query-dataset.ts), copied once with `events` rewritten in (org, time)
 * order. The generator appends its three datasets one after the other with random times, so
 * the original file has no time locality at all; a live deployment ingests in arrival order,
 * which is time order, and that is what this copy models. Rebuilt when missing or older than
 * its source.
 */
import { existsSync, statSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Catalog } from '../../src/model/types.js';
import { progress, seconds } from './format.js';
import { removeDatabase } from './paths.js';
import { ensureQueryDataset } from './query-dataset.js';
import type { DatasetReport } from './query-dataset.js';

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * `jitterMs` > 0: rows stored only roughly in time order, each placed as if it had arrived up to
 * `jitterMs` late (many clients sending concurrently, clocks apart), as real ingest leaves them.
 */
export async function ensureExportDataset(source: string, target: string, catalog: Catalog, threads: number, jitterMs = 0): Promise<DatasetReport> {
  const report = await ensureQueryDataset(source, catalog, threads);
  if (!report.built && existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs) return report;
  await removeDatabase(target);
  progress(`copying ${source} → ${target} with events in (org, time${jitterMs > 0 ? ` + up to ${jitterMs} ms` : ''}) order`);
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const conn = await instance.connect();
  try {
    await conn.run(`ATTACH ${sqlString(source)} AS src (READ_ONLY)`);
    await conn.run(`ATTACH ${sqlString(target)} AS dst`);
    // Same schema (constraints, migrations table) first, then the rows, events in (org, time) order.
    await conn.run('COPY FROM DATABASE src TO dst (SCHEMA)');
    const tables = await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = 'main'`);
    for (const [name] of tables.getRows()) {
      const table = `"${String(name).replaceAll('"', '""')}"`;
      const arrival = jitterMs > 0 ? `ts + to_milliseconds(CAST(floor(random() * ${Math.floor(jitterMs)}) AS BIGINT))` : 'ts';
      const order = name === 'events' ? ` ORDER BY org_id, ${arrival}` : '';
      await conn.run(`INSERT INTO dst.${table} SELECT * FROM src.${table}${order}`);
    }
    await conn.run('DETACH dst');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  progress(`copied in ${seconds(performance.now() - started)}`);
  return report;
}
