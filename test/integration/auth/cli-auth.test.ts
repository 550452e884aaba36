/**
 * The auth side of the `tally` process: production refuses to start without a secret or JWKS and
 * prints no demo credentials (development still does), and `tally users` creates working users.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../../src/auth/passwords.js';
import { DuckDbStore } from '../../../src/store/duckdb/duckdb-store.js';

const root = path.resolve(import.meta.dirname, '../../..');
const entry = path.join(root, 'src/cli/entry.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'tally-auth-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'p'.repeat(40);

function baseEnv(db: string, env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ['TALLY_JWT_SECRET', 'TALLY_JWKS_URL', 'TALLY_JWT_ISSUER', 'TALLY_JWT_AUDIENCE', 'LOG_LEVEL']) delete clean[name];
  return { ...clean, NODE_ENV: 'test', TALLY_DB: path.join(dir, db), TALLY_PORT: '0', LOG_LEVEL: 'silent', ...env };
}

function tally(args: string[], db: string, env: Record<string, string> = {}, input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: root, env: baseEnv(db, env), encoding: 'utf8', timeout: 60_000, ...(input !== undefined ? { input } : {}) });
}

/** Starts `tally serve`, waits until it listens (and printed what it prints), then stops it. */
function serveOnce(args: string[], db: string, env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, 'serve', ...args], { cwd: root, env: baseEnv(db, env) });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start: ${stderr}`));
    }, 60_000);
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
      // The demo credentials (when printed at all) come right after the "listening" line.
      if (/listening on/.test(stdout)) setTimeout(() => child.kill('SIGTERM'), 500);
    });
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

// Each command is a fresh process (tsx, DuckDB, models): seconds each, more on a busy machine.
const SLOW = { timeout: 240_000 };

describe('production start', SLOW, () => {
  it('refuses to start without TALLY_JWT_SECRET or TALLY_JWKS_URL', () => {
    const run = tally(['serve'], 'prod-none.duckdb', { NODE_ENV: 'production' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/TALLY_JWT_SECRET.*TALLY_JWKS_URL/);
  });

  it('prints no demo token or key, and never creates the development secret file', async () => {
    // A non-empty demo org, so --demo does not seed a million events first.
    expect(tally(['seed', '--dataset', 'commerce', '--events', '10', '--days', '1', '--org', 'demo'], 'prod.duckdb', { TALLY_JWT_SECRET: SECRET }).status).toBe(0);
    const sources: Record<string, string>[] = [{ TALLY_JWT_SECRET: SECRET }, { TALLY_JWKS_URL: 'http://127.0.0.1:9/jwks.json' }];
    for (const env of sources) {
      const run = await serveOnce(['--demo'], 'prod.duckdb', { NODE_ENV: 'production', ...env });
      expect(run.stdout).toMatch(/listening on/);
      expect(run.stdout).not.toMatch(/eyJ|tk_|token/i);
    }
    expect(existsSync(path.join(dir, '.tally-dev-jwt-secret'))).toBe(false);
  });

  it('in development, `serve --demo` still prints a demo token and key', async () => {
    expect(tally(['seed', '--dataset', 'commerce', '--events', '10', '--days', '1', '--org', 'demo'], 'dev.duckdb').status).toBe(0);
    const run = await serveOnce(['--demo'], 'dev.duckdb', { NODE_ENV: 'development' });
    expect(run.stdout).toMatch(/Admin token[^\n]*\n\s+eyJ/);
    expect(run.stdout).toMatch(/tk_[A-Za-z0-9_-]{43}/);
  });
});

describe('tally users', SLOW, () => {
  it('creates a user with the password from stdin, lists and disables it', async () => {
    const created = tally(['users', 'create', '--org', 'acme', '--email', 'Root@Example.com', '--role', 'admin', '--actor', 'u_1'], 'users.duckdb', {}, 'a password from stdin\n');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const id = created.stdout.trim().split(/\s+/)[0]!;
    expect(created.stdout).toContain('root@example.com');
    expect(created.stdout).not.toContain('a password from stdin');

    const list = tally(['users', 'list', '--org', 'acme'], 'users.duckdb');
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+root@example.com\\s+admin\\s+u_1\\s+active`));

    const store = await DuckDbStore.open({ path: path.join(dir, 'users.duckdb') });
    try {
      const rows = await store.query('SELECT password_hash FROM users WHERE id = $1', [id]);
      const hash = String(rows[0]?.['password_hash']);
      expect(hash).toMatch(/^scrypt\$/);
      expect(await verifyPassword('a password from stdin', hash)).toBe(true);
    } finally {
      await store.close();
    }

    expect(tally(['users', 'disable', '--org', 'globex', '--id', id], 'users.duckdb').status).not.toBe(0);
    expect(tally(['users', 'disable', '--org', 'acme', '--id', id], 'users.duckdb').stdout).toMatch(/disabled/);
  });

  it('explains bad input: role, short password, duplicate email', () => {
    const role = tally(['users', 'create', '--org', 'acme', '--email', 'x@example.com', '--role', 'root'], 'users-bad.duckdb', {}, 'long enough password\n');
    expect(role.status).toBe(64);
    expect(role.stderr).toMatch(/--role must be one of/);
    const short = tally(['users', 'create', '--org', 'acme', '--email', 'x@example.com', '--role', 'viewer'], 'users-bad.duckdb', {}, 'short\n');
    expect(short.status).not.toBe(0);
    expect(short.stderr).toMatch(/at least 12/);
    expect(tally(['users', 'create', '--org', 'acme', '--email', 'x@example.com', '--role', 'viewer', '--password', 'long enough password'], 'users-bad.duckdb').status).toBe(0);
    const dup = tally(['users', 'create', '--org', 'acme', '--email', 'X@example.com', '--role', 'viewer'], 'users-bad.duckdb', {}, 'long enough password\n');
    expect(dup.status).not.toBe(0);
    expect(dup.stderr).toMatch(/already exists/);
  });
});
