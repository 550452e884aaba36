import type { ClientBase } from 'pg';

/**
 * Runs `fn` inside BEGIN … COMMIT on `client`; any failure rolls back and rethrows. The caller
 * owns the client for the whole transaction.
 */
export async function inTransaction<T>(client: ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // After a failed COMMIT there is nothing left to roll back; the original error is what matters.
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** An arbitrary constant naming Tally's schema locks among the database's advisory locks (one per schema). */
const SCHEMA_LOCK_CLASS = 7411;

/**
 * inTransaction holding the schema's advisory lock until it ends: schema changes of instances
 * starting together (creating the schema, migrations, prop columns) run one after another, each
 * seeing what the one before it committed. `schema` defaults to the session's current schema.
 */
export function underSchemaLock<T>(client: ClientBase, fn: () => Promise<T>, schema: string | null = null): Promise<T> {
  return inTransaction(client, async () => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(coalesce($2::text, current_schema())))', [SCHEMA_LOCK_CLASS, schema]);
    return fn();
  });
}
