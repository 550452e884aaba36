/** The `tally` process: refuses bad configuration and bad models with a clear message and exit code. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'tally-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tally(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/entry.ts'), ...args], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', TALLY_DB: path.join(dir, 'cli.duckdb'), ...env },
    encoding: 'utf8',
    timeout: 60_000,
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
