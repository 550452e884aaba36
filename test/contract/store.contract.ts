/**
 * The Store contract: every adapter (DuckDB, PostgreSQL) runs this same suite. SQL here sticks to
 * what both dialects share, except reading an undeclared prop from `extra` (see extraProp).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import type { Store } from '../../src/store/port.js';
import { CONTRACT_PROPS, storeCatalog } from '../fixtures/store-catalog.js';

const ORG = 'org_a';
const OTHER_ORG = 'org_b';
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

function ev(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return { event: 'payment.completed', timestamp: T0, actor: 'u_1', id: null, props: {}, ...overrides };
}

function numbered(count: number, idPrefix: string | null, start = 0): StoredEvent[] {
  return Array.from({ length: count }, (_, i) =>
    ev({ id: idPrefix === null ? null : `${idPrefix}${start + i}`, timestamp: T0 + start + i, props: { amount: start + i } }),
  );
}

/** The one dialect-specific bit: text of an undeclared prop. */
function extraProp(store: Store, name: string): string {
  return store.dialect === 'duckdb' ? `json_extract_string(extra, '$."${name}"')` : `extra->>'${name}'`;
}

/** A statement that runs for many seconds unless cancelled; its one parameter is bound. */
function slowQuery(store: Store): { sql: string; params: [number] } {
  return store.dialect === 'duckdb'
    ? { sql: 'SELECT count(*) AS n FROM range(100000000) a, range(100000) b WHERE a.range + b.range = $1', params: [7] }
    : { sql: 'SELECT pg_sleep($1) AS n', params: [30] };
}

async function count(store: Store, org = ORG): Promise<number> {
  const rows = await store.query('SELECT count(*) AS n FROM events WHERE org_id = $1', [org]);
  return rows[0]?.['n'] as number;
}

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await open();
      await store.migrate(storeCatalog(CONTRACT_PROPS));
    });

    afterEach(async () => {
      await store.close();
    });

    it('migrate creates a typed column per declared prop', async () => {
      const rows = await store.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'events' ORDER BY column_name`,
        [],
      );
      const columns = rows.map((r) => r['column_name']);
      expect(columns).toEqual(expect.arrayContaining(['p_amount', 'p_plan', 'p_premium', 'p_paid_at', 'extra', 'ts']));
      await store.migrate(storeCatalog(CONTRACT_PROPS)); // again: a no-op
    });

    it('round-trips every prop type and keeps undeclared props in extra', async () => {
      const before = Date.now();
      const paidAt = Date.UTC(2026, 10, 19, 8, 30, 0);
      const result = await store.append(ORG, [
        ev({ id: 'e1', props: { amount: 42.5, plan: 'pro', premium: true, paid_at: paidAt, coupon: 'VIP', n: 3 } }),
        ev({ id: 'e2', event: 'page.viewed', actor: null, timestamp: T0 + 1, props: { paid_at: '2026-11-19T10:30:00+02:00' } }),
        ev({ id: null, timestamp: T0 + 2, props: { amount: null, premium: false } }),
      ]);
      expect(result.accepted).toBe(3);
      expect(result.duplicates).toBe(0);
      expect(result.written.map((e) => e.id)).toEqual(['e1', 'e2', null]);

      const rows = await store.query(
        `SELECT ts, event, actor, id, received_at, p_amount, p_plan, p_premium, p_paid_at, extra,
                ${extraProp(store, 'coupon')} AS coupon, ${extraProp(store, 'n')} AS n
         FROM events WHERE org_id = $1 ORDER BY ts`,
        [ORG],
      );
      expect(rows).toHaveLength(3);
      const [a, b, c] = rows;
      expect(a).toMatchObject({ ts: T0, event: 'payment.completed', actor: 'u_1', id: 'e1' });
      expect(a).toMatchObject({ p_amount: 42.5, p_plan: 'pro', p_premium: true, p_paid_at: paidAt, coupon: 'VIP', n: '3' });
      expect(JSON.parse(String(a?.['extra']))).toEqual({ coupon: 'VIP', n: 3 });
      expect(a?.['received_at']).toBeGreaterThanOrEqual(before);
      expect(a?.['received_at']).toBeLessThanOrEqual(Date.now());
      expect(b).toMatchObject({ actor: null, p_paid_at: paidAt, p_amount: null, extra: null });
      expect(c).toMatchObject({ id: null, p_amount: null, p_premium: false, extra: null });
    });

    it('converts result values to plain JS and binds every param type', async () => {
      await store.append(ORG, numbered(10, 'n'));
      const [row] = await store.query(
        // A parameter alone in the select list has no type to infer from on PostgreSQL (it would
        // read as text), so the statement says which type it binds.
        `SELECT count(*) AS n, sum(p_amount) AS total, min(ts) AS first, $2::BIGINT AS big,
                $3::BOOLEAN AS flag, $4 AS nothing, $5 AS text
         FROM events WHERE org_id = $1`,
        [ORG, 9_007_199_254, true, null, 'hello'],
      );
      expect(row).toEqual({ n: 10, total: 45, first: T0, big: 9_007_199_254, flag: true, nothing: null, text: 'hello' });
      const limited = await store.query('SELECT id FROM events WHERE org_id = $1 ORDER BY ts LIMIT $2', [ORG, 3]);
      expect(limited.map((r) => r['id'])).toEqual(['n0', 'n1', 'n2']);
      // Integer-valued numbers past ±2^53 (past int64 too) compare as the doubles they are.
      const huge = await store.query('SELECT count(*) AS n FROM events WHERE org_id = $1 AND p_amount < $2 AND p_amount > $3', [ORG, 1e19, -(2 ** 63)]);
      expect(huge).toEqual([{ n: 10 }]);
      await store.execute('SELECT $1 < p_amount FROM events WHERE org_id = $2', [9_223_372_036_854_775_808, ORG]);
    });

    it('stores a repeated id once, across requests and within one request', async () => {
      expect(await store.append(ORG, [ev({ id: 'a' }), ev({ id: 'b' })])).toMatchObject({ accepted: 2, duplicates: 0 });
      const second = await store.append(ORG, [ev({ id: 'a' }), ev({ id: 'c' })]);
      expect(second).toMatchObject({ accepted: 1, duplicates: 1 });
      expect(second.written.map((e) => e.id)).toEqual(['c']);
      const within = await store.append(ORG, [
        ev({ id: 'd', props: { plan: 'first' } }),
        ev({ id: 'd', props: { plan: 'second' } }),
        ev({ id: 'c' }),
      ]);
      expect(within).toMatchObject({ accepted: 1, duplicates: 2 });
      const [d] = await store.query('SELECT p_plan FROM events WHERE org_id = $1 AND id = $2', [ORG, 'd']);
      expect(d?.['p_plan']).toBe('first');
      // Events without an id are never deduplicated.
      expect(await store.append(ORG, [ev(), ev()])).toMatchObject({ accepted: 2, duplicates: 0 });
      expect(await count(store)).toBe(6);
    });

    it('deduplicates concurrent appends that share ids', async () => {
      const batches = Array.from({ length: 8 }, (_, i) => numbered(100, 'c', i * 50));
      const results = await Promise.all(batches.map((b) => store.append(ORG, b)));
      const accepted = results.reduce((n, r) => n + r.accepted, 0);
      expect(accepted).toBe(450);
      expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(800 - 450);
      expect(await count(store)).toBe(450);
      // Arrival order decides: the first batch keeps all its ids, every later one its new half.
      expect(results.map((r) => r.accepted)).toEqual([100, 50, 50, 50, 50, 50, 50, 50]);
    });

    it('fails only the bad request among concurrent ones, and keeps the others whole', async () => {
      const good = [numbered(200, 'x', 0), numbered(200, 'y', 0), numbered(200, 'z', 0)];
      const bad = numbered(200, 'w');
      bad[100] = { ...bad[100]!, props: { amount: 'lots' } } as unknown as StoredEvent;
      const outcomes = await Promise.allSettled([
        store.append(ORG, good[0]!),
        store.append(OTHER_ORG, good[1]!),
        store.append(ORG, bad),
        store.append(ORG, good[2]!),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(await count(store, ORG)).toBe(400);
      expect(await count(store, OTHER_ORG)).toBe(200);
      // None of the bad request's ids were kept: resent without the bad event, all are new.
      const fixed = bad.filter((_, i) => i !== 100);
      expect(await store.append(ORG, fixed)).toMatchObject({ accepted: 199, duplicates: 0 });
    });

    it('writes nothing from a batch that fails part-way (wrong prop type)', async () => {
      const batch = numbered(500, 'f');
      const bad = { ...batch[250]!, props: { amount: 'lots' } } as unknown as StoredEvent;
      await expect(store.append(ORG, [...batch.slice(0, 250), bad, ...batch.slice(251)])).rejects.toThrow(/amount/);
      expect(await count(store)).toBe(0);
      // The ids were rolled back too: the same events are new, not duplicates.
      expect(await store.append(ORG, batch)).toMatchObject({ accepted: 500, duplicates: 0 });
    });

    it('writes nothing from a batch the database refuses (NOT NULL)', async () => {
      await store.append(ORG, [ev({ id: 'keep' })]);
      const batch = numbered(300, 'g');
      batch[299] = { ...batch[299]!, event: null as unknown as string };
      await expect(store.append(ORG, batch)).rejects.toThrow();
      expect(await count(store)).toBe(1);
      expect(await store.append(ORG, batch.slice(0, 299))).toMatchObject({ accepted: 299, duplicates: 0 });
    });

    it('erases one actor of one org: events, their ids, nothing of anyone else', async () => {
      await store.append(ORG, [
        ev({ id: 'e1', actor: 'gone', timestamp: T0 + 5 }),
        ev({ id: 'e2', actor: 'gone', event: 'signup.completed', timestamp: T0 - 7 }),
        ev({ actor: 'gone', timestamp: T0 + 9 }),
        ev({ id: 'k1', actor: 'kept' }),
      ]);
      await store.append(OTHER_ORG, [ev({ id: 'e1', actor: 'gone' })]);
      expect(await store.eraseActor(ORG, 'gone')).toEqual({ events: 3, eventNames: ['payment.completed', 'signup.completed'], minTime: T0 - 7, maxTime: T0 + 9 });
      const left = await store.query('SELECT org_id, actor, id FROM events ORDER BY org_id, actor', []);
      expect(left).toEqual([
        { org_id: ORG, actor: 'kept', id: 'k1' },
        { org_id: OTHER_ORG, actor: 'gone', id: 'e1' },
      ]);
      // The erased ids are free again (what comes back later is new data); the others still dedupe.
      expect(await store.append(ORG, [ev({ id: 'e1', actor: 'gone' }), ev({ id: 'k1', actor: 'kept' })])).toMatchObject({ accepted: 1, duplicates: 1 });
      expect(await store.append(OTHER_ORG, [ev({ id: 'e1', actor: 'gone' })])).toMatchObject({ accepted: 0, duplicates: 1 });
      // Nothing to erase is not an error.
      expect(await store.eraseActor(ORG, 'never-seen')).toEqual({ events: 0, eventNames: [], minTime: null, maxTime: null });
    });

    it('erases an actor whose events are being appended meanwhile, keeping what came after', async () => {
      await store.append(ORG, numbered(50, 'x').map((e) => ({ ...e, actor: 'busy' })));
      const [later, erased] = await Promise.all([store.append(ORG, numbered(10, 'y').map((e) => ({ ...e, actor: 'busy' }))), store.eraseActor(ORG, 'busy')]);
      // Serialized with appends: either the later batch was erased too, or it was kept whole.
      expect(later.accepted).toBe(10);
      expect([50, 60]).toContain(erased.events);
      expect(await count(store)).toBe(60 - erased.events);
    });

    it('expires events before each org\'s cutoff, with their ids; an org without one keeps everything', async () => {
      const DAY = 86_400_000;
      const old = [ev({ id: 'o1', actor: 'only_old', timestamp: T0 - 10 * DAY }), ev({ actor: 'both', timestamp: T0 - 3 * DAY })];
      const recent = [ev({ id: 'r1', actor: 'both', timestamp: T0 - DAY }), ev({ actor: 'new', timestamp: T0 })];
      await store.append(ORG, [...old, ...recent]);
      await store.append(OTHER_ORG, old);
      const cutoff = T0 - 2 * DAY;
      const beforeFor = (org: string): number | null => (org === ORG ? cutoff : null);
      expect(await store.expireEvents(cutoff, beforeFor)).toEqual([{ org: ORG, before: cutoff, events: 2 }]);
      const left = await store.query('SELECT org_id, actor FROM events ORDER BY org_id, actor', []);
      expect(left).toEqual([
        { org_id: ORG, actor: 'both' },
        { org_id: ORG, actor: 'new' },
        { org_id: OTHER_ORG, actor: 'both' },
        { org_id: OTHER_ORG, actor: 'only_old' },
      ]);
      // The expired id is free again; a kept one still dedupes; nothing left to expire.
      expect(await store.append(ORG, [ev({ id: 'o1', timestamp: T0 }), ev({ id: 'r1' })])).toMatchObject({ accepted: 1, duplicates: 1 });
      expect(await store.expireEvents(cutoff, beforeFor)).toEqual([]);
    });

    it('keeps event ids per org', async () => {
      expect(await store.append(ORG, [ev({ id: 'same' })])).toMatchObject({ accepted: 1 });
      expect(await store.append(OTHER_ORG, [ev({ id: 'same' })])).toMatchObject({ accepted: 1, duplicates: 0 });
      expect(await count(store, ORG)).toBe(1);
      expect(await count(store, OTHER_ORG)).toBe(1);
    });

    it('stores a quote-laden value literally and matches it only through a bound param', async () => {
      const nasty = "x' OR 1=1 --";
      await store.append(ORG, [ev({ props: { plan: nasty, note: nasty } }), ev({ props: { plan: 'basic' } })]);
      const rows = await store.query(
        `SELECT p_plan, ${extraProp(store, 'note')} AS note FROM events WHERE org_id = $1 AND p_plan = $2`,
        [ORG, nasty],
      );
      expect(rows).toEqual([{ p_plan: nasty, note: nasty }]);
    });

    it('streams all rows in chunks of the requested size', async () => {
      await store.append(ORG, numbered(5000, null));
      const sizes: number[] = [];
      let last = -1;
      for await (const chunk of store.stream('SELECT ts, p_amount FROM events WHERE org_id = $1 ORDER BY ts', [ORG], {
        chunkRows: 1000,
      })) {
        sizes.push(chunk.length);
        for (const row of chunk) {
          expect(row['p_amount']).toBe(last + 1);
          last = row['p_amount'] as number;
        }
      }
      expect(sizes).toEqual([1000, 1000, 1000, 1000, 1000]);
    });

    it('stops a stream when the consumer breaks or the signal aborts', async () => {
      await store.append(ORG, numbered(20_000, null));
      const sql = 'SELECT ts FROM events WHERE org_id = $1 ORDER BY ts';
      let seen = 0;
      for await (const chunk of store.stream(sql, [ORG], { chunkRows: 100 })) {
        seen += chunk.length;
        break;
      }
      expect(seen).toBe(100);

      const controller = new AbortController();
      const reading = (async () => {
        let rows = 0;
        for await (const chunk of store.stream(sql, [ORG], { chunkRows: 100, signal: controller.signal })) {
          rows += chunk.length;
          controller.abort(new Error('client went away'));
        }
        return rows;
      })();
      await expect(reading).rejects.toThrow('client went away');
      expect(await count(store)).toBe(20_000);
    });

    it('fails a stream cut off by close() instead of ending it early', async () => {
      const sql = 'SELECT x FROM generate_series(1, 200000) AS t(x)';
      let rows = 0;
      const reading = (async () => {
        for await (const chunk of store.stream(sql, [], { chunkRows: 10 })) {
          rows += chunk.length;
          if (rows === 10) await store.close();
        }
      })();
      await expect(reading).rejects.toThrow(/closed/);
      expect(rows).toBeLessThan(200_000);
    });

    it('cancels a running query when its signal aborts, and keeps serving', async () => {
      await store.append(ORG, numbered(3, 'c'));
      const slow = slowQuery(store);
      const started = performance.now();
      const cut = store.query(slow.sql, slow.params, { signal: AbortSignal.timeout(150) });
      await expect(cut).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(performance.now() - started).toBeLessThan(5_000);
      // Every pooled connection still answers (none is left interrupted or busy).
      const counts = await Promise.all(Array.from({ length: 6 }, () => count(store)));
      expect(counts).toEqual([3, 3, 3, 3, 3, 3]);
      const already = new AbortController();
      already.abort(new Error('gone'));
      await expect(store.query('SELECT 1 AS one', [], { signal: already.signal })).rejects.toThrow('gone');
      // A signal that never fires changes nothing.
      expect(await store.query('SELECT 1 AS one', [], { signal: new AbortController().signal })).toEqual([{ one: 1 }]);
    });

    it('reports query errors with context and keeps working', async () => {
      await expect(store.query('SELECT no_such_column FROM events', [])).rejects.toThrow(/no_such_column/);
      await expect(store.execute('INSERT INTO no_such_table VALUES (1)', [])).rejects.toThrow(/no_such_table/);
      await store.ping();
    });

    it('runs statements through execute', async () => {
      await store.execute(
        `INSERT INTO ingest_keys (id, org_id, prefix, hash, name, created_at) VALUES ($1, $2, $3, $4, $5, $6::TIMESTAMP)`,
        ['k1', ORG, 'tk_abc', 'hash1', null, '2026-11-20T10:00:00Z'],
      );
      const rows = await store.query('SELECT id, name, created_at, revoked_at FROM ingest_keys WHERE org_id = $1', [ORG]);
      expect(rows).toEqual([{ id: 'k1', name: null, created_at: T0, revoked_at: null }]);
    });

    it('pings, and closes idempotently', async () => {
      await store.ping();
      await store.close();
      await store.close();
      await expect(store.query('SELECT 1', [])).rejects.toThrow(/closed/);
      await expect(store.append(ORG, [ev()])).rejects.toThrow(/closed/);
    });
  });
}
