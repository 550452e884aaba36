/**
 * One WebSocket connection: the protocol (subscribe, unsubscribe, events, ping), its
 * subscriptions, heartbeat, credential expiry and the send-buffer bound. Everything sent goes
 * through sendFrame, the one place that enforces "a slow client never grows memory unbounded".
 */
import type { WebSocket } from 'ws';
import { AppError } from '../domain/errors.js';
import { normalizeError, toProblem } from '../http/plugins/errors.js';
import type { Problem } from '../http/plugins/errors.js';
import { CLOSE } from './close-codes.js';
import type { LiveLog } from './close-codes.js';
import type { ConnectionRegistry, LiveClient } from './connections.js';
import type { EventMatcher } from './event-filter.js';
import { eventMatcher } from './event-filter.js';
import { atExpiry } from './expiry.js';
import { alertFrame, eventFrame, frame } from './frames.js';
import type { ResultSink } from './query-group.js';
import type { QueryRegistry, QuerySubscription } from './query-registry.js';
import type { LiveEntry } from './replay-buffer.js';
import type { ClientMessage } from './ws-protocol.js';
import { parseClientMessage, ProtocolError } from './ws-protocol.js';

export interface WsSessionContext {
  queries: QueryRegistry;
  connections: ConnectionRegistry;
  maxSubscriptions: number;
  sendBufferBytes: number;
  now: () => number;
  log: LiveLog;
  onSlowConsumer: () => void;
}

type Subscription = { kind: 'query'; sub: QuerySubscription } | { kind: 'events'; match: EventMatcher };

const TEXT = { binary: false } as const;
/** Client messages allowed per second: enough for any dashboard, too few to make the engine thrash. */
const MESSAGES_PER_SECOND = 50;
/** How long shutdown waits for a client to take what is queued before closing anyway. */
const FLUSH_WAIT_MS = 2000;
const TERMINATE_GRACE_MS = 500;

export class WsSession implements LiveClient, ResultSink {
  readonly kind = 'ws' as const;
  private readonly subs = new Map<string, Subscription>();
  private alive = true;
  private closed = false;
  private windowStart = 0;
  private windowCount = 0;
  private cancelExpiry: () => void = () => {};

  constructor(
    private readonly socket: WebSocket,
    readonly org: string,
    private readonly exp: number | null,
    private readonly ctx: WsSessionContext,
  ) {}

  /** Registers the connection; false (and the socket closed) when a limit was reached meanwhile. */
  start(): boolean {
    if (!this.ctx.connections.add(this)) {
      this.closed = true;
      this.socket.close(CLOSE.TRY_AGAIN_LATER.code, CLOSE.TRY_AGAIN_LATER.reason);
      return false;
    }
    this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('pong', () => (this.alive = true));
    this.socket.on('close', () => this.end());
    this.cancelExpiry = atExpiry(this.exp, this.ctx.now, () => this.close(CLOSE.TOKEN_EXPIRED));
    return true;
  }

  sendFrame(bytes: Buffer): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount + bytes.length > this.ctx.sendBufferBytes) {
      this.ctx.log.warn({ org: this.org, buffered: this.socket.bufferedAmount }, 'live: closing a slow WebSocket consumer');
      this.ctx.onSlowConsumer();
      this.close(CLOSE.SLOW_CONSUMER);
      // Its close frame waits behind the backlog; the backlog is what must go.
      setTimeout(() => this.socket.terminate(), TERMINATE_GRACE_MS).unref();
      return;
    }
    this.socket.send(bytes, TEXT);
  }

  sendError(id: string | undefined, problem: Problem, ended = false): void {
    if (ended && id !== undefined) this.subs.delete(id);
    this.sendFrame(frame(id === undefined ? { type: 'error', error: problem } : { type: 'error', id, error: problem }));
  }

  push(entries: readonly LiveEntry[], dropped: number): void {
    if (this.closed) return;
    for (const entry of entries) {
      if (entry.type === 'alert') {
        this.sendFrame(alertFrame(entry.seq, entry.json));
        continue;
      }
      for (const [id, sub] of this.subs) {
        if (sub.kind === 'events' && sub.match(entry.name)) this.sendFrame(eventFrame(id, entry.seq, entry.json));
      }
    }
    if (dropped > 0) {
      for (const [id, sub] of this.subs) if (sub.kind === 'events') this.sendFrame(frame({ type: 'dropped', id, count: dropped }));
    }
  }

  heartbeat(): void {
    if (this.closed) return;
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    const deadline = this.ctx.now() + FLUSH_WAIT_MS;
    while (this.socket.bufferedAmount > 0 && this.ctx.now() < deadline && this.socket.readyState === this.socket.OPEN) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.close(CLOSE.GOING_AWAY);
  }

  private close(how: { code: number; reason: string }): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(how.code, how.reason);
    this.end();
  }

  /** Frees everything the connection holds; runs once whichever side closed. */
  private end(): void {
    this.closed = true;
    this.cancelExpiry();
    for (const sub of this.subs.values()) if (sub.kind === 'query') sub.sub.cancel();
    this.subs.clear();
    this.ctx.connections.remove(this);
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    this.alive = true;
    if (this.closed) return;
    if (!this.withinRate()) {
      this.sendError(undefined, toProblem(new AppError('RATE_LIMITED', `At most ${MESSAGES_PER_SECOND} messages per second.`)));
      return;
    }
    try {
      if (isBinary) throw new ProtocolError(new AppError('VALIDATION', 'Send JSON text messages.', [{ path: '/', message: 'must be a text message' }]), undefined);
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.handle(parseClientMessage(text));
    } catch (err) {
      if (err instanceof ProtocolError) this.sendError(err.id, toProblem(err.error));
      else {
        const error = normalizeError(err);
        if (error.status >= 500) this.ctx.log.error({ err }, 'live: WebSocket message failed');
        this.sendError(undefined, toProblem(error));
      }
    }
  }

  private handle(msg: ClientMessage): void {
    switch (msg.type) {
      case 'ping':
        this.sendFrame(frame({ type: 'pong' }));
        return;
      case 'unsubscribe': {
        const known = this.drop(msg.id);
        if (!known) throw new ProtocolError(new AppError('NOT_FOUND', `No subscription "${msg.id}" on this connection.`), msg.id);
        this.sendFrame(frame({ type: 'unsubscribed', id: msg.id }));
        return;
      }
      case 'events': {
        const match = this.guard(msg.id, () => eventMatcher(msg.patterns));
        this.reserve(msg.id);
        this.subs.set(msg.id, { kind: 'events', match });
        this.sendFrame(frame({ type: 'subscribed', id: msg.id, kind: 'events' }));
        return;
      }
      case 'subscribe': {
        const prepared = this.guard(msg.id, () => this.ctx.queries.prepare(this.org, msg.query, msg.intervalMs));
        // Re-using an id replaces that subscription (a dashboard changing its filters).
        this.reserve(msg.id);
        this.sendFrame(frame({ type: 'subscribed', id: msg.id, kind: 'query' }));
        this.subs.set(msg.id, { kind: 'query', sub: this.ctx.queries.subscribe(prepared, this, msg.id) });
        return;
      }
    }
  }

  /** Frees `id` for a new subscription, enforcing the per-connection limit. */
  private reserve(id: string): void {
    this.drop(id);
    if (this.subs.size >= this.ctx.maxSubscriptions) {
      throw new ProtocolError(new AppError('RATE_LIMITED', `At most ${this.ctx.maxSubscriptions} subscriptions per connection.`), id);
    }
  }

  private drop(id: string): boolean {
    const sub = this.subs.get(id);
    if (sub === undefined) return false;
    if (sub.kind === 'query') sub.sub.cancel();
    this.subs.delete(id);
    return true;
  }

  /** Runs a validation step, attaching the subscription id to what it throws. */
  private guard<T>(id: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      throw new ProtocolError(normalizeError(err), id);
    }
  }

  private withinRate(): boolean {
    const now = this.ctx.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    return ++this.windowCount <= MESSAGES_PER_SECOND;
  }
}
