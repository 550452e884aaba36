import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Runs `fn` inside BEGIN … COMMIT on `conn`; any failure rolls back and rethrows. The caller
 * must own the connection exclusively (DuckDB has one transaction per connection).
 */
export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await rollbackAfter(conn, err);
    throw err;
  }
  try {
    await conn.run('COMMIT');
  } catch (err) {
    await rollbackAfter(conn, err);
    throw err;
  }
  return result;
}

async function rollbackAfter(conn: DuckDBConnection, original: unknown): Promise<void> {
  try {
    await conn.run('ROLLBACK');
  } catch (rollbackErr) {
    // A failed COMMIT has already ended the transaction, so "no transaction is active" is expected;
    // anything else means the connection is in an unknown state and both errors matter.
    const message = rollbackErr instanceof Error ? rollbackErr.message : String(rollbackErr);
    if (/no transaction is active/i.test(message)) return;
    throw new AggregateError([original, rollbackErr], 'ROLLBACK failed after an error', { cause: rollbackErr });
  }
}
