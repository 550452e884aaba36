/**
 * In-process bus: the default when REDIS_URL is not set. Buses created over one MemoryBroker see
 * each other's messages, which lets tests run "two instances" without Redis.
 */
import type { BusHandler, BusInput, BusMessage, LiveBus } from './bus-port.js';
import { entryCount } from './bus-port.js';

const MAX_CLAIMS = 100_000;

export class MemoryBroker {
  private readonly seqs = new Map<string, number>();
  private readonly claims = new Map<string, number>();
  readonly handlers = new Set<BusHandler>();

  /** Reserves `n` sequence numbers for `org`; returns the first. */
  reserve(org: string, n: number): number {
    const last = this.seqs.get(org) ?? 0;
    this.seqs.set(org, last + n);
    return last + 1;
  }

  claim(key: string, ttlMs: number, now: number): boolean {
    const until = this.claims.get(key);
    if (until !== undefined && until > now) return false;
    if (this.claims.size >= MAX_CLAIMS) {
      for (const [k, t] of this.claims) if (t <= now) this.claims.delete(k);
    }
    this.claims.set(key, now + ttlMs);
    return true;
  }
}

export class MemoryBus implements LiveBus {
  readonly kind = 'memory' as const;
  private readonly own = new Set<BusHandler>();
  private closed = false;

  constructor(
    private readonly broker: MemoryBroker = new MemoryBroker(),
    private readonly onHandlerError: (err: unknown) => void = (err) => console.error('live bus handler failed', err),
  ) {}

  async publish(input: BusInput): Promise<void> {
    if (this.closed) throw new Error('bus is closed');
    // Numbers are reserved synchronously, so delivery order equals sequence order per org.
    const message: BusMessage = { ...input, firstSeq: this.broker.reserve(input.org, entryCount(input)) };
    const handlers = [...this.broker.handlers];
    // Asynchronous like Redis: a publisher never runs subscriber code inside its own call stack.
    queueMicrotask(() => {
      for (const handler of handlers) {
        try {
          handler(message);
        } catch (err) {
          this.onHandlerError(err);
        }
      }
    });
  }

  subscribe(handler: BusHandler): () => void {
    // Wrapped so the same function subscribed twice is two subscriptions, as on Redis.
    const wrapped: BusHandler = (m) => handler(m);
    this.own.add(wrapped);
    this.broker.handlers.add(wrapped);
    return () => {
      this.own.delete(wrapped);
      this.broker.handlers.delete(wrapped);
    };
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return this.broker.claim(key, ttlMs, Date.now());
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const h of this.own) this.broker.handlers.delete(h);
    this.own.clear();
  }
}
