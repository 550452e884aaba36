/**
 * Brute-force protection for POST /auth/login: failed attempts are counted per account (org +
 * email, whether or not it exists, so the limit reveals nothing) and per client IP. A success
 * resets the account's count. Memory-backed per instance; rate-limiter-flexible's Redis limiter
 * has the same interface when the counts must be shared.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AppError } from '../domain/errors.js';
import { normalizeEmail } from './users.js';

export interface LoginLimits {
  /** Failed logins allowed per account within accountWindowSeconds. */
  accountFailures: number;
  accountWindowSeconds: number;
  /** Failed logins allowed per IP within ipWindowSeconds (credential stuffing across accounts). */
  ipFailures: number;
  ipWindowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  accountFailures: 10,
  accountWindowSeconds: 15 * 60,
  ipFailures: 50,
  ipWindowSeconds: 15 * 60,
};

/** 429 with the seconds until the next attempt may succeed (sent as Retry-After). */
export class LoginThrottled extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many failed logins; try again in ${retryAfterSeconds} s.`);
  }
}

export class LoginLimiter {
  private readonly accounts: RateLimiterMemory;
  private readonly ips: RateLimiterMemory;

  constructor(private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    this.accounts = new RateLimiterMemory({ keyPrefix: 'login_account', points: limits.accountFailures, duration: limits.accountWindowSeconds });
    this.ips = new RateLimiterMemory({ keyPrefix: 'login_ip', points: limits.ipFailures, duration: limits.ipWindowSeconds });
  }

  private static account(org: string, email: string): string {
    return `${org}\u0000${normalizeEmail(email)}`;
  }

  /** Throws LoginThrottled when the account or the IP has no failures left. */
  async check(org: string, email: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([this.accounts.get(LoginLimiter.account(org, email)), this.ips.get(ip)]);
    const retryMs = [
      [account, this.limits.accountFailures] as const,
      [address, this.limits.ipFailures] as const,
    ]
      .filter(([res, limit]) => res !== null && res.consumedPoints >= limit)
      .map(([res]) => res?.msBeforeNext ?? 0);
    if (retryMs.length > 0) throw new LoginThrottled(Math.max(1, Math.ceil(Math.max(...retryMs) / 1000)));
  }

  async failed(org: string, email: string, ip: string): Promise<void> {
    // consume() rejects once the points are spent; the next check() reports that, so ignore it here.
    await Promise.allSettled([this.accounts.consume(LoginLimiter.account(org, email)), this.ips.consume(ip)]);
  }

  async succeeded(org: string, email: string): Promise<void> {
    await this.accounts.delete(LoginLimiter.account(org, email));
  }
}
