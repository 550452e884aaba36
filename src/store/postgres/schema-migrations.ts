/**
 * The PostgreSQL schema, versioned like the DuckDB one (same version numbers, same tables) but in
 * PostgreSQL's types: instants are timestamptz, undeclared props jsonb. Several instances may
 * start at once against one database, so migrating holds a transaction-scoped advisory lock and
 * runs every pending step in that one transaction: PostgreSQL's DDL is transactional, so a crash
 * leaves the schema at a whole version and a second instance waits, then finds nothing to do.
 */
import type { ClientBase } from 'pg';
import { underSchemaLock } from './transaction.js';

export interface PgMigration {
  version: number;
  name: string;
  statements: readonly string[];
}

/**
 * Casts that yield NULL instead of failing, for backfilling typed prop columns from `extra`
 * (prop-columns.ts): PostgreSQL has no TRY_CAST, and one unparsable value must not fail a migration.
 */
const TRY_CASTS = ['double precision', 'boolean', 'timestamptz'].map(
  (type) => `CREATE OR REPLACE FUNCTION tally_try_${type.replaceAll(' ', '_')}(value text) RETURNS ${type}
     LANGUAGE plpgsql IMMUTABLE AS $$
     BEGIN RETURN value::${type}; EXCEPTION WHEN others THEN RETURN NULL; END $$`,
);

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'events, event ids, ingest keys',
    statements: [
      `CREATE TABLE events (
        org_id text NOT NULL,
        ts timestamptz NOT NULL,
        event text NOT NULL,
        actor text,
        id text,
        received_at timestamptz NOT NULL,
        extra jsonb
      )`,
      // Every dashboard query filters one org over a time range, most also by event name.
      'CREATE INDEX events_org_ts ON events (org_id, ts)',
      'CREATE INDEX events_org_event_ts ON events (org_id, event, ts)',
      'CREATE TABLE event_ids (org_id text NOT NULL, id text NOT NULL, PRIMARY KEY (org_id, id))',
      `CREATE TABLE ingest_keys (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        prefix text NOT NULL,
        hash text NOT NULL UNIQUE,
        name text,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`,
      ...TRY_CASTS,
    ],
  },
  {
    version: 2,
    name: 'dashboard users',
    statements: [
      `CREATE TABLE users (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        email text NOT NULL,
        role text NOT NULL,
        actor text,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        disabled_at timestamptz,
        UNIQUE (org_id, email)
      )`,
    ],
  },
  {
    version: 3,
    name: 'alert rules and alert events',
    statements: [
      `CREATE TABLE alert_rules (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        name text NOT NULL,
        query text NOT NULL,
        comparison text NOT NULL,
        threshold double precision NOT NULL,
        cooldown text NOT NULL,
        webhook text,
        created_at timestamptz NOT NULL
      )`,
      `CREATE TABLE alert_events (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        rule_id text NOT NULL,
        name text NOT NULL,
        metric text NOT NULL,
        window_text text NOT NULL,
        comparison text NOT NULL,
        threshold double precision NOT NULL,
        value double precision NOT NULL,
        trigger text NOT NULL,
        fired_at timestamptz NOT NULL,
        delivery text NOT NULL,
        delivery_attempts integer NOT NULL,
        delivery_error text
      )`,
      'CREATE INDEX alert_events_org_time ON alert_events (org_id, fired_at)',
    ],
  },
  {
    version: 4,
    name: 'export jobs',
    statements: [
      `CREATE TABLE export_jobs (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        user_sub text NOT NULL,
        status text NOT NULL,
        format text NOT NULL,
        spec text NOT NULL,
        file_name text,
        file_path text,
        rows_written bigint NOT NULL,
        total_estimate bigint,
        bytes bigint,
        error text,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        expires_at timestamptz
      )`,
      'CREATE INDEX export_jobs_org_time ON export_jobs (org_id, created_at)',
    ],
  },
  // Version 5 of the DuckDB schema (dense actor keys) has no counterpart yet: this store keeps
  // none (Store.largestActorKey is null) and distinct actors are counted over `actor`.
  {
    version: 6,
    name: 'export job runners',
    statements: ['ALTER TABLE export_jobs ADD COLUMN runner text', 'ALTER TABLE export_jobs ADD COLUMN heartbeat_at timestamptz'],
  },
  {
    version: 7,
    name: 'export job slots',
    // The per-org cap of queued + running jobs, exact across instances (job-store.ts insertInFreeSlot).
    statements: [
      'ALTER TABLE export_jobs ADD COLUMN slot integer',
      `UPDATE export_jobs SET slot = r.n FROM (
        SELECT id, row_number() OVER (PARTITION BY org_id ORDER BY created_at, id) - 1 AS n
        FROM export_jobs WHERE status IN ('queued', 'running')
      ) AS r WHERE export_jobs.id = r.id`,
      'CREATE UNIQUE INDEX export_jobs_org_slot ON export_jobs (org_id, slot)',
    ],
  },
];

/** Brings the schema up to the newest version; returns the versions applied now. */
export function applyPgMigrations(client: ClientBase, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number[]> {
  return underSchemaLock(client, async () => {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL
    )`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
    for (const m of pending) {
      for (const statement of m.statements) await client.query(statement);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
    }
    return pending.map((m) => m.version);
  });
}
