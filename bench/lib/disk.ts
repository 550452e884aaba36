/** How long a synced write takes on the data disk: the floor under every COMMIT (DuckDB syncs its WAL). */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from './stats.js';

export function fsyncMs(dir: string, writes = 50): number {
  const file = join(dir, `.fsync-probe-${process.pid}`);
  const block = Buffer.alloc(64 * 1024, 1);
  const fd = openSync(file, 'w');
  const samples: number[] = [];
  try {
    for (let i = 0; i < writes; i++) {
      const t0 = performance.now();
      writeSync(fd, block);
      fsyncSync(fd);
      samples.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return summarize(samples).p50;
}
