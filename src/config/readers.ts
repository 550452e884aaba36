/**
 * The typed readers every part of the configuration uses: one place decides what counts as
 * unset, an integer or a boolean, and how a bad value is reported (ConfigError naming the variable).
 */
import { ConfigError } from './config-error.js';

export type Env = Record<string, string | undefined>;

/** The trimmed value, or null when the variable is unset or blank. */
export function readRaw(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? null : value;
}

/** A whole number within [min, max]; `fallback` when unset. */
export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = readRaw(env, name);
  if (value === null) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

const TRUE_WORDS = ['1', 'true', 'on', 'yes'];
const FALSE_WORDS = ['0', 'false', 'off', 'no'];

/** true/false, on/off, yes/no or 1/0 (any case); `fallback` when unset. */
export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const value = readRaw(env, name)?.toLowerCase() ?? null;
  if (value === null) return fallback;
  if (TRUE_WORDS.includes(value)) return true;
  if (FALSE_WORDS.includes(value)) return false;
  throw new ConfigError(name, `must be true or false (or on/off, 1/0), got "${value}"`);
}

/** `a:1,b:2` or a JSON object `{"a":1}` as [name, value] text pairs; names the variable when malformed. */
export function readPairs(name: string, value: string): Array<[string, string]> {
  if (value.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ConfigError(name, 'is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(name, 'must be a JSON object');
    return Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' || typeof v === 'number' ? String(v) : '']);
  }
  return value.split(',').map((part) => {
    const i = part.lastIndexOf(':');
    if (i <= 0) throw new ConfigError(name, `must be a list of name:value pairs or a JSON object, got "${part.trim()}"`);
    return [part.slice(0, i).trim(), part.slice(i + 1).trim()];
  });
}
