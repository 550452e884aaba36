/**
 * One Server-Sent Events stream: replay after `Last-Event-ID`, then live entries of the org that
 * pass its filters, `: ping` comments as heartbeat, and the same send-buffer bound as WebSocket
 * (a client that stops reading is cut off, not buffered for).
 *
 * Frames: `id: <seq>` + `event: event|alert` + `data: <json>`; `event: gap` (data
 * `{"lastEventId", "missed"}`) when the replay cannot cover what was missed; `event: dropped`
 * when an ingest request had more events than one notice carries; `event: close` (data
 * `{"reason"}`) just before the server ends the stream.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { LiveLog } from './close-codes.js';
import type { ConnectionRegistry, LiveClient } from './connections.js';
import type { EventMatcher } from './event-filter.js';
import { atExpiry } from './expiry.js';
import type { LiveEntry, Replay } from './replay-buffer.js';

export interface SseFilter {
  types: ReadonlySet<'event' | 'alert'>;
  match: EventMatcher;
}

export interface SseSessionContext {
  connections: ConnectionRegistry;
  sendBufferBytes: number;
  now: () => number;
  log: LiveLog;
  onSlowConsumer: () => void;
}

/** Reconnect delay suggested to EventSource clients. */
const RETRY_MS = 2000;
const FLUSH_WAIT_MS = 2000;

export function entryFrame(entry: LiveEntry): string {
  return `id: ${entry.seq}\nevent: ${entry.type}\ndata: ${entry.json}\n\n`;
}

export class SseSession implements LiveClient {
  readonly kind = 'sse' as const;
  private closed = false;
  private cancelExpiry: () => void = () => {};

  constructor(
    private readonly res: ServerResponse,
    readonly org: string,
    private readonly exp: number | null,
    private readonly filter: SseFilter,
    private readonly ctx: SseSessionContext,
  ) {}

  /** Registers and starts the stream with the replay; false when a limit was reached meanwhile. */
  start(replay: Replay, lastEventId: number | null, headers: OutgoingHttpHeaders = {}): boolean {
    if (!this.ctx.connections.add(this)) return false;
    this.res.on('close', () => this.end());
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies (nginx) must not buffer the stream.
      'x-accel-buffering': 'no',
    });
    this.write(`retry: ${RETRY_MS}\n\n`);
    if (lastEventId !== null && replay.missed !== 0) {
      this.write(`event: gap\ndata: ${JSON.stringify({ lastEventId, missed: replay.missed })}\n\n`);
    }
    this.push(replay.entries, 0);
    this.cancelExpiry = atExpiry(this.exp, this.ctx.now, () => this.finish('token expired'));
    return true;
  }

  push(entries: readonly LiveEntry[], dropped: number): void {
    if (this.closed) return;
    let out = '';
    for (const entry of entries) {
      if (!this.filter.types.has(entry.type)) continue;
      if (entry.type === 'event' && !this.filter.match(entry.name)) continue;
      out += entryFrame(entry);
    }
    if (dropped > 0 && this.filter.types.has('event')) out += `event: dropped\ndata: ${JSON.stringify({ count: dropped })}\n\n`;
    // One write per bus message, not per event.
    if (out.length > 0) this.write(out);
  }

  heartbeat(): void {
    this.write(': ping\n\n');
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    const deadline = this.ctx.now() + FLUSH_WAIT_MS;
    while (this.res.writableLength > 0 && this.ctx.now() < deadline && !this.res.destroyed) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.finish('going away');
  }

  private write(text: string): void {
    if (this.closed) return;
    if (this.res.writableLength + Buffer.byteLength(text) > this.ctx.sendBufferBytes) {
      this.ctx.log.warn({ org: this.org, buffered: this.res.writableLength }, 'live: closing a slow SSE consumer');
      this.ctx.onSlowConsumer();
      this.res.destroy();
      this.end();
      return;
    }
    this.res.write(text);
  }

  /** Says why, then ends the stream (EventSource reconnects unless the client closes it). */
  private finish(reason: string): void {
    if (this.closed) return;
    this.write(`event: close\ndata: ${JSON.stringify({ reason })}\n\n`);
    this.closed = true;
    this.res.end();
    this.end();
  }

  private end(): void {
    this.closed = true;
    this.cancelExpiry();
    this.ctx.connections.remove(this);
  }
}
