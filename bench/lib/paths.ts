/** Where benchmark data and results live. bench/.data/ is gitignored. */
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const BENCH_DIR = join(here, '..');
export const REPO_ROOT = join(BENCH_DIR, '..');
export const DATA_DIR = join(BENCH_DIR, '.data');
export const DOCS_FILE = join(REPO_ROOT, 'docs', 'benchmarks.md');

/** Deletes a DuckDB file and its write-ahead log, if present. */
export async function removeDatabase(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.wal`, { force: true });
}
