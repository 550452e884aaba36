import { describe, expect, it } from 'vitest';
import { BufferedDestination } from '../../../src/ops/log-destination.js';

function sink(): { chunks: Buffer[]; text: () => string; write: (chunk: Buffer) => void } {
  const chunks: Buffer[] = [];
  return { chunks, text: () => Buffer.concat(chunks).toString('utf8'), write: (chunk) => void chunks.push(chunk) };
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('BufferedDestination', () => {
  it('writes the lines logged close together with one write, after at most maxDelayMs', async () => {
    const s = sink();
    const d = new BufferedDestination(s, { maxDelayMs: 20 });
    d.write('{"a":1}\n');
    d.write('{"b":"é日\ud83d\ude00"}\n');
    expect(s.chunks).toHaveLength(0);
    expect(d.pendingBytes).toBe(Buffer.byteLength('{"a":1}\n{"b":"é日\ud83d\ude00"}\n'));
    await wait(60);
    expect(s.chunks).toHaveLength(1);
    expect(s.text()).toBe('{"a":1}\n{"b":"é日\ud83d\ude00"}\n');
    expect(d.pendingBytes).toBe(0);
  });

  it('writes early when the buffer would overflow, in order, and writes an oversized line on its own', () => {
    const s = sink();
    const d = new BufferedDestination(s, { maxDelayMs: 10_000, maxBufferBytes: 64 });
    const lines = Array.from({ length: 10 }, (_, i) => `{"n":${i}}\n`);
    for (const l of lines) d.write(l);
    const big = `${'x'.repeat(100)}\n`;
    d.write(big);
    d.write('{"last":true}\n');
    d.flush();
    expect(s.text()).toBe([...lines, big, '{"last":true}\n'].join(''));
    expect(s.chunks.length).toBeGreaterThan(2);
    expect(Math.max(...s.chunks.filter((c) => !c.toString().startsWith('x')).map((c) => c.length))).toBeLessThanOrEqual(64);
  });

  it('flush() writes what waits at once and tells the callback', () => {
    const s = sink();
    const d = new BufferedDestination(s, { maxDelayMs: 10_000 });
    d.write('one\n');
    let called = false;
    d.flush(() => {
      called = true;
    });
    expect(called).toBe(true);
    expect(s.text()).toBe('one\n');
  });

  it('keeps the bytes it handed to the sink intact while it refills', () => {
    const s = sink();
    const d = new BufferedDestination(s, { maxDelayMs: 10_000 });
    d.write('first\n');
    d.flush();
    d.write('second\n');
    d.flush();
    expect(s.chunks.map((c) => c.toString())).toEqual(['first\n', 'second\n']);
  });
});
