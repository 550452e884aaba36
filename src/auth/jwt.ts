/**
 * JWT issue and verification with jose. Each key source has its own pinned algorithms: the shared
 * secret verifies only HS256, the JWKS only RS256/ES256. The token header's `alg` picks the source,
 * so a public key from the JWKS can never be used as an HMAC secret. `exp` is required, `iss`/`aud`
 * are checked when configured, and at most 30 s of clock skew is tolerated.
 */
import { LRUCache } from 'lru-cache';
import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { AppError } from '../domain/errors.js';
import type { Role, UserPrincipal } from './principal.js';
import { ROLES } from './principal.js';

const CLOCK_TOLERANCE_S = 30;
const HMAC_ALGS = ['HS256'];
const JWKS_ALGS = ['RS256', 'ES256'];

/** The shared secret: verifies HS256 tokens and signs login and CLI tokens. */
export interface JwtSettings {
  secret: string;
  issuer: string | null;
  audience: string | null;
}

/** An identity provider's key set for RS256/ES256 tokens. */
export interface JwksSettings {
  url: string;
  issuer: string | null;
  audience: string | null;
}

export interface TokenClaims {
  sub: string;
  org: string;
  role: Role;
  actor?: string | null;
  /** Set only on tokens issued by POST /auth/login: the user is rechecked on every request. */
  uid?: string | null;
}

function hmacKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export async function signToken(settings: JwtSettings, claims: TokenClaims, ttlSeconds: number): Promise<string> {
  const jwt = new SignJWT({
    org: claims.org,
    role: claims.role,
    ...(claims.actor ? { actor: claims.actor } : {}),
    ...(claims.uid ? { uid: claims.uid } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
  if (settings.issuer) jwt.setIssuer(settings.issuer);
  if (settings.audience) jwt.setAudience(settings.audience);
  return jwt.sign(hmacKey(settings.secret));
}

function unauthorized(reason: string, cause?: unknown): AppError {
  return new AppError('UNAUTHORIZED', `Invalid token: ${reason}.`, undefined, { cause });
}

/** Problems fetching the key set are the server's (503, retry), not the caller's (401). */
function keySetUnavailable(err: unknown): boolean {
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return true;
  if (!(err instanceof joseErrors.JOSEError)) return true;
  return err.code === 'ERR_JOSE_GENERIC';
}

function describe(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim "${err.claim}" is invalid`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no signing key matches the token "kid"';
  if (err instanceof joseErrors.JWKSMultipleMatchingKeys) return 'the token "kid" matches several keys';
  return 'token is malformed';
}

function toPrincipal(payload: JWTPayload, trustUid: boolean): UserPrincipal {
  const { sub, org, role, actor, exp, uid } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0) throw unauthorized('claim "sub" is missing');
  if (typeof org !== 'string' || org.length === 0 || org.length > 200) throw unauthorized('claim "org" is missing');
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw unauthorized('claim "role" must be admin, analyst or viewer');
  }
  return {
    kind: 'user',
    sub,
    org,
    role: role as Role,
    actor: typeof actor === 'string' && actor.length > 0 ? actor : null,
    exp: exp as number,
    ...(trustUid && typeof uid === 'string' && uid.length > 0 ? { userId: uid } : {}),
  };
}

/** Verified tokens remembered; a dashboard sends the same token with every request. */
const VERIFIED_MAX_ENTRIES = 10_000;
/** A remembered token is checked again after this long (a key removed from the JWKS stops working). */
const VERIFIED_MAX_AGE_MS = 5 * 60_000;

interface Verified {
  principal: UserPrincipal;
  /** Epoch ms: the token's `exp` plus the clock tolerance, or the re-check time if earlier. */
  validUntil: number;
}

/**
 * Verifies tokens against the configured sources; create once (it caches the remote key set).
 * A token that verified is remembered until it expires (at most 5 minutes), so the signature is
 * checked once per token rather than once per request; only successes are remembered.
 */
export class TokenVerifier {
  private readonly keySet: JWTVerifyGetKey | null;
  private readonly verified = new LRUCache<string, Verified>({ max: VERIFIED_MAX_ENTRIES });

  constructor(
    private readonly hmac: JwtSettings | null,
    private readonly jwks: JwksSettings | null,
    /** A key resolver to use instead of fetching jwks.url (tests). */
    keySet?: JWTVerifyGetKey,
  ) {
    this.keySet = jwks ? (keySet ?? createRemoteJWKSet(new URL(jwks.url))) : null;
  }

  get configured(): boolean {
    return this.hmac !== null || this.keySet !== null;
  }

  /** The principal of a token verified earlier and still valid; null when it needs verify(). */
  peek(token: string, now = Date.now()): UserPrincipal | null {
    const known = this.verified.get(token);
    return known !== undefined && now < known.validUntil ? known.principal : null;
  }

  async verify(token: string): Promise<UserPrincipal> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (now < known.validUntil) return known.principal;
      this.verified.delete(token);
    }
    const principal = Object.freeze(await this.verifyNow(token));
    const validUntil = Math.min((principal.exp + CLOCK_TOLERANCE_S) * 1000, now + VERIFIED_MAX_AGE_MS);
    this.verified.set(token, { principal, validUntil });
    return principal;
  }

  private async verifyNow(token: string): Promise<UserPrincipal> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (err) {
      throw unauthorized('token is malformed', err);
    }
    if (alg !== undefined && HMAC_ALGS.includes(alg)) {
      if (!this.hmac) throw unauthorized(`${alg} tokens are not accepted by this server`);
      return this.verifyHmac(this.hmac, token);
    }
    if (alg !== undefined && JWKS_ALGS.includes(alg)) {
      if (!this.jwks || !this.keySet) throw unauthorized(`${alg} tokens are not accepted by this server`);
      return this.verifyRemote(this.jwks, this.keySet, token);
    }
    throw unauthorized('token algorithm not allowed');
  }

  private async verifyHmac(settings: JwtSettings, token: string): Promise<UserPrincipal> {
    try {
      const { payload } = await jwtVerify(token, hmacKey(settings.secret), options(HMAC_ALGS, settings));
      return toPrincipal(payload, true);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw unauthorized(describe(err), err);
    }
  }

  private async verifyRemote(settings: JwksSettings, keySet: JWTVerifyGetKey, token: string): Promise<UserPrincipal> {
    try {
      const { payload } = await jwtVerify(token, keySet, options(JWKS_ALGS, settings));
      // `uid` marks tokens this server issued itself; an identity provider's claim of that name means nothing here.
      return toPrincipal(payload, false);
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (keySetUnavailable(err)) {
        throw new AppError('AUTH_UNAVAILABLE', 'The signing keys (TALLY_JWKS_URL) could not be fetched; try again shortly.', undefined, { cause: err });
      }
      throw unauthorized(describe(err), err);
    }
  }
}

function options(algorithms: string[], settings: { issuer: string | null; audience: string | null }): JWTVerifyOptions {
  return {
    algorithms,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_S,
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
  };
}

/** HS256-only verification with a shared secret (CLI tools and tests). */
export async function verifyToken(settings: JwtSettings, token: string): Promise<UserPrincipal> {
  return new TokenVerifier(settings, null).verify(token);
}
