/** Small helpers over node:util parseArgs so each command states its options in one place. */
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;

export type OptionValues = Record<string, string | boolean | undefined>;

export function parse(argv: string[], options: OptionSpec): OptionValues {
  return parseWithOperands(argv, options, 0).values;
}

/** Options and exactly `operands` plain arguments (file names and the like). */
export function parseWithOperands(argv: string[], options: OptionSpec, operands: number): { values: OptionValues; operands: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: operands > 0, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== operands) {
    throw new UsageError(`expected ${operands} argument(s) besides the options, got ${parsed.positionals.length}`);
  }
  return { values: parsed.values as OptionValues, operands: parsed.positionals };
}

export function requireString(values: OptionValues, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

export function optionalInt(values: OptionValues, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new UsageError(`--${name} must be a positive integer`);
  return Number(v);
}

/** Durations like 30s, 15m, 1h, 7d → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`"${text}" is not a duration like 30m, 1h or 7d`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
