/**
 * The auth objects one app needs, built once from its dependencies so buildApp stays a list of
 * registrations. Optional parts fall back to defaults (memory login limiter, default session).
 */
import type { IngestKeys } from './ingest-keys.js';
import type { JwksSettings, JwtSettings } from './jwt.js';
import { TokenVerifier } from './jwt.js';
import { LoginService } from './login.js';
import { LoginLimiter } from './login-limiter.js';
import type { SessionSettings } from './session.js';
import { DEFAULT_SESSION } from './session.js';
import { UsersRepository } from './users.js';
import type { Store } from '../store/port.js';

export interface AuthDeps {
  store: Store;
  keys: IngestKeys;
  /** HS256 secret (verifies HS256 tokens, signs login tokens); null when only a JWKS is used. */
  jwt: JwtSettings | null;
  /** An identity provider's JWKS for RS256/ES256 tokens. */
  jwks?: JwksSettings | null;
  users?: UsersRepository;
  session?: Partial<SessionSettings>;
  loginLimiter?: LoginLimiter;
}

export interface AuthServices {
  keys: IngestKeys;
  users: UsersRepository;
  verifier: TokenVerifier;
  login: LoginService;
  session: SessionSettings;
}

export function authServices(deps: AuthDeps): AuthServices {
  const users = deps.users ?? new UsersRepository(deps.store);
  const session: SessionSettings = { ...DEFAULT_SESSION, ...deps.session };
  return {
    keys: deps.keys,
    users,
    verifier: new TokenVerifier(deps.jwt, deps.jwks ?? null),
    login: new LoginService(users, deps.loginLimiter ?? new LoginLimiter(), deps.jwt, session.ttlSeconds),
    session,
  };
}
