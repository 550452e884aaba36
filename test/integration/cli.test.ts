/** The `tally` process: refuses bad configuration and bad models with a clear message and exit code; imports files. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntilReady } from '../fixtures/http-ready.js';
import { freePort } from '../fixtures/redis.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'tally-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tally(args: string[], env: Record<string, string>, input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/entry.ts'), ...args], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', TALLY_DB: path.join(dir, 'cli.duckdb'), ...env },
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
}

describe('tally CLI', () => {
  it('exits non-zero naming the variable when the port is bad', () => {
    const run = tally(['serve'], { TALLY_PORT: 'eighty' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/TALLY_PORT/);
  });

  it('stops on a bad model file with file, line and problem', () => {
    const bad = readFileSync(path.join(root, 'models/commerce.yaml'), 'utf8').replace('prop: amount, event: payment.completed, format: currency', 'prop: amont, event: payment.completed, format: currency');
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, bad);
    const run = tally(['serve'], { TALLY_MODEL: file });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: metric "revenue": prop "amont" is not declared`));
  });

  it('prints a working key and token', () => {
    const key = tally(['keys', 'create', '--org', 'acme'], {});
    expect(key.status).toBe(0);
    expect(key.stdout.trim()).toMatch(/^tk_[A-Za-z0-9_-]{43}$/);
    const token = tally(['token', '--org', 'acme', '--role', 'viewer', '--ttl', '10m'], { TALLY_JWT_SECRET: 'x'.repeat(40) });
    expect(token.status).toBe(0);
    const [, payload] = token.stdout.trim().split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ org: 'acme', role: 'viewer' });
  });

  it('explains usage errors', () => {
    const run = tally(['token', '--org', 'acme', '--role', 'root'], { TALLY_JWT_SECRET: 'x'.repeat(40) });
    expect(run.status).toBe(64);
    expect(run.stderr).toMatch(/--role must be one of/);
  });
});

describe('tally import', () => {
  const env = { TALLY_DB: path.join(dir, 'import.duckdb') };
  const line = (i: number, extra: object = {}): string =>
    JSON.stringify({ id: `imp-${i}`, event: 'payment.completed', timestamp: `2026-11-19T10:${String(i % 60).padStart(2, '0')}:00Z`, actor: `u${i}`, props: { amount: i, currency: 'EUR' }, ...extra });

  it('stores nothing from a file with a bad row: exit 65, every bad line named', () => {
    const file = path.join(dir, 'bad.ndjson');
    writeFileSync(file, [line(1), line(2, { props: { amount: 'two' } }), line(3), '{oops'].join('\n'));
    const run = tally(['import', file, '--org', 'acme'], env);
    expect(run.status, run.stderr).toBe(65);
    expect(run.stderr).toContain('line 2: /props/amount: must be a number (declared in the model)');
    expect(run.stderr).toContain('line 4: is not valid JSON');
    expect(run.stderr).toContain(`2 problem(s) in ${file}; nothing was stored`);
  });

  it('imports NDJSON from standard input and a CSV file; ids already stored count as duplicates', () => {
    const nd = tally(['import', '-', '--org', 'acme'], env, [1, 2, 3].map((i) => line(i)).join('\n'));
    expect(nd.status, nd.stderr).toBe(0);
    // Nothing of the refused file above was stored: ids 1 and 3 are new here.
    expect(nd.stdout).toMatch(/imported 3 events into org "acme" in [\d.]+ s: 3 stored, 0 duplicates/);
    const csv = path.join(dir, 'more.csv');
    writeFileSync(csv, 'id,event,timestamp,actor,amount,currency\nimp-3,payment.completed,2026-11-19T11:00:00Z,u3,3,EUR\nimp-4,payment.completed,2026-11-19T11:00:00Z,u4,4.5,EUR\n');
    const run = tally(['import', csv, '--org', 'acme'], env);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/imported 2 events .*: 1 stored, 1 duplicates/);
  });

  it('says what to do when `tally serve` holds the database file, and imports through it with --url', async () => {
    const port = await freePort();
    const key = tally(['keys', 'create', '--org', 'served'], env).stdout.trim();
    const serveEnv = { ...process.env, NODE_ENV: 'test', ...env, TALLY_PORT: String(port), LOG_LEVEL: 'warn' };
    const server = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/entry.ts'), 'serve'], { cwd: root, env: serveEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    try {
      await waitUntilReady(`http://127.0.0.1:${port}/health/ready`, () => stderr);
      const file = path.join(dir, 'one.ndjson');
      writeFileSync(file, line(9));
      const run = tally(['import', file, '--org', 'acme'], env);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/open in another process \(is `tally serve` running on it\?\)/);
      expect(run.stderr).toContain('tally import FILE --url http://HOST:PORT');

      // What the message suggests: the same file through the server, into the key's org.
      const url = `http://127.0.0.1:${port}`;
      const many = path.join(dir, 'many.ndjson');
      writeFileSync(many, Array.from({ length: 250 }, (_, i) => line(100 + i)).join('\n'));
      const noKey = tally(['import', many, '--url', url], env);
      expect(noKey.status).toBe(64);
      expect(noKey.stderr).toMatch(/set TALLY_INGEST_KEY/);
      const through = tally(['import', many, '--url', url, '--batch', '100'], { ...env, TALLY_INGEST_KEY: key });
      expect(through.status, through.stderr).toBe(0);
      expect(through.stdout).toMatch(new RegExp(`imported 250 events through ${url} in [\\d.]+ s: 250 stored, 0 duplicates`));
      // Stored on the server: sent again, every id is known there.
      const again = tally(['import', many, '--url', `${url}/api/v1/`], { ...env, TALLY_INGEST_KEY: key });
      expect(again.stdout, again.stderr).toMatch(/: 0 stored, 250 duplicates/);
      const revoked = tally(['import', many, '--url', url], { ...env, TALLY_INGEST_KEY: 'tk_not-a-key' });
      expect(revoked.status).toBe(1);
      expect(revoked.stderr).toMatch(/answered 401: .*is TALLY_INGEST_KEY an active ingest key/);
      expect(revoked.stderr).toMatch(/nothing was stored; run the same command again/);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
  });
});
