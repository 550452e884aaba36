import { defineConfig } from 'vitest/config';

/**
 * The integration suites that reach the store through the app, run a second time on PostgreSQL
 * (createTestApp opens a PostgresStore in a fresh schema when TALLY_TEST_STORE=postgres). The
 * suites left out test DuckDB's own machinery (its files, actor keys, rowid spans, the CLI on a
 * DuckDB file) or HTTP behaviour that does not touch the store.
 */
const ON_POSTGRES = [
  'test/integration/query-engine.test.ts',
  'test/integration/query-engine-random.test.ts',
  'test/integration/query-paging-random.test.ts',
  'test/integration/query-http.test.ts',
  'test/integration/ingest.test.ts',
  'test/integration/actor-erasure.test.ts',
  'test/integration/data-retention.test.ts',
  'test/integration/api-fuzz.test.ts',
  'test/integration/import/*.test.ts',
  'test/integration/views/*.test.ts',
  'test/integration/auth/*.test.ts',
  'test/integration/cache/*.test.ts',
  'test/integration/exports/*.test.ts',
  'test/integration/live/*.test.ts',
  'test/integration/ops/query-timeout.test.ts',
  'test/integration/ops/shutdown.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ON_POSTGRES,
          exclude: ['test/integration/exports/time-order-spans.test.ts'],
          env: { TALLY_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
