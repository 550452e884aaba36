/**
 * Cross-instance invalidation: every instance subscribes to `<prefix>invalidate`; the instance
 * that ingested deletes the L2 entries itself, then publishes the rule so the others drop theirs
 * from L1. Notices carry rules, never data. A subscriber that was disconnected may have missed
 * notices, so on resubscribing it reports a resync and the cache drops its whole L1.
 */
import type { Redis } from 'ioredis';
import type { InvalidationRule } from './tags.js';

interface Notice {
  from: string;
  rule: InvalidationRule;
}

export interface BusHandlers {
  onRule: (rule: InvalidationRule) => void;
  onResync: () => void;
  onError: (err: unknown) => void;
}

export class InvalidationBus {
  private subscribedOnce = false;
  private lost = false;
  received = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly instanceId: string,
    private readonly handlers: BusHandlers,
  ) {
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
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
      await this.subscriber.subscribe(this.channel);
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

  encode(rule: InvalidationRule): string {
    const notice: Notice = { from: this.instanceId, rule };
    return JSON.stringify(notice);
  }

  private receive(text: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(text) as Notice;
    } catch (err) {
      this.handlers.onError(err);
      return;
    }
    if (notice.from === this.instanceId) return;
    this.received++;
    this.handlers.onRule(notice.rule);
  }
}
