import type { DuckDBConnection } from '@duckdb/node-api';
import { storeContext } from '../store-error.js';
import { inTransaction } from './transaction.js';

const withContext = storeContext('duckdb');

/** One schema step. Versions only grow; a released step is never edited, only followed by a new one. */
export interface Migration {
  version: number;
  name: string;
  up(conn: DuckDBConnection): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events, event ids, ingest keys',
    async up(conn) {
      await conn.run(`CREATE TABLE events (
        org_id VARCHAR NOT NULL,
        ts TIMESTAMP NOT NULL,
        event VARCHAR NOT NULL,
        actor VARCHAR,
        id VARCHAR,
        received_at TIMESTAMP NOT NULL,
        extra JSON
      )`);
      await conn.run(`CREATE TABLE event_ids (
        org_id VARCHAR,
        id VARCHAR,
        PRIMARY KEY (org_id, id)
      )`);
      await conn.run(`CREATE TABLE ingest_keys (
        id VARCHAR PRIMARY KEY,
        org_id VARCHAR NOT NULL,
        prefix VARCHAR NOT NULL,
        hash VARCHAR NOT NULL UNIQUE,
        name VARCHAR,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
      )`);
    },
  },
  {
    version: 2,
    name: 'dashboard users',
    async up(conn) {
      // Emails are stored lower-cased, so the unique pair is case-insensitive. Plain SQL types
      // so the same statement works on PostgreSQL.
      await conn.run(`CREATE TABLE users (
        id VARCHAR PRIMARY KEY,
        org_id VARCHAR NOT NULL,
        email VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        actor VARCHAR,
        password_hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        disabled_at TIMESTAMP,
        UNIQUE (org_id, email)
      )`);
    },
  },
  {
    version: 3,
    name: 'alert rules and alert events',
    async up(conn) {
      // Plain SQL types so the same statements work on PostgreSQL. A rule's query is JSON text
      // ({metric, filters, window}); events keep the rule's name and condition as they were when
      // it fired, so history survives rule edits and deletes.
      await conn.run(`CREATE TABLE alert_rules (
        id VARCHAR PRIMARY KEY,
        org_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        query VARCHAR NOT NULL,
        comparison VARCHAR NOT NULL,
        threshold DOUBLE NOT NULL,
        cooldown VARCHAR NOT NULL,
        webhook VARCHAR,
        created_at TIMESTAMP NOT NULL
      )`);
      await conn.run(`CREATE TABLE alert_events (
        id VARCHAR PRIMARY KEY,
        org_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        metric VARCHAR NOT NULL,
        window_text VARCHAR NOT NULL,
        comparison VARCHAR NOT NULL,
        threshold DOUBLE NOT NULL,
        value DOUBLE NOT NULL,
        trigger VARCHAR NOT NULL,
        fired_at TIMESTAMP NOT NULL,
        delivery VARCHAR NOT NULL,
        delivery_attempts INTEGER NOT NULL,
        delivery_error VARCHAR
      )`);
      await conn.run('CREATE INDEX alert_events_org_time ON alert_events (org_id, fired_at)');
    },
  },
  {
    version: 4,
    name: 'export jobs',
    async up(conn) {
      // Background exports (src/export/jobs): spec is the request as JSON text; status is one of
      // queued, running, done, failed, expired. Plain SQL types so the same statement works on PostgreSQL.
      await conn.run(`CREATE TABLE export_jobs (
        id VARCHAR PRIMARY KEY,
        org_id VARCHAR NOT NULL,
        user_sub VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        spec VARCHAR NOT NULL,
        file_name VARCHAR,
        file_path VARCHAR,
        rows_written BIGINT NOT NULL,
        total_estimate BIGINT,
        bytes BIGINT,
        error VARCHAR,
        created_at TIMESTAMP NOT NULL,
        started_at TIMESTAMP,
        finished_at TIMESTAMP,
        expires_at TIMESTAMP
      )`);
      await conn.run('CREATE INDEX export_jobs_org_time ON export_jobs (org_id, created_at)');
    },
  },
  {
    version: 5,
    name: 'actor keys',
    async up(conn) {
      // Dense integer keys per org (src/store/duckdb/actor-keys.ts), numbered by first appearance;
      // events recorded before this version get theirs here.
      await conn.run(`CREATE TABLE actors (
        org_id VARCHAR NOT NULL,
        actor VARCHAR NOT NULL,
        actor_id INTEGER NOT NULL,
        PRIMARY KEY (org_id, actor)
      )`);
      await conn.run('ALTER TABLE events ADD COLUMN actor_id INTEGER');
      await conn.run(`INSERT INTO actors
        SELECT org_id, actor, row_number() OVER (PARTITION BY org_id ORDER BY first_seen, actor)
        FROM (SELECT org_id, actor, min(ts) AS first_seen FROM events WHERE actor IS NOT NULL GROUP BY org_id, actor)`);
      await conn.run(`UPDATE events SET actor_id = a.actor_id FROM actors AS a
        WHERE events.org_id = a.org_id AND events.actor = a.actor`);
    },
  },
  {
    version: 6,
    name: 'export job runners',
    async up(conn) {
      // Which process runs a job, and when it last said so (src/export/jobs/job-runner.ts): with
      // several instances on one store, a running job is orphaned only once its heartbeat stops.
      await conn.run('ALTER TABLE export_jobs ADD COLUMN runner VARCHAR');
      await conn.run('ALTER TABLE export_jobs ADD COLUMN heartbeat_at TIMESTAMP');
    },
  },
  {
    version: 7,
    name: 'export job slots',
    async up(conn) {
      // The per-org cap of queued + running jobs, exact even when submissions race
      // (job-store.ts insertInFreeSlot): a job holds one of its org's slots until it ends.
      // The index comes first: DuckDB cannot create one over rows updated in the same transaction.
      await conn.run('ALTER TABLE export_jobs ADD COLUMN slot INTEGER');
      await conn.run('CREATE UNIQUE INDEX export_jobs_org_slot ON export_jobs (org_id, slot)');
      await conn.run(`UPDATE export_jobs SET slot = r.n FROM (
        SELECT id, row_number() OVER (PARTITION BY org_id ORDER BY created_at, id) - 1 AS n
        FROM export_jobs WHERE status IN ('queued', 'running')
      ) AS r WHERE export_jobs.id = r.id`);
    },
  },
];

/**
 * Brings the file up to the newest version: each pending step runs in its own transaction
 * together with its schema_migrations row, so a crash leaves the file at a whole version.
 * Returns the versions applied now.
 */
export async function applyMigrations(
  conn: DuckDBConnection,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await withContext('migrate (schema_migrations)', () =>
    conn.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name VARCHAR,
      applied_at TIMESTAMP
    )`),
  );
  const reader = await withContext('migrate (read versions)', () =>
    conn.runAndReadAll('SELECT version FROM schema_migrations'),
  );
  const done = new Set(reader.getColumns()[0]?.map(Number) ?? []);
  const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
  const applied: number[] = [];
  for (const m of pending) {
    await withContext(`migrate (v${m.version} ${m.name})`, () =>
      inTransaction(conn, async () => {
        await m.up(conn);
        await conn.run('INSERT INTO schema_migrations VALUES ($1, $2, epoch_ms($3::BIGINT))', [
          m.version,
          m.name,
          Date.now(),
        ]);
      }),
    );
    applied.push(m.version);
  }
  return applied;
}
