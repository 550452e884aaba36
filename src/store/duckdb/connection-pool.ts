import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * A fixed set of read connections. A DuckDB connection runs one statement at a time, so
 * concurrent reads need separate connections; callers beyond the pool size wait in FIFO order.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiters: ((conn: DuckDBConnection) => void)[] = [];

  constructor(private readonly all: readonly DuckDBConnection[]) {
    this.idle = [...all];
  }

  async use<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      return await fn(conn);
    } finally {
      this.release(conn);
    }
  }

  closeAll(): void {
    for (const conn of this.all) conn.closeSync();
  }

  private acquire(): Promise<DuckDBConnection> {
    const conn = this.idle.pop();
    if (conn) return Promise.resolve(conn);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(conn: DuckDBConnection): void {
    const next = this.waiters.shift();
    if (next) next(conn);
    else this.idle.push(conn);
  }
}
