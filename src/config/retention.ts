/**
 * Data retention (docs/configuration.md): events older than an org's retention are deleted by a
 * periodic sweep and refused at ingest. TALLY_RETENTION_DAYS applies to every org, 0 = keep
 * forever (the default); TALLY_RETENTION_ORGS overrides it per org (`acme:90,globex:0`).
 */
import { ConfigError } from './config-error.js';
import type { Env } from './readers.js';
import { readInt, readPairs, readRaw } from './readers.js';

export interface RetentionConfig {
  /** Days kept for orgs not listed in orgDays; 0 = forever. */
  defaultDays: number;
  /** Per-org days; 0 = forever for that org. */
  orgDays: Record<string, number>;
  /** How often the sweep runs. */
  sweepIntervalSeconds: number;
}

/** A hundred years: more is "forever", which is 0. */
const MAX_DAYS = 36_500;

export function defaultRetentionConfig(): RetentionConfig {
  return { defaultDays: 0, orgDays: {}, sweepIntervalSeconds: 3600 };
}

function orgDays(env: Env): Record<string, number> {
  const name = 'TALLY_RETENTION_ORGS';
  const value = readRaw(env, name);
  const out: Record<string, number> = {};
  if (value === null) return out;
  for (const [org, text] of readPairs(name, value)) {
    if (org === '') throw new ConfigError(name, 'has an empty org id');
    if (!/^\d+$/.test(text) || Number(text) > MAX_DAYS) throw new ConfigError(name, `org "${org}" needs a whole number of days from 0 (forever) to ${MAX_DAYS}, got "${text}"`);
    out[org] = Number(text);
  }
  return out;
}

export function readRetentionConfig(env: Env): RetentionConfig {
  const d = defaultRetentionConfig();
  return {
    defaultDays: readInt(env, 'TALLY_RETENTION_DAYS', d.defaultDays, 0, MAX_DAYS),
    orgDays: orgDays(env),
    sweepIntervalSeconds: readInt(env, 'TALLY_RETENTION_SWEEP_SECONDS', d.sweepIntervalSeconds, 10, 7 * 86_400),
  };
}
