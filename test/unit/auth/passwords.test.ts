import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyDummy, verifyPassword } from '../../../src/auth/passwords.js';

const cheap = { N: 1024, r: 8, p: 1 };

describe('passwords (scrypt)', () => {
  it('stores algorithm, parameters and a per-user salt in the hash string', async () => {
    const a = await hashPassword('correct horse battery', cheap);
    const b = await hashPassword('correct horse battery', cheap);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
  });

  it('verifies the right password only', async () => {
    const hash = await hashPassword('correct horse battery', cheap);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('verifies with the parameters stored in the hash (the default cost can change later)', async () => {
    const hash = await hashPassword('another long password');
    expect(hash.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('another long password', hash)).toBe(true);
  });

  it('treats malformed or absurd hashes as a failed match, never an exception', async () => {
    for (const bad of ['', 'plain', 'scrypt$1024$8$1$$', 'scrypt$1000$8$1$c2FsdA$a2V5', 'scrypt$4194304$8$1$c2FsdA$a2V5', 'bcrypt$x$y$z$a$b']) {
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });

  it('the dummy verification always fails and costs a real scrypt', async () => {
    const started = performance.now();
    expect(await verifyDummy('anything')).toBe(false);
    expect(await verifyDummy('anything')).toBe(false);
    // One default-cost scrypt takes tens of milliseconds; an instant answer would reveal a missing account.
    expect(performance.now() - started).toBeGreaterThan(5);
  });

  it('accepts 12 to 1024 characters', () => {
    expect(passwordProblem('short')).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(12))).toBeNull();
    expect(passwordProblem('x'.repeat(1025))).toMatch(/at most/);
  });
});
