import { describe, expect, it } from 'vitest';
import { LoginLimiter, LoginThrottled } from '../../../src/auth/login-limiter.js';

const limits = { accountFailures: 3, accountWindowSeconds: 60, ipFailures: 5, ipWindowSeconds: 120 };

async function throttled(limiter: LoginLimiter, org: string, email: string, ip: string): Promise<number | null> {
  try {
    await limiter.check(org, email, ip);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(LoginThrottled);
    return (err as LoginThrottled).retryAfterSeconds;
  }
}

describe('LoginLimiter', () => {
  it('blocks an account after its failures, from any IP, case-insensitively', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 3; i++) {
      expect(await throttled(limiter, 'acme', 'Ann@Example.com', `10.0.0.${i}`)).toBeNull();
      await limiter.failed('acme', 'Ann@Example.com', `10.0.0.${i}`);
    }
    const retry = await throttled(limiter, 'acme', 'ann@example.com', '10.9.9.9');
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(60);
    // The same email in another org is another account.
    expect(await throttled(limiter, 'globex', 'ann@example.com', '10.9.9.9')).toBeNull();
  });

  it('a success resets the account count', async () => {
    const limiter = new LoginLimiter(limits);
    await limiter.failed('acme', 'bob@example.com', '10.0.0.1');
    await limiter.failed('acme', 'bob@example.com', '10.0.0.1');
    await limiter.succeeded('acme', 'bob@example.com');
    await limiter.failed('acme', 'bob@example.com', '10.0.0.1');
    await limiter.failed('acme', 'bob@example.com', '10.0.0.1');
    expect(await throttled(limiter, 'acme', 'bob@example.com', '10.0.0.2')).toBeNull();
  });

  it('blocks an IP that fails across many accounts', async () => {
    const limiter = new LoginLimiter(limits);
    for (let i = 0; i < 5; i++) await limiter.failed('acme', `user${i}@example.com`, '192.0.2.7');
    expect(await throttled(limiter, 'acme', 'fresh@example.com', '192.0.2.7')).toBeGreaterThan(60);
    expect(await throttled(limiter, 'acme', 'fresh@example.com', '192.0.2.8')).toBeNull();
  });
});
