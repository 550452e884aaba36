/**
 * Property: whatever an operator puts in the environment — any of the variables Tally reads, set
 * to numbers, sizes, durations, lists, pairs, URLs or garbage — loadConfig either returns a
 * configuration or throws a ConfigError naming one variable; never a crash of another kind.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig } from '../../../src/config/index.js';
import { packageRoot } from '../../../src/model/load.js';
import { word } from '../../fixtures/fuzz.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 25;
let names: string[];

beforeAll(async () => {
  // The variables the config readers name, read from their source so that new ones join in.
  const dir = join(packageRoot(), 'src', 'config');
  const sources = await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8')));
  names = [...new Set(sources.flatMap((s) => [...s.matchAll(/'((?:TALLY_|REDIS_|DATABASE_|NODE_|LOG_)[A-Z0-9_]*)'/g)].map((m) => m[1]!)))].sort();
});

const setting = fc.oneof(
  word,
  fc.constantFrom('0', '1', '-5', '65536', '1e3', '0x10', '10s', '5m', '2h', '1d', '256MB', '1.5GB', 'true', 'false', 'yes', 'off', 'production', 'development', 'test', 'debug', 'silent'),
  fc.constantFrom('postgres://u@h:5432/db', 'redis://127.0.0.1:6379', 'https://id.example.com/.well-known/jwks.json', 'ftp://x', 'http://', '://'),
  fc.constantFrom('acme:90,archive:0', 'acme:pro', 'pro=2,free=0.5', 'query=100/60,ingest=10', 'a:', ':1', ',,', 'acme:-1', 'x'.repeat(40)),
  fc.array(fc.constantFrom('a', ':', ',', '=', '/', '1', ' ', '-', '.'), { maxLength: 12 }).map((cs) => cs.join('')),
);

describe('random environments', () => {
  it('load, or are refused with a ConfigError naming a variable', () => {
    expect(names.length).toBeGreaterThan(40);
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...names), { maxLength: 6 }).chain((keys) => fc.tuple(...keys.map((k) => setting.map((v) => [k, v] as const)))), (pairs) => {
        const env = Object.fromEntries(pairs);
        try {
          loadConfig(env);
        } catch (err) {
          expect(err, `${String(err)} with ${JSON.stringify(env)}`).toBeInstanceOf(ConfigError);
          expect((err as Error).message).toContain((err as ConfigError).variable);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
