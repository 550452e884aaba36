/**
 * The production-HTTP part of the configuration: rate limits and tiers, query timeout and
 * concurrency, CORS, proxies, metrics token, slow-request threshold, shutdown timeout.
 * Parsed from the environment by loadConfig; every bad value names its variable.
 */
import { ConfigError } from './config-error.js';
import type { Env } from './readers.js';
import { readRaw, readInt, readBool, readPairs } from './readers.js';

export const RATE_CLASSES = ['ingest', 'query', 'export', 'login'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

/** Requests allowed per sliding window; 0 switches that scope off. */
export interface RateLimit {
  /** Shared by every credential of one org (scaled by the org's tier). */
  org: number;
  /** Per user (JWT `sub`) or ingest key (scaled by the org's tier). */
  credential: number;
  /** Per client IP, for requests without a credential (login). */
  ip: number;
  windowSeconds: number;
}

export interface PenaltyConfig {
  /** 0 = no penalties. Rejections within `windowSeconds` that earn the first block. */
  strikes: number;
  /** The first block; each further block in the window doubles it, up to maxBlockSeconds. */
  blockSeconds: number;
  maxBlockSeconds: number;
  windowSeconds: number;
}

export interface RateLimitConfig {
  enabled: boolean;
  classes: Record<RateClass, RateLimit>;
  /** Tier name → multiplier of the org and credential limits. Always has `standard` (1). */
  tiers: Record<string, number>;
  /** Org id → tier name; orgs not listed are `standard`. */
  orgTiers: Record<string, string>;
  penalty: PenaltyConfig;
}

/** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs of the proxies. */
export type TrustProxy = boolean | number | string[];

export interface OpsConfig {
  trustProxy: TrustProxy;
  /** Allowed browser origins; empty = no CORS headers; ['*'] = any origin (no credentials). */
  corsOrigins: string[];
  rateLimits: RateLimitConfig;
  /** A query running longer is interrupted and answered 503 QUERY_TIMEOUT; 0 = no limit. */
  queryTimeoutMs: number;
  /** Expensive reads (query, dashboard, export) running at once per org; more wait in a queue. */
  maxConcurrentQueries: number;
  /** Expensive reads waiting per org; beyond that 429. */
  maxQueuedQueries: number;
  /** Requests slower than this are logged as warnings. */
  slowRequestMs: number;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** How long shutdown waits for in-flight requests before cutting connections. */
  shutdownTimeoutMs: number;
}

export const DEFAULT_RATE_CLASSES: Readonly<Record<RateClass, RateLimit>> = {
  // Ingest batches hold up to 10,000 events, so a request budget this size is about runaway clients.
  ingest: { org: 12_000, credential: 12_000, ip: 600, windowSeconds: 60 },
  query: { org: 1_200, credential: 600, ip: 120, windowSeconds: 60 },
  export: { org: 60, credential: 30, ip: 10, windowSeconds: 60 },
  login: { org: 600, credential: 30, ip: 10, windowSeconds: 60 },
};

export const DEFAULT_PENALTY: Readonly<PenaltyConfig> = { strikes: 10, blockSeconds: 30, maxBlockSeconds: 900, windowSeconds: 600 };

export function defaultOpsConfig(): OpsConfig {
  return {
    trustProxy: false,
    corsOrigins: [],
    rateLimits: {
      enabled: true,
      classes: structuredClone(DEFAULT_RATE_CLASSES) as Record<RateClass, RateLimit>,
      tiers: { standard: 1 },
      orgTiers: {},
      penalty: { ...DEFAULT_PENALTY },
    },
    queryTimeoutMs: 30_000,
    maxConcurrentQueries: 8,
    maxQueuedQueries: 32,
    slowRequestMs: 1_000,
    metricsToken: null,
    shutdownTimeoutMs: 10_000,
  };
}

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `15m`, `1h`, `1d` → seconds (whole, ≥ 1). */
export function parseDurationSeconds(text: string): number | null {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? 1);
  return seconds >= 1 ? seconds : null;
}

/** `key=value,key=value` pairs, each key known; the callback turns one value into a number. */
function pairs(name: string, text: string, keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const [key, value, extra] = part.split('=').map((s) => s.trim());
    if (!key || value === undefined || value === '' || extra !== undefined) {
      throw new ConfigError(name, `must be a list of key=value pairs (${keys.join(', ')}), got "${part.trim()}"`);
    }
    if (!keys.includes(key)) throw new ConfigError(name, `has an unknown key "${key}"; use ${keys.join(', ')}`);
    out.set(key, value);
  }
  return out;
}

function count(name: string, key: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 1e9) throw new ConfigError(name, `${key} must be a whole number, got "${value}"`);
  return Number(value);
}

function duration(name: string, key: string, value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === null) throw new ConfigError(name, `${key} must be a duration like 30s, 10m or 1h, got "${value}"`);
  return seconds;
}

function rateClass(env: Env, name: string, fallback: RateLimit): RateLimit {
  const value = readRaw(env, name);
  if (value === null) return { ...fallback };
  if (value === 'off') return { ...fallback, org: 0, credential: 0, ip: 0 };
  const p = pairs(name, value, ['org', 'credential', 'ip', 'window']);
  const get = (key: 'org' | 'credential' | 'ip'): number => {
    const v = p.get(key);
    return v === undefined ? fallback[key] : count(name, key, v);
  };
  const window = p.get('window');
  return { org: get('org'), credential: get('credential'), ip: get('ip'), windowSeconds: window === undefined ? fallback.windowSeconds : duration(name, 'window', window) };
}

function penalty(env: Env): PenaltyConfig {
  const name = 'TALLY_RATE_PENALTY';
  const value = readRaw(env, name);
  if (value === null) return { ...DEFAULT_PENALTY };
  if (value === 'off') return { ...DEFAULT_PENALTY, strikes: 0 };
  const p = pairs(name, value, ['strikes', 'block', 'max', 'window']);
  const out: PenaltyConfig = {
    strikes: p.has('strikes') ? count(name, 'strikes', p.get('strikes') as string) : DEFAULT_PENALTY.strikes,
    blockSeconds: p.has('block') ? duration(name, 'block', p.get('block') as string) : DEFAULT_PENALTY.blockSeconds,
    maxBlockSeconds: p.has('max') ? duration(name, 'max', p.get('max') as string) : DEFAULT_PENALTY.maxBlockSeconds,
    windowSeconds: p.has('window') ? duration(name, 'window', p.get('window') as string) : DEFAULT_PENALTY.windowSeconds,
  };
  if (out.maxBlockSeconds < out.blockSeconds) throw new ConfigError(name, 'max must be at least block');
  return out;
}

/** A JSON object or a `name:value,name:value` list of string pairs. */
function tiers(env: Env): Record<string, number> {
  const name = 'TALLY_RATE_TIERS';
  const out: Record<string, number> = { standard: 1 };
  const value = readRaw(env, name);
  if (value === null) return out;
  for (const [tier, text] of readPairs(name, value)) {
    const multiplier = Number(text);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(tier)) throw new ConfigError(name, `has an invalid tier name "${tier}"`);
    if (text === '' || !Number.isFinite(multiplier) || multiplier <= 0 || multiplier > 1000) {
      throw new ConfigError(name, `tier "${tier}" needs a multiplier above 0 and at most 1000, got "${text}"`);
    }
    out[tier] = multiplier;
  }
  return out;
}

function orgTiers(env: Env, known: Record<string, number>): Record<string, string> {
  const name = 'TALLY_ORG_TIERS';
  const value = readRaw(env, name);
  const out: Record<string, string> = {};
  if (value === null) return out;
  for (const [org, tier] of readPairs(name, value)) {
    if (org === '') throw new ConfigError(name, 'has an empty org id');
    if (!(tier in known)) throw new ConfigError(name, `org "${org}" names tier "${tier}", which TALLY_RATE_TIERS does not define`);
    out[org] = tier;
  }
  return out;
}

function trustProxy(env: Env): TrustProxy {
  const name = 'TALLY_TRUST_PROXY';
  const value = readRaw(env, name);
  if (value === null) return false;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  const list = value.split(',').map((s) => s.trim());
  // Addresses or CIDRs (v4 or v6); proxy-addr validates them precisely when Fastify starts.
  for (const item of list) {
    if (!/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(item) && !['loopback', 'linklocal', 'uniquelocal'].includes(item)) {
      throw new ConfigError(name, `must be true, false, a hop count or proxy addresses/CIDRs, got "${item}"`);
    }
  }
  return list;
}

function corsOrigins(env: Env): string[] {
  const name = 'TALLY_CORS_ORIGINS';
  const value = readRaw(env, name);
  if (value === null) return [];
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.includes('*')) {
    if (list.length > 1) throw new ConfigError(name, 'is either * or a list of origins, not both');
    return ['*'];
  }
  for (const origin of list) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(name, `has an invalid origin "${origin}"`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(name, `entries must be origins like https://app.example.com, got "${origin}"`);
    }
  }
  return list.map((o) => o.replace(/\/$/, ''));
}

function metricsToken(env: Env): string | null {
  const value = readRaw(env, 'TALLY_METRICS_TOKEN');
  if (value !== null && value.length < 16) throw new ConfigError('TALLY_METRICS_TOKEN', 'must be at least 16 characters long');
  return value;
}

export function readOpsConfig(env: Env): OpsConfig {
  const defaults = defaultOpsConfig();
  const tierTable = tiers(env);
  const classes = Object.fromEntries(
    RATE_CLASSES.map((c) => [c, rateClass(env, `TALLY_RATE_${c.toUpperCase()}`, DEFAULT_RATE_CLASSES[c])]),
  ) as Record<RateClass, RateLimit>;
  return {
    trustProxy: trustProxy(env),
    corsOrigins: corsOrigins(env),
    rateLimits: {
      enabled: readBool(env, 'TALLY_RATE_LIMITS', true),
      classes,
      tiers: tierTable,
      orgTiers: orgTiers(env, tierTable),
      penalty: penalty(env),
    },
    queryTimeoutMs: readInt(env, 'TALLY_QUERY_TIMEOUT_MS', defaults.queryTimeoutMs, 0, 3_600_000),
    maxConcurrentQueries: readInt(env, 'TALLY_MAX_CONCURRENT_QUERIES', defaults.maxConcurrentQueries, 1, 10_000),
    maxQueuedQueries: readInt(env, 'TALLY_MAX_QUEUED_QUERIES', defaults.maxQueuedQueries, 0, 100_000),
    slowRequestMs: readInt(env, 'TALLY_SLOW_REQUEST_MS', defaults.slowRequestMs, 1, 3_600_000),
    metricsToken: metricsToken(env),
    shutdownTimeoutMs: readInt(env, 'TALLY_SHUTDOWN_TIMEOUT_MS', defaults.shutdownTimeoutMs, 100, 600_000),
  };
}
