/**
 * Dense actor keys (src/store/duckdb/actor-keys.ts): numbered per org from 1 in order of first
 * appearance, stored beside each event, stable across reopen and cache eviction, and never
 * handed out by an append that failed. Expected keys are worked out here from the order in which
 * the test sends actors.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { MIGRATIONS, applyMigrations } from '../../src/store/duckdb/schema-migrations.js';
import { storeCatalog } from '../fixtures/store-catalog.js';

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const CATALOG = storeCatalog({ amount: 'number' });

function ev(actor: string | null, minute = 0, props: StoredEvent['props'] = {}): StoredEvent {
  return { event: 'thing.done', timestamp: T0 + minute * 60_000, actor, id: null, props };
}

/** actor → key as the events table holds them for `org`; every event of an actor must agree. */
async function eventKeys(store: DuckDbStore, org: string): Promise<Map<string | null, number | null>> {
  const rows = await store.query('SELECT DISTINCT actor, actor_id FROM events WHERE org_id = $1', [org]);
  const keys = new Map<string | null, number | null>();
  for (const r of rows) {
    const actor = r['actor'] as string | null;
    expect(keys.has(actor), `actor ${String(actor)} has more than one key`).toBe(false);
    keys.set(actor, r['actor_id'] === null ? null : Number(r['actor_id']));
  }
  return keys;
}

async function dictionary(store: DuckDbStore, org: string): Promise<Map<string, number>> {
  const rows = await store.query('SELECT actor, actor_id FROM actors WHERE org_id = $1 ORDER BY actor_id', [org]);
  return new Map(rows.map((r) => [String(r['actor']), Number(r['actor_id'])]));
}

/** The keys first appearance gives: 1, 2, 3 … in the order actors are first sent. */
function firstAppearance(actors: ReadonlyArray<string | null>): Map<string, number> {
  const keys = new Map<string, number>();
  for (const a of actors) if (a !== null && !keys.has(a)) keys.set(a, keys.size + 1);
  return keys;
}

describe('DuckDB actor keys', () => {
  let dir: string;
  let path: string;
  let store: DuckDbStore | null = null;

  async function open(options: { actorKeyCacheEntries?: number } = {}): Promise<DuckDbStore> {
    await store?.close();
    store = await DuckDbStore.open({ path, ...options });
    await store.migrate(CATALOG);
    return store;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tally-actor-keys-'));
    path = join(dir, 'tally.duckdb');
  });

  afterEach(async () => {
    await store?.close();
    store = null;
    await rm(dir, { recursive: true, force: true });
  });

  it('numbers each org\'s actors from 1 in order of first appearance, across batches and concurrent appends', async () => {
    const s = await open();
    const a1 = ['u_c', 'u_a', 'u_c', null, 'u_b'];
    const a2 = ['u_a', 'u_d', 'u_e', 'u_d'];
    await s.append('org_a', a1.map((a, i) => ev(a, i)));
    await s.append('org_a', a2.map((a, i) => ev(a, 10 + i)));
    // The same names in another org are other actors with their own numbering.
    const b = ['u_e', 'u_a'];
    await Promise.all([s.append('org_b', b.map((a, i) => ev(a, i))), s.append('org_a', [ev('u_f', 20)])]);

    const expectedA = firstAppearance([...a1, ...a2, 'u_f']);
    expect(await dictionary(s, 'org_a')).toEqual(expectedA);
    expect(await dictionary(s, 'org_b')).toEqual(firstAppearance(b));
    expect(await eventKeys(s, 'org_a')).toEqual(new Map<string | null, number | null>([...expectedA, [null, null]]));
    expect(s.largestActorKey()).toBe(expectedA.size);
  });

  it('keeps keys across reopen and goes on numbering after the largest', async () => {
    const s1 = await open();
    await s1.append('org_a', [ev('u_1'), ev('u_2'), ev('u_3')]);
    const s2 = await open();
    expect(s2.largestActorKey()).toBe(3);
    await s2.append('org_a', [ev('u_2', 1), ev('u_4', 1)]);
    expect(await dictionary(s2, 'org_a')).toEqual(firstAppearance(['u_1', 'u_2', 'u_3', 'u_4']));
    expect((await eventKeys(s2, 'org_a')).get('u_2')).toBe(2);
  });

  it('a failed append hands out no key: the next one numbers as if it never happened', async () => {
    const s = await open();
    await s.append('org_a', [ev('u_1')]);
    // A value of the wrong type fails the whole request after its new actors were keyed.
    await expect(s.append('org_a', [ev('u_new'), ev('u_bad', 1, { amount: 'not a number' })])).rejects.toThrow(/amount/);
    expect(await dictionary(s, 'org_a')).toEqual(new Map([['u_1', 1]]));
    await s.append('org_a', [ev('u_bad', 2), ev('u_new', 3)]);
    expect(await dictionary(s, 'org_a')).toEqual(firstAppearance(['u_1', 'u_bad', 'u_new']));
    expect(await eventKeys(s, 'org_a')).toEqual(new Map([['u_1', 1], ['u_bad', 2], ['u_new', 3]]));
  });

  it('stays consistent when the key cache is far smaller than the actors (misses are looked up)', async () => {
    const s = await open({ actorKeyCacheEntries: 4 });
    const sent: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      // Each batch repeats actors of earlier batches (evicted by now) and brings new ones.
      const actors = Array.from({ length: 8 }, (_, i) => `u_${(batch * 5 + i * 3) % 23}`);
      sent.push(...actors);
      await s.append('org_a', actors.map((a, i) => ev(a, batch * 10 + i)));
    }
    await s.append('org_b', [ev('u_0'), ev('u_1')]);
    const expected = firstAppearance(sent);
    expect(await dictionary(s, 'org_a')).toEqual(expected);
    expect(await eventKeys(s, 'org_a')).toEqual(expected);
    expect(await dictionary(s, 'org_b')).toEqual(firstAppearance(['u_0', 'u_1']));
  });

  it('an erased actor leaves the dictionary; coming back, it is a new actor with the next key', async () => {
    for (const cache of [undefined, 2]) {
      const s = await open(cache === undefined ? {} : { actorKeyCacheEntries: cache });
      const org = `erase-${String(cache)}`;
      await s.append(org, [ev('u_1'), ev('u_2'), ev('u_3'), ev('u_2', 1)]);
      expect((await s.eraseActor(org, 'u_2')).events).toBe(2);
      expect(await dictionary(s, org)).toEqual(new Map([['u_1', 1], ['u_3', 3]]));
      await s.append(org, [ev('u_2', 2), ev('u_4', 2)]);
      expect(await dictionary(s, org)).toEqual(new Map([['u_1', 1], ['u_3', 3], ['u_2', 4], ['u_4', 5]]));
      expect(await eventKeys(s, org)).toEqual(new Map([['u_1', 1], ['u_3', 3], ['u_2', 4], ['u_4', 5]]));
      // Reopened, the numbering goes on after the largest key (the erased key 2 is not reused).
      const again = await open();
      await again.append(org, [ev('u_5', 3)]);
      expect((await dictionary(again, org)).get('u_5')).toBe(6);
    }
  });

  it('expiring events drops the actors left without events; a returning one gets the next key', async () => {
    const s = await open();
    await s.append('org_a', [ev('u_old', -3 * 24 * 60), ev('u_both', -3 * 24 * 60), ev('u_both'), ev('u_new')]);
    const cutoff = T0 - 86_400_000;
    expect(await s.expireEvents(cutoff, () => cutoff)).toEqual([{ org: 'org_a', before: cutoff, events: 2 }]);
    expect(await dictionary(s, 'org_a')).toEqual(new Map([['u_both', 2], ['u_new', 3]]));
    await s.append('org_a', [ev('u_old', 1)]);
    expect((await dictionary(s, 'org_a')).get('u_old')).toBe(4);
    expect(await eventKeys(s, 'org_a')).toEqual(new Map([['u_both', 2], ['u_new', 3], ['u_old', 4]]));
  });

  it('migration 5 keys the events a file already holds, per org by first appearance', async () => {
    const instance = await DuckDBInstance.create(path);
    const conn = await instance.connect();
    try {
      await applyMigrations(conn, MIGRATIONS.filter((m) => m.version < 5));
      const rows: Array<[string, number, string | null]> = [
        ['org_a', 5, 'u_late'], ['org_a', 1, 'u_early'], ['org_a', 3, null], ['org_b', 2, 'u_late'], ['org_a', 7, 'u_early'],
      ];
      for (const [org, minute, actor] of rows) {
        await conn.run(
          "INSERT INTO events (org_id, ts, event, actor, id, received_at) VALUES ($1, epoch_ms($2::BIGINT), 'thing.done', $3, NULL, epoch_ms($2::BIGINT))",
          [org, T0 + minute * 60_000, actor],
        );
      }
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    const s = await open();
    expect(await eventKeys(s, 'org_a')).toEqual(new Map<string | null, number | null>([['u_early', 1], ['u_late', 2], [null, null]]));
    expect(await eventKeys(s, 'org_b')).toEqual(new Map([['u_late', 1]]));
    await s.append('org_a', [ev('u_next', 9)]);
    expect(await dictionary(s, 'org_a')).toEqual(new Map([['u_early', 1], ['u_late', 2], ['u_next', 3]]));
  });
});
