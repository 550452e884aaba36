/**
 * The live hub of one instance: turns bus messages into pushes. An "events appended" notice
 * recomputes the affected live queries (through the engine, coalesced per query), fans the raw
 * events out to WebSocket event subscriptions and SSE streams of that org, and lands in the
 * org's replay buffer; an alert goes to every connection of its org. Connections are indexed by
 * org, so a client never sees another org's messages.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { LiveSettings } from '../config/live.js';
import type { ExpiredEvents, StoredEvent } from '../domain/event.js';
import type { AppendedNotice, ErasedNotice } from '../ingest/ingest-service.js';
import type { Catalog } from '../model/types.js';
import type { BusInput, BusMessage, LiveBus } from './bus/bus-port.js';
import { CLOSE } from './close-codes.js';
import type { LiveLog } from './close-codes.js';
import { ConnectionRegistry } from './connections.js';
import type { ConnectionHooks } from './connections.js';
import type { LiveEngine } from './query-group.js';
import { QueryRegistry } from './query-registry.js';
import type { LiveEntry } from './replay-buffer.js';
import { ReplayBuffer } from './replay-buffer.js';
import type { SseFilter } from './sse-session.js';
import { SseSession } from './sse-session.js';
import { WsSession } from './ws-session.js';

export interface LiveHubOptions {
  bus: LiveBus;
  engine: LiveEngine;
  catalog: Catalog;
  settings: LiveSettings;
  log: LiveLog;
  now?: () => number;
  /** Called for notices published by this instance (exactly one instance reacts: alerts). */
  onLocalAppended?: (org: string) => void;
  /** An org's alert rules changed on some instance. */
  onRulesChanged?: (org: string) => void;
  /** Connections opened and closed (feeds the ops gauge). */
  connectionHooks?: ConnectionHooks;
}

export interface LiveStats {
  connections: { ws: number; sse: number };
  queries: { groups: number; subscriptions: number; runs: number };
  slowConsumersClosed: number;
  busMessages: number;
}

export function eventJson(e: StoredEvent): string {
  return JSON.stringify({ event: e.event, timestamp: new Date(e.timestamp).toISOString(), actor: e.actor, id: e.id, props: e.props });
}

/**
 * An appended event in the replay ring. Its JSON is written on first read (a subscriber or a
 * replay wants it), once, and shared: ingest with nobody listening does no serialisation.
 */
class EventEntry implements LiveEntry {
  readonly type = 'event' as const;
  private text: string | null = null;

  constructor(
    readonly seq: number,
    private readonly event: StoredEvent,
  ) {}

  get name(): string {
    return this.event.event;
  }

  get actor(): string | null {
    return this.event.actor;
  }

  get timestamp(): number {
    return this.event.timestamp;
  }

  get json(): string {
    return (this.text ??= eventJson(this.event));
  }
}

export class LiveHub {
  readonly instanceId = randomUUID();
  readonly queries: QueryRegistry;
  readonly connections: ConnectionRegistry;
  private readonly replay: ReplayBuffer;
  private readonly now: () => number;
  private unsubscribe: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private slowConsumersClosed = 0;
  /** Set by shutdown: connections arriving after it are turned away at once. */
  private closing = false;
  private busMessages = 0;

  constructor(private readonly options: LiveHubOptions) {
    this.now = options.now ?? Date.now;
    const { settings } = options;
    this.queries = new QueryRegistry({
      engine: options.engine,
      catalog: options.catalog,
      now: this.now,
      onError: (err) => options.log.error({ err }, 'live: query recomputation failed'),
    });
    this.connections = new ConnectionRegistry(settings, options.connectionHooks);
    this.replay = new ReplayBuffer(settings.replayBufferSize);
  }

  start(): void {
    this.unsubscribe = this.options.bus.subscribe((m) => this.onMessage(m));
    this.heartbeatTimer = setInterval(() => {
      for (const client of this.connections.all()) client.heartbeat();
    }, this.options.settings.heartbeatMs).unref();
  }

  /** Publishes one ingest request's notice (called after commit; never delays the ingest reply). */
  publishAppended(notice: AppendedNotice): void {
    const cap = this.options.settings.maxEventsPerNotice;
    this.publish('an appended notice', {
      kind: 'appended',
      org: notice.org,
      eventNames: notice.eventNames,
      minTime: notice.minTime,
      maxTime: notice.maxTime,
      count: notice.events.length,
      events: notice.events.length > cap ? notice.events.slice(0, cap) : [...notice.events],
      origin: this.instanceId,
    });
  }

  /**
   * Publishes an erasure: live queries recompute and replay buffers drop the actor's events on
   * every instance; connected clients get nothing (erased events are not announced).
   */
  publishErased(notice: ErasedNotice): void {
    this.publish('an erasure', { kind: 'erased', org: notice.org, actor: notice.actor, eventNames: notice.eventNames, minTime: notice.minTime, maxTime: notice.maxTime, origin: this.instanceId });
  }

  /**
   * Publishes a retention sweep's deletion: live queries over the span recompute and replay
   * buffers drop its events on every instance; connected clients get nothing.
   */
  publishExpired(notice: ExpiredEvents): void {
    this.publish('an expiry', { kind: 'expired', org: notice.org, before: notice.before, origin: this.instanceId });
  }

  acceptWebSocket(socket: WebSocket, org: string, exp: number | null, log: LiveLog): void {
    const session = new WsSession(socket, org, exp, {
      queries: this.queries,
      connections: this.connections,
      maxSubscriptions: this.options.settings.maxSubscriptionsPerConnection,
      sendBufferBytes: this.options.settings.sendBufferBytes,
      now: this.now,
      log,
      onSlowConsumer: () => this.slowConsumersClosed++,
    });
    if (this.closing) socket.close(CLOSE.GOING_AWAY.code, CLOSE.GOING_AWAY.reason);
    else session.start();
  }

  /** Starts an SSE stream on `res` (already hijacked); false when a connection limit was hit. */
  openStream(
    res: ServerResponse,
    org: string,
    exp: number | null,
    filter: SseFilter,
    lastEventId: number | null,
    headers: OutgoingHttpHeaders,
    log: LiveLog,
  ): boolean {
    const session = new SseSession(res, org, exp, filter, {
      connections: this.connections,
      sendBufferBytes: this.options.settings.sendBufferBytes,
      now: this.now,
      log,
      onSlowConsumer: () => this.slowConsumersClosed++,
    });
    const replay = lastEventId === null ? { entries: [], missed: 0 } : this.replay.since(org, lastEventId);
    if (!session.start(replay, lastEventId, headers)) return false;
    if (this.closing) void session.shutdown();
    return true;
  }

  stats(): LiveStats {
    return {
      connections: this.connections.countByKind(),
      queries: this.queries.stats(),
      slowConsumersClosed: this.slowConsumersClosed,
      busMessages: this.busMessages,
    };
  }

  /** Graceful shutdown: every client flushes and is closed as "going away". */
  async shutdown(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.connections.all()].map((c) => c.shutdown()));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.queries.close();
  }

  /** Publishes without delaying the caller; a failure is logged (the bus reconnects on its own). */
  private publish(what: string, message: BusInput): void {
    this.options.bus.publish(message).catch((err: unknown) => this.options.log.warn({ err, org: message.org }, `live: could not publish ${what}`));
  }

  private onMessage(m: BusMessage): void {
    this.busMessages++;
    if (m.kind === 'rules') {
      this.options.onRulesChanged?.(m.org);
      return;
    }
    if (m.kind === 'erased') {
      this.queries.onNotice(m.org, m);
      this.replay.forget(m.org, m.actor);
      return;
    }
    if (m.kind === 'expired') {
      this.queries.onNotice(m.org, { eventNames: null, minTime: -Infinity, maxTime: m.before - 1 });
      this.replay.forgetBefore(m.org, m.before);
      return;
    }
    let entries: LiveEntry[];
    let dropped = 0;
    if (m.kind === 'appended') {
      this.queries.onNotice(m.org, m);
      entries = m.events.map((e, i) => new EventEntry(m.firstSeq + i, e));
      dropped = m.count - m.events.length;
      if (m.origin === this.instanceId) this.options.onLocalAppended?.(m.org);
    } else {
      entries = [{ seq: m.firstSeq, type: 'alert', name: m.alert.name, json: JSON.stringify(m.alert) }];
    }
    this.replay.push(m.org, entries);
    for (const client of this.connections.ofOrg(m.org)) client.push(entries, dropped);
  }
}
