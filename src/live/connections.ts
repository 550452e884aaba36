/**
 * Live connections (WebSocket and SSE) by org, with the connection limits: per org and per
 * instance. `admit` runs before the upgrade / before the stream starts (a clean 429); `add`
 * re-checks, because handshakes that passed `admit` together may still exceed the limit.
 */
import { AppError } from '../domain/errors.js';
import type { LiveEntry } from './replay-buffer.js';

export interface LiveClient {
  readonly org: string;
  readonly kind: 'ws' | 'sse';
  /** The entries of one bus message (events, or one alert); `dropped` events were not carried. */
  push(entries: readonly LiveEntry[], dropped: number): void;
  /** Called every heartbeat period: ping, and drop a peer that stopped answering. */
  heartbeat(): void;
  /** Shutdown: flush what is queued (bounded wait), then close as "going away". */
  shutdown(): Promise<void>;
}

export interface ConnectionLimits {
  maxConnectionsPerOrg: number;
  maxConnections: number;
}

/** Feeds the ops telemetry (tally_live_connections by transport). */
export interface ConnectionHooks {
  opened?(kind: LiveClient['kind']): void;
  closed?(kind: LiveClient['kind']): void;
}

export class ConnectionRegistry {
  private readonly byOrg = new Map<string, Set<LiveClient>>();
  private total = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly hooks: ConnectionHooks = {},
  ) {}

  /** Throws RATE_LIMITED (429) when a new connection of `org` would exceed a limit. */
  admit(org: string): void {
    if (this.total >= this.limits.maxConnections) {
      throw new AppError('RATE_LIMITED', `This instance holds its maximum of ${this.limits.maxConnections} live connections; try again later.`);
    }
    if (this.countOf(org) >= this.limits.maxConnectionsPerOrg) {
      throw new AppError('RATE_LIMITED', `Your organisation holds its maximum of ${this.limits.maxConnectionsPerOrg} live connections on this instance.`);
    }
  }

  /** False when over a limit (the caller closes the connection). */
  add(client: LiveClient): boolean {
    try {
      this.admit(client.org);
    } catch {
      return false;
    }
    let set = this.byOrg.get(client.org);
    if (set === undefined) this.byOrg.set(client.org, (set = new Set()));
    set.add(client);
    this.total++;
    this.hooks.opened?.(client.kind);
    return true;
  }

  remove(client: LiveClient): void {
    const set = this.byOrg.get(client.org);
    if (!set?.delete(client)) return;
    if (set.size === 0) this.byOrg.delete(client.org);
    this.total--;
    this.hooks.closed?.(client.kind);
  }

  ofOrg(org: string): ReadonlySet<LiveClient> {
    return this.byOrg.get(org) ?? new Set();
  }

  *all(): Iterable<LiveClient> {
    for (const set of this.byOrg.values()) yield* set;
  }

  countOf(org: string): number {
    return this.byOrg.get(org)?.size ?? 0;
  }

  get count(): number {
    return this.total;
  }

  countByKind(): { ws: number; sse: number } {
    const out = { ws: 0, sse: 0 };
    for (const c of this.all()) out[c.kind]++;
    return out;
  }
}
