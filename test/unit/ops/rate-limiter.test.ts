import { describe, expect, it } from 'vitest';
import type { RateLimitConfig } from '../../../src/config/ops.js';
import { defaultOpsConfig } from '../../../src/config/ops.js';
import type { CounterFactory } from '../../../src/ops/rate-limit/counters.js';
import { counterFactory } from '../../../src/ops/rate-limit/counters.js';
import type { Caller } from '../../../src/ops/rate-limit/rate-limiter.js';
import { RateLimiter } from '../../../src/ops/rate-limit/rate-limiter.js';

function config(overrides: Partial<RateLimitConfig> = {}): RateLimitConfig {
  const base = defaultOpsConfig().rateLimits;
  return {
    ...base,
    classes: { ...base.classes, query: { org: 10, credential: 10, ip: 2, windowSeconds: 60 } },
    penalty: { ...base.penalty, strikes: 0 },
    ...overrides,
  };
}

function limiter(cfg: RateLimitConfig): RateLimiter {
  return new RateLimiter(cfg, counterFactory(null), { prefix: `t${Math.random()}` });
}

const user = (org: string, sub = 'u1'): Caller => ({ org, credential: `user:${sub}`, ip: '10.0.0.1' });

async function run(l: RateLimiter, caller: Caller, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await l.check('query', caller))?.allowed ?? true);
  return out;
}

describe('RateLimiter', () => {
  it('keeps orgs independent: org A at 10× its limit does not slow org B', async () => {
    const l = limiter(config());
    const [a, b] = await Promise.all([run(l, user('acme'), 100), run(l, user('globex'), 10)]);
    expect(a.filter(Boolean)).toHaveLength(10);
    expect(b.every(Boolean)).toBe(true);
    const next = await l.check('query', user('globex', 'someone-else'));
    expect(next).toMatchObject({ allowed: false, scope: 'org' }); // globex used its own 10, nothing of acme's
  });

  it('limits each credential within the org budget and reports the binding subject', async () => {
    const cfg = config();
    cfg.classes.query = { org: 5, credential: 3, ip: 2, windowSeconds: 60 };
    const l = limiter(cfg);
    const first = await l.check('query', user('acme', 'alice'));
    expect(first).toMatchObject({ allowed: true, limit: 3, remaining: 2, scope: 'credential' });
    expect(await run(l, user('acme', 'alice'), 3)).toEqual([true, true, false]);
    expect(await run(l, user('acme', 'bob'), 3)).toEqual([true, true, false]);
    const refused = await l.check('query', user('acme', 'carol'));
    expect(refused).toMatchObject({ allowed: false, scope: 'org', limit: 5, remaining: 0, reason: 'limit' });
    expect(refused?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('multiplies org and credential limits by the org tier', async () => {
    const l = limiter(config({ tiers: { standard: 1, pro: 2.5 }, orgTiers: { acme: 'pro' } }));
    expect((await run(l, user('acme'), 30)).filter(Boolean)).toHaveLength(25);
    expect((await run(l, user('globex'), 30)).filter(Boolean)).toHaveLength(10);
  });

  it('keys unauthenticated requests by IP', async () => {
    const l = limiter(config());
    const anon = (ip: string): Caller => ({ org: null, credential: null, ip });
    expect(await run(l, anon('1.1.1.1'), 3)).toEqual([true, true, false]);
    expect(await run(l, anon('2.2.2.2'), 2)).toEqual([true, true]);
  });

  it('escalates penalties for repeated abuse and lets them expire', async () => {
    const cfg = config({ penalty: { strikes: 2, blockSeconds: 1, maxBlockSeconds: 8, windowSeconds: 60 } });
    cfg.classes.query = { org: 1, credential: 0, ip: 0, windowSeconds: 1 };
    const l = limiter(cfg);
    const c = user('acme');
    expect((await l.check('query', c))?.allowed).toBe(true);
    expect(await l.check('query', c)).toMatchObject({ allowed: false, reason: 'limit' });
    expect(await l.check('query', c)).toMatchObject({ allowed: false, reason: 'penalty' });
    // While blocked, Retry-After is what is left of the block: the first one lasts 1 s.
    expect(await l.check('query', c)).toMatchObject({ allowed: false, reason: 'penalty', retryAfterSeconds: 1 });

    await new Promise((r) => setTimeout(r, 1_100));
    // The block is over; two more refusals earn the next block, twice as long.
    let second = await l.check('query', c);
    for (let i = 0; i < 5 && second?.reason !== 'penalty'; i++) second = await l.check('query', c);
    expect(second).toMatchObject({ allowed: false, reason: 'penalty' });
    expect(await l.check('query', c)).toMatchObject({ allowed: false, reason: 'penalty', retryAfterSeconds: 2 });

    await new Promise((r) => setTimeout(r, 2_100));
    const after = await l.check('query', c);
    expect(after?.reason).not.toBe('penalty');
  });

  it('does nothing when disabled or when a class has no limits', async () => {
    expect(await limiter(config({ enabled: false })).check('query', user('acme'))).toBeNull();
    const cfg = config();
    cfg.classes.export = { org: 0, credential: 0, ip: 0, windowSeconds: 60 };
    expect(await limiter(cfg).check('export', user('acme'))).toBeNull();
  });
});

/** Memory counters that record which operations reach them. */
function countingFactory(ops: string[]): CounterFactory {
  return (options) => {
    const counters = counterFactory(null)(options);
    for (const op of ['consume', 'get', 'reward'] as const) {
      const original = counters[op].bind(counters) as (...args: unknown[]) => unknown;
      (counters as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
        ops.push(op);
        return original(...args);
      };
    }
    return counters;
  };
}

describe('RateLimiter: the checks of one event-loop turn', () => {
  it('counts them with one operation per subject and decides them in arrival order', async () => {
    const ops: string[] = [];
    const cfg = config();
    cfg.classes.query = { org: 9, credential: 7, ip: 0, windowSeconds: 60 };
    const l = new RateLimiter(cfg, countingFactory(ops), { prefix: `t${Math.random()}` });
    const alice = await Promise.all(Array.from({ length: 10 }, () => l.check('query', user('acme', 'alice'))));
    // One consume per subject (org, credential) for all ten, plus the previous windows' reads.
    expect(ops.filter((op) => op === 'consume')).toHaveLength(2);
    // The credential allows 7: the first seven, each seeing those before it counted.
    expect(alice.map((d) => d?.allowed)).toEqual([true, true, true, true, true, true, true, false, false, false]);
    expect(alice.slice(0, 7).map((d) => d?.remaining)).toEqual([6, 5, 4, 3, 2, 1, 0]);
    expect(alice[7]).toMatchObject({ reason: 'limit', scope: 'credential', refusedBy: ['credential'] });
    // The three refused spent nothing: the org has 7 of its 9 used, so bob gets two.
    expect(await run(l, user('acme', 'bob'), 3)).toEqual([true, true, false]);
  });

  it('settles refusals one after another: a block earned by one refuses the next without a new strike', async () => {
    const cfg = config({ penalty: { strikes: 1, blockSeconds: 1, maxBlockSeconds: 8, windowSeconds: 60 } });
    cfg.classes.query = { org: 1, credential: 0, ip: 0, windowSeconds: 60 };
    const l = limiter(cfg);
    const c = user('acme');
    const turn = await Promise.all(Array.from({ length: 4 }, () => l.check('query', c)));
    expect(turn.map((d) => [d?.allowed, d?.reason])).toEqual([
      [true, 'ok'],
      [false, 'penalty'],
      [false, 'penalty'],
      [false, 'penalty'],
    ]);
    // The later ones were refused by the block (1 s), not by a block of their own.
    expect(turn.slice(2).map((d) => d?.retryAfterSeconds)).toEqual([1, 1]);
    await new Promise((r) => setTimeout(r, 1_100));
    // The block is over, the window still full: this refusal is the second strike…
    expect(await l.check('query', c)).toMatchObject({ allowed: false, reason: 'penalty' });
    // …so the block it earned is the second (2 s), not the fourth (8 s).
    expect(await l.check('query', c)).toMatchObject({ allowed: false, reason: 'penalty', retryAfterSeconds: 2 });
  });
});
