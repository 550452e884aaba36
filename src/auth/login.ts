/**
 * Password login: rate limits first, then a constant-shape check (unknown account, disabled
 * account and wrong password all cost one scrypt and give the same 401), then a short-lived JWT.
 */
import { AppError } from '../domain/errors.js';
import type { JwtSettings } from './jwt.js';
import { signToken } from './jwt.js';
import type { LoginLimiter } from './login-limiter.js';
import { verifyDummy, verifyPassword } from './passwords.js';
import type { UserInfo, UsersRepository } from './users.js';

export interface LoginInput {
  org: string;
  email: string;
  password: string;
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  user: UserInfo;
}

export class LoginService {
  constructor(
    private readonly users: UsersRepository,
    private readonly limiter: LoginLimiter,
    /** Null when only TALLY_JWKS_URL is configured: tokens then come from the identity provider. */
    private readonly signer: JwtSettings | null,
    private readonly ttlSeconds: number,
  ) {}

  get enabled(): boolean {
    return this.signer !== null;
  }

  async login(input: LoginInput, ip: string): Promise<LoginResult> {
    if (!this.signer) {
      throw new AppError('NOT_CONFIGURED', 'Password login needs TALLY_JWT_SECRET; this server accepts tokens from its identity provider (TALLY_JWKS_URL) only.');
    }
    await this.limiter.check(input.org, input.email, ip);
    const found = await this.users.findForLogin(input.org, input.email);
    const ok = found ? await verifyPassword(input.password, found.passwordHash) : await verifyDummy(input.password);
    if (!found || !ok) {
      await this.limiter.failed(input.org, input.email, ip);
      throw new AppError('UNAUTHORIZED', 'Invalid org, email or password.');
    }
    await this.limiter.succeeded(input.org, input.email);
    const { user } = found;
    const token = await signToken(this.signer, { sub: user.id, uid: user.id, org: user.org, role: user.role, actor: user.actor }, this.ttlSeconds);
    const expiresAt = new Date(Date.now() + this.ttlSeconds * 1000).toISOString();
    return { token, expiresAt, user };
  }
}
