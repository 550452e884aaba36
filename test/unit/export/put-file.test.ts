import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putFile } from '../../../src/export/sink.js';

/**
 * A destination that keeps each chunk it was handed and copies it only later, when it "flushes":
 * a buffer read into again before the write called back would corrupt what it receives.
 */
class LazySink extends Writable {
  readonly received: Buffer[] = [];
  readonly backing = new Set<ArrayBufferLike>();

  constructor(highWaterMark: number) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.backing.add(chunk.buffer);
    setTimeout(() => {
      this.received.push(Buffer.from(chunk));
      callback();
    }, 1);
  }
}

describe('putFile', () => {
  let dir: string;
  let file: string;
  let content: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tally-put-file-'));
    file = join(dir, 'part.csv');
    // Several times the pool (4 × 256 KiB), and not a multiple of a buffer.
    content = randomBytes(5 * 1024 * 1024 + 12_345);
    await writeFile(file, content);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['a small buffer (every write waits for drain)', 16 * 1024],
    ['a buffer larger than the file (writes never ask to wait)', 64 * 1024 * 1024],
  ])('copies the file byte for byte into a destination with %s, through at most 4 buffers', async (_label, highWaterMark) => {
    const sink = new LazySink(highWaterMark);
    await putFile(sink, file, new AbortController().signal);
    await new Promise<void>((resolve) => sink.end(resolve));
    expect(Buffer.concat(sink.received).equals(content)).toBe(true);
    expect(sink.backing.size).toBeLessThanOrEqual(4);
  });

  it('rejects, instead of waiting forever, when the destination is destroyed midway', async () => {
    const sink = new LazySink(64 * 1024 * 1024);
    setTimeout(() => sink.destroy(), 5);
    await expect(putFile(sink, file, new AbortController().signal)).rejects.toThrow();
    expect(Buffer.concat(sink.received).length).toBeLessThan(content.length);
  });

  it('stops with the reason of an aborted signal', async () => {
    const sink = new LazySink(16 * 1024);
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 5);
    await expect(putFile(sink, file, controller.signal)).rejects.toBe(reason);
  });
});
