/**
 * Cross-instance invalidation: every instance subscribes to `<prefix>invalidate`; the instance
 * that ingested deletes the L2 entries itself, then publishes the rule so the others drop theirs
 * from L1. Notices carry rules, never data.
 *
 * Acknowledged: each instance that applied a notice answers on the sender's own channel
 * (`<prefix>invalidate:ack:<instance>`), and `announce` resolves once as many instances answered
 * as Redis delivered the notice to (PUBLISH's count, the sender's own subscriber included) — so an
 * ingest that replies after it has every other instance's L1 already dropped, and the next read
 * anywhere is fresh. An instance that does not answer within `ackTimeoutMs` (hung, or gone
 * between delivery and answer) is counted in `ackTimeouts` and not waited for any longer.
 *
 * A subscriber that was disconnected may have missed notices, so on resubscribing it reports a
 * resync and the cache drops its whole L1.
 */
import type { Redis } from 'ioredis';
import type { InvalidationRule } from './tags.js';

interface Notice {
  from: string;
  /** The sender's sequence number of this notice; absent in notices of versions before acknowledgements. */
  id?: number;
  rule: InvalidationRule;
}

export interface BusHandlers {
  onRule: (rule: InvalidationRule) => void;
  onResync: () => void;
  onError: (err: unknown) => void;
  /** Publishes `text` on `channel` over a command connection (a subscriber connection cannot). */
  sendAck: (channel: string, text: string) => void;
}

/** Redis PUBLISH: the number of subscribers that got `text`, or -1 when it could not be sent. */
export type Publish = (text: string) => Promise<number>;

interface Waiter {
  acks: number;
  /** Unknown (Infinity) until PUBLISH answered with its receiver count. */
  expected: number;
  settle: (() => void) | null;
}

export class InvalidationBus {
  private subscribedOnce = false;
  private lost = false;
  private seq = 0;
  private readonly waiting = new Map<number, Waiter>();
  private readonly ackChannel: string;
  received = 0;
  /** Announcements that went on without every receiver's answer. */
  ackTimeouts = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly instanceId: string,
    private readonly handlers: BusHandlers,
    /** TALLY_CACHE_PEER_ACK_TIMEOUT_MS. */
    private readonly ackTimeoutMs: number,
  ) {
    this.ackChannel = ackChannelOf(channel, instanceId);
    subscriber.on('message', (from: string, text: string) => {
      if (from === this.channel) this.receive(text);
      else if (from === this.ackChannel) this.count(Number(text));
    });
    subscriber.on('close', () => {
      if (this.subscribedOnce) this.lost = true;
    });
    // Subscribing on every `ready` covers the first connection and each reconnect.
    subscriber.on('ready', () => void this.subscribe());
    if (subscriber.status === 'ready') void this.subscribe();
  }

  /** Resolves once subscribed (or immediately failed); tests await it before publishing. */
  async subscribe(): Promise<boolean> {
    try {
      await this.subscriber.subscribe(this.channel, this.ackChannel);
    } catch (err) {
      this.handlers.onError(err);
      return false;
    }
    if (this.lost) {
      this.lost = false;
      this.handlers.onResync();
    }
    this.subscribedOnce = true;
    return true;
  }

  get ready(): boolean {
    return this.subscribedOnce && !this.lost && this.subscriber.status === 'ready';
  }

  /**
   * Publishes `rule` and waits until every instance Redis delivered it to has applied it (or
   * `ackTimeoutMs`). False when it could not be published (the caller keeps the rule to replay).
   */
  async announce(rule: InvalidationRule, publish: Publish): Promise<boolean> {
    const id = ++this.seq;
    const waiter: Waiter = { acks: 0, expected: Infinity, settle: null };
    this.waiting.set(id, waiter);
    try {
      const notice: Notice = { from: this.instanceId, id, rule };
      const receivers = await publish(JSON.stringify(notice));
      if (receivers < 0) return false;
      // Without a subscription of its own, the answers could not reach this instance.
      if (!this.ready) return true;
      waiter.expected = receivers;
      if (waiter.acks < receivers) await this.answered(waiter);
      return true;
    } finally {
      this.waiting.delete(id);
    }
  }

  private answered(waiter: Waiter): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ackTimeouts++;
        resolve();
      }, this.ackTimeoutMs);
      waiter.settle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private count(id: number): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    waiter.acks++;
    if (waiter.acks >= waiter.expected) waiter.settle?.();
  }

  private receive(text: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(text) as Notice;
    } catch (err) {
      this.handlers.onError(err);
      return;
    }
    if (notice.from === this.instanceId) {
      if (typeof notice.id === 'number') this.count(notice.id);
      return;
    }
    this.received++;
    this.handlers.onRule(notice.rule);
    if (typeof notice.id === 'number') this.handlers.sendAck(ackChannelOf(this.channel, notice.from), String(notice.id));
  }
}

function ackChannelOf(channel: string, instanceId: string): string {
  return `${channel}:ack:${instanceId}`;
}
