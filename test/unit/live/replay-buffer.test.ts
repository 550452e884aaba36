import { describe, expect, it } from 'vitest';
import type { LiveEntry } from '../../../src/live/replay-buffer.js';
import { ReplayBuffer } from '../../../src/live/replay-buffer.js';

const entry = (seq: number): LiveEntry => ({ seq, type: 'event', name: 'e', json: `{"n":${seq}}` });
const seqs = (es: LiveEntry[]) => es.map((e) => e.seq);

describe('ReplayBuffer', () => {
  it('replays what follows the last id, and nothing when up to date', () => {
    const b = new ReplayBuffer(10);
    b.push('o', [1, 2, 3, 4].map(entry));
    expect(b.since('o', 2)).toEqual({ entries: [entry(3), entry(4)], missed: 0 });
    expect(b.since('o', 4)).toEqual({ entries: [], missed: 0 });
    expect(b.since('o', 0)).toEqual({ entries: [1, 2, 3, 4].map(entry), missed: 0 });
  });

  it('keeps the newest N per org and counts what fell out', () => {
    const b = new ReplayBuffer(3);
    b.push('o', [1, 2, 3, 4, 5, 6].map(entry));
    const r = b.since('o', 1);
    expect(seqs(r.entries)).toEqual([4, 5, 6]);
    expect(r.missed).toBe(2);
    expect(b.since('o', 3).missed).toBe(0);
  });

  it('reports an unknown gap when ids restarted or the org was never seen', () => {
    const b = new ReplayBuffer(3);
    b.push('o', [1, 2].map(entry));
    expect(b.since('o', 50)).toEqual({ entries: [entry(1), entry(2)], missed: null });
    expect(b.since('never', 7)).toEqual({ entries: [], missed: null });
    expect(b.since('never', 0)).toEqual({ entries: [], missed: 0 });
  });

  it('keeps orgs apart and forgets the least recently written beyond maxOrgs', () => {
    const b = new ReplayBuffer(5, 2);
    b.push('a', [entry(1)]);
    b.push('b', [entry(1)]);
    b.push('a', [entry(2)]);
    b.push('c', [entry(1)]);
    expect(seqs(b.since('a', 0).entries)).toEqual([1, 2]);
    expect(b.since('b', 0).entries).toEqual([]);
    expect(seqs(b.since('c', 0).entries)).toEqual([1]);
  });

  it("forgets an erased actor's events without reporting them as missed", () => {
    const b = new ReplayBuffer(4);
    const of = (seq: number, actor: string | null): LiveEntry => ({ ...entry(seq), actor });
    const alert: LiveEntry = { seq: 3, type: 'alert', name: 'burst', json: '{}' };
    b.push('o', [of(1, 'gone'), of(2, 'kept'), alert, of(4, 'gone')]);
    b.push('p', [of(1, 'gone')]);
    b.forget('o', 'gone');
    expect(b.since('o', 0)).toEqual({ entries: [of(2, 'kept'), alert], missed: 0 });
    expect(b.since('o', 2)).toEqual({ entries: [alert], missed: 0 });
    // Other orgs keep their actor of the same name.
    expect(seqs(b.since('p', 0).entries)).toEqual([1]);
    // The ring goes on: freed room is used before anything is pushed out, then the oldest goes.
    b.push('o', [5, 6].map((n) => of(n, 'kept')));
    expect(b.since('o', 0)).toEqual({ entries: [of(2, 'kept'), alert, of(5, 'kept'), of(6, 'kept')], missed: 0 });
    b.push('o', [of(7, 'kept')]);
    expect(b.since('o', 0)).toEqual({ entries: [alert, of(5, 'kept'), of(6, 'kept'), of(7, 'kept')], missed: 2 });
  });

  it('forgets events from before an expiry instant, keeping alerts and later events, without reporting them as missed', () => {
    const b = new ReplayBuffer(5);
    const at = (seq: number, timestamp: number): LiveEntry => ({ ...entry(seq), timestamp });
    const alert: LiveEntry = { seq: 3, type: 'alert', name: 'burst', json: '{}' };
    b.push('o', [at(1, 100), at(2, 500), alert, at(4, 199), at(5, 200)]);
    b.push('p', [at(1, 100)]);
    b.forgetBefore('o', 200);
    expect(b.since('o', 0)).toEqual({ entries: [at(2, 500), alert, at(5, 200)], missed: 0 });
    expect(seqs(b.since('p', 0).entries)).toEqual([1]);
  });

  it('with size 0 keeps nothing but still knows the latest id', () => {
    const b = new ReplayBuffer(0);
    b.push('o', [1, 2, 3].map(entry));
    expect(b.since('o', 3)).toEqual({ entries: [], missed: 0 });
    expect(b.since('o', 1)).toEqual({ entries: [], missed: 2 });
  });
});
