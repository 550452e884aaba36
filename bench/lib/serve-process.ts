/**
 * The real `tally serve` as its own process (the CLI compiled by bench/lib/compile.ts, plain
 * node), for measuring what an operator would see: its RSS idle and after serving queries.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';

const READY_TIMEOUT_MS = 120_000;

export interface ServeProcess {
  pid: number;
  baseUrl: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `node <entry> serve` with `env` on a free port and waits for /health/live. */
export async function startServe(entry: string, env: Record<string, string>): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [entry, 'serve'], {
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...env, TALLY_PORT: String(port), TALLY_HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('tally serve did not start');
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited(child);
    clearTimeout(timer);
  };
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tally serve exited with code ${child.exitCode} before it was ready: ${stderr.trim()}`);
    try {
      const res = await fetch(`${baseUrl}/health/live`);
      if (res.ok) return { pid, baseUrl, stop };
    } catch {
      // Not listening yet.
    }
    if (Date.now() - started > READY_TIMEOUT_MS) {
      await stop();
      throw new Error('tally serve was not ready in time');
    }
    await sleep(200);
  }
}

/** Resident set size of a process, from /proc (Linux). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** An HS256 read token as `tally token` would print it. */
export function adminToken(secret: string, org: string): Promise<string> {
  return new SignJWT({ org, role: 'admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(secret));
}
