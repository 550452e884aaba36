/**
 * DuckDB lets one process at a time open a file for writing. Other benchmarks share
 * bench-10m.duckdb, so opening it waits (with a note) while another process holds the lock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { progress } from './format.js';

const RETRY_MS = 3_000;
const GIVE_UP_MS = 180_000;

function isLockError(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String(err.cause ?? '')}` : String(err);
  return /could not set lock|conflicting lock/i.test(text);
}

export async function openWhenUnlocked<T>(label: string, open: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await open();
    } catch (err) {
      if (!isLockError(err) || Date.now() - started > GIVE_UP_MS) throw err;
      if (attempt === 0) progress(`${label}: the file is locked by another process; waiting (up to ${GIVE_UP_MS / 1000} s)`);
      await sleep(RETRY_MS);
    }
  }
}
