import { describe, expect, it } from 'vitest';
import type { AppendResult, StoredEvent } from '../../../src/domain/event.js';
import { AsyncMutex } from '../../../src/store/async-mutex.js';
import type { AppendRequest } from '../../../src/store/group-commit.js';
import { GroupCommit } from '../../../src/store/group-commit.js';

const events = (n: number, event = 'e'): StoredEvent[] =>
  Array.from({ length: n }, () => ({ event, timestamp: 0, actor: null, id: null, props: {} }));

/** Records each group transaction; a group holding a request for org "bad" fails as a whole. */
function recorder() {
  const groups: string[][] = [];
  const write = async (group: readonly AppendRequest[]): Promise<AppendResult[]> => {
    groups.push(group.map((r) => r.org));
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (group.some((r) => r.org === 'bad')) throw new Error('refused');
    return group.map((r) => ({ accepted: r.events.length, duplicates: 0, written: [...r.events] }));
  };
  return { groups, write };
}

describe('GroupCommit', () => {
  it('writes a lone request at once, and the requests that arrive meanwhile together in the next transaction', async () => {
    const mutex = new AsyncMutex();
    const { groups, write } = recorder();
    const commits = new GroupCommit((fn) => mutex.run(fn), write);
    const first = commits.submit({ org: 'a', events: events(1) });
    await new Promise((resolve) => setTimeout(resolve, 1)); // the first transaction is running
    const later = ['b', 'c', 'd'].map((org) => commits.submit({ org, events: events(2) }));
    const results = await Promise.all([first, ...later]);
    expect(groups).toEqual([['a'], ['b', 'c', 'd']]);
    expect(results.map((r) => r.accepted)).toEqual([1, 2, 2, 2]);
  });

  it('retries each request of a failed group alone, so only the bad one fails', async () => {
    const mutex = new AsyncMutex();
    const { groups, write } = recorder();
    const commits = new GroupCommit((fn) => mutex.run(fn), write);
    const outcomes = await Promise.allSettled(['a', 'bad', 'c'].map((org) => commits.submit({ org, events: events(3) })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(groups).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('caps a group by events and leaves the rest for the next transaction', async () => {
    const mutex = new AsyncMutex();
    const { groups, write } = recorder();
    const commits = new GroupCommit((fn) => mutex.run(fn), write, 10);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((org) => commits.submit({ org, events: events(4) })));
    expect(groups).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('takes a single request larger than the cap on its own', async () => {
    const mutex = new AsyncMutex();
    const { groups, write } = recorder();
    const commits = new GroupCommit((fn) => mutex.run(fn), write, 10);
    await Promise.all([commits.submit({ org: 'big', events: events(25) }), commits.submit({ org: 's', events: events(1) })]);
    expect(groups).toEqual([['big'], ['s']]);
  });
});
