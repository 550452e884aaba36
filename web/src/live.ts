/**
 * One WebSocket to /api/v1/ws shared by every view (the session cookie authenticates it). It
 * re-sends active subscriptions after a reconnect, so charts keep updating through server
 * restarts; reconnects back off exponentially (0.5 s … 15 s) with jitter so a fleet of open
 * dashboards does not stampede a restarting server.
 */
import type { ActivityEvent, QueryResult, QuerySpec } from './api';

export type LiveStatus = 'connecting' | 'open' | 'reconnecting' | 'offline';

type ServerMessage =
  | { type: 'result'; id: string; data: QueryResult }
  | { type: 'event'; id: string; event: ActivityEvent }
  | { type: 'dropped'; id: string; count: number }
  | { type: 'error'; id?: string; error: { detail?: string; title?: string } }
  | { type: 'pong' }
  | { type: 'alert' };

interface Subscription {
  message: Record<string, unknown>;
  onResult?: (data: QueryResult) => void;
  onEvent?: (event: ActivityEvent) => void;
  /** Events arrived that were not sent one by one (a large request, an import): `count` of them. */
  onDropped?: (count: number) => void;
  onError?: (message: string) => void;
}

export class LiveClient {
  private socket: WebSocket | null = null;
  private subs = new Map<string, Subscription>();
  private statusListeners = new Set<(s: LiveStatus) => void>();
  private attempt = 0;
  private nextId = 1;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  status: LiveStatus = 'offline';

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
    this.setStatus('offline');
  }

  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(fn);
    fn(this.status);
    return () => this.statusListeners.delete(fn);
  }

  /** A live query: `onResult` gets the answer now and again whenever new data changes it. */
  subscribe(query: QuerySpec, onResult: (data: QueryResult) => void, onError?: (message: string) => void, interval = 1): () => void {
    return this.add({ message: { type: 'subscribe', query, interval }, onResult, onError });
  }

  /**
   * Every newly ingested event matching `patterns` (e.g. "payment.*"); all when empty. Events the
   * server announces without sending (more than one message carries) come as `onDropped(count)`.
   */
  events(patterns: string[], onEvent: (event: ActivityEvent) => void, onDropped?: (count: number) => void): () => void {
    return this.add({ message: { type: 'events', filter: patterns.length ? { events: patterns } : {} }, onEvent, ...(onDropped ? { onDropped } : {}) });
  }

  private add(sub: Subscription): () => void {
    const id = `s${this.nextId++}`;
    this.subs.set(id, sub);
    this.send({ ...sub.message, id });
    return () => {
      this.subs.delete(id);
      if (sub.onResult) this.send({ type: 'unsubscribe', id });
    };
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    for (const fn of this.statusListeners) fn(status);
  }

  private connect(): void {
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setStatus('open');
      for (const [id, sub] of this.subs) this.send({ ...sub.message, id });
    };
    socket.onmessage = (e: MessageEvent<string>) => this.receive(e.data);
    socket.onclose = () => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      this.attempt += 1;
      this.setStatus('reconnecting');
      const delay = Math.min(15_000, 500 * 2 ** (this.attempt - 1)) * (0.75 + Math.random() * 0.5);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  private receive(raw: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(raw) as ServerMessage;
    } catch {
      return;
    }
    if (msg.type === 'result') this.subs.get(msg.id)?.onResult?.(msg.data);
    else if (msg.type === 'event') this.subs.get(msg.id)?.onEvent?.(msg.event);
    else if (msg.type === 'dropped') this.subs.get(msg.id)?.onDropped?.(msg.count);
    else if (msg.type === 'error' && msg.id) this.subs.get(msg.id)?.onError?.(msg.error.detail ?? msg.error.title ?? 'Live query failed');
  }
}

export const live = new LiveClient();
