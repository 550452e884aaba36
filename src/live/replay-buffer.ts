/**
 * The SSE replay buffer: the last N live entries (events and alerts) of each org, so a client
 * that reconnects with `Last-Event-ID` gets exactly what it missed. Bounded twice: N entries
 * per org, and the orgs written least recently are forgotten beyond `maxOrgs`.
 */

/** One SSE-addressable message; `json` is serialized once and shared by every client. */
export interface LiveEntry {
  readonly seq: number;
  readonly type: 'event' | 'alert';
  /** The event name (filters match it) or the alert rule's name. */
  readonly name: string;
  /** The payload as JSON text; may be produced on first read. */
  readonly json: string;
  /** An event's actor (erasure removes its entries); absent for alerts. */
  readonly actor?: string | null;
  /** An event's timestamp (the retention sweep removes older entries); absent for alerts. */
  readonly timestamp?: number;
}

export interface Replay {
  entries: LiveEntry[];
  /**
   * Messages the client missed that are no longer (or never were) in the buffer: 0 when none,
   * a count when known, null when unknown (ids restarted, or nothing of the org seen here yet).
   */
  missed: number | null;
}

class Ring {
  private readonly items: (LiveEntry | undefined)[];
  private start = 0;
  size = 0;
  latestSeq = 0;
  /**
   * The oldest seq the ring still answers for: what came before it was pushed out by newer
   * entries. Entries removed by forget() leave it alone — they were not missed, they are gone.
   */
  private floor: number | null = null;

  constructor(readonly capacity: number) {
    this.items = new Array<LiveEntry | undefined>(capacity);
  }

  push(entry: LiveEntry): void {
    this.latestSeq = entry.seq;
    if (this.capacity === 0) return;
    this.floor ??= entry.seq;
    if (this.size < this.capacity) {
      this.items[(this.start + this.size) % this.capacity] = entry;
      this.size++;
    } else {
      this.items[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
      this.floor = this.at(0).seq;
    }
  }

  at(i: number): LiveEntry {
    return this.items[(this.start + i) % this.capacity] as LiveEntry;
  }

  oldestSeq(): number {
    return this.floor ?? this.latestSeq + 1;
  }

  /** Keeps only the entries `keep` accepts, in order. */
  retain(keep: (entry: LiveEntry) => boolean): void {
    const kept: LiveEntry[] = [];
    for (let i = 0; i < this.size; i++) if (keep(this.at(i))) kept.push(this.at(i));
    this.items.fill(undefined);
    kept.forEach((e, i) => (this.items[i] = e));
    this.start = 0;
    this.size = kept.length;
  }
}

export class ReplayBuffer {
  private readonly rings = new Map<string, Ring>();

  constructor(
    private readonly perOrg: number,
    private readonly maxOrgs = 1000,
  ) {}

  push(org: string, entries: readonly LiveEntry[]): void {
    if (entries.length === 0) return;
    let ring = this.rings.get(org);
    if (ring === undefined) {
      ring = new Ring(this.perOrg);
      if (this.rings.size >= this.maxOrgs) {
        const oldest = this.rings.keys().next().value;
        if (oldest !== undefined) this.rings.delete(oldest);
      }
    } else {
      this.rings.delete(org);
    }
    // Re-inserted: Map order is least recently written first.
    this.rings.set(org, ring);
    for (const e of entries) ring.push(e);
  }

  /** Drops an erased actor's events of this org (alerts and other actors' events stay). */
  forget(org: string, actor: string): void {
    this.rings.get(org)?.retain((e) => e.type !== 'event' || e.actor !== actor);
  }

  /** Drops this org's events from before `before` (deleted by the retention sweep). */
  forgetBefore(org: string, before: number): void {
    this.rings.get(org)?.retain((e) => e.type !== 'event' || e.timestamp === undefined || e.timestamp >= before);
  }

  /** What follows `lastSeq` for this org, oldest first. */
  since(org: string, lastSeq: number): Replay {
    const ring = this.rings.get(org);
    if (ring === undefined) return { entries: [], missed: lastSeq > 0 ? null : 0 };
    if (lastSeq > ring.latestSeq) return { entries: this.slice(ring, 0), missed: null };
    const oldest = ring.oldestSeq();
    if (lastSeq < oldest - 1) return { entries: this.slice(ring, 0), missed: oldest - 1 - lastSeq };
    // Entries are in seq order: skip what the client has.
    let i = 0;
    while (i < ring.size && ring.at(i).seq <= lastSeq) i++;
    return { entries: this.slice(ring, i), missed: 0 };
  }

  private slice(ring: Ring, from: number): LiveEntry[] {
    const out: LiveEntry[] = [];
    for (let i = from; i < ring.size; i++) out.push(ring.at(i));
    return out;
  }
}
