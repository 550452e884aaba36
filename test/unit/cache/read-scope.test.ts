import { describe, expect, it } from 'vitest';
import { collectReads, noteRead } from '../../../src/cache/read-scope.js';
import type { ReadTag } from '../../../src/cache/tags.js';

const tag = (name: string): ReadTag => ({ events: [name], metrics: [], ranges: [[0, 1]], validUntil: null });

describe('read scope', () => {
  it('collects the reads of concurrent computations separately, also after every scope ended', async () => {
    const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));
    const run = (name: string) =>
      collectReads(async () => {
        await tick();
        noteRead(tag(name));
        await tick();
        return name;
      });
    const [a, b] = await Promise.all([run('a'), run('b')]);
    expect(a.reads).toEqual([tag('a')]);
    expect(b.reads).toEqual([tag('b')]);
    // No scope is open now (the storage is disabled): a read goes nowhere.
    noteRead(tag('outside'));
    const again = await run('c');
    expect(again.reads).toEqual([tag('c')]);
  });
});
