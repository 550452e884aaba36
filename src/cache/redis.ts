/**
 * L2: entries in Redis under one key prefix, shared by every instance. Each org has an index hash
 * (key → tags) so an invalidation reads one hash instead of scanning the keyspace. Every failure
 * (down, slow, timeout) is reported to `onError` and answered as a miss or a no-op: Redis is an
 * accelerator, never a dependency of a read.
 */
import type { Redis } from 'ioredis';
import { decodeEntry, decodeIndex, encodeEntry, encodeIndex } from './entry-codec.js';
import type { CacheEntry, CacheLayer, LayerStats } from './port.js';
import { matches } from './tags.js';
import type { InvalidationRule } from './tags.js';

export interface RedisLayerOptions {
  /** Every key starts with this (`tally:cache:`); tests use one per run. */
  prefix: string;
  /** The index hash lives at least this long after its last write (the longest entry TTL). */
  indexTtlMs: number;
  now?: () => number;
  onError?: (err: unknown) => void;
  /** How long to skip Redis after a failed command (default 1 s). */
  backoffMs?: number;
}

interface Batch {
  rules: InvalidationRule[];
  done: Array<(n: number) => void>;
}

/** Keys per MGET: a batch of GETs larger than this is sent as several. */
const MGET_KEYS = 256;

const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class RedisLayer implements CacheLayer {
  readonly name = 'redis' as const;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;
  errors = 0;
  /** After a failure, Redis is skipped until then (performance.now()): a slow Redis costs one timeout, not one per command. */
  private skipUntil = 0;
  /** Invalidations of one org queued behind the running one, done together in one index read. */
  private readonly queued = new Map<string, Batch>();
  private readonly running = new Set<string>();
  /** GETs of the current event-loop turn: key → who waits for it (see get()). */
  private gets: Map<string, Array<(entry: CacheEntry | null) => void>> | null = null;

  constructor(
    readonly client: Redis,
    private readonly options: RedisLayerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get connected(): boolean {
    return this.client.status === 'ready' && performance.now() >= this.skipUntil;
  }

  entryKey(key: string): string {
    return `${this.options.prefix}e:${key}`;
  }

  private indexKey(org: string): string {
    return `${this.options.prefix}i:${org}`;
  }

  get channel(): string {
    return `${this.options.prefix}invalidate`;
  }

  private fail(err: unknown): void {
    this.errors++;
    this.skipUntil = performance.now() + (this.options.backoffMs ?? 1000);
    this.options.onError?.(err);
  }

  private fresh(bytes: Buffer | null): CacheEntry | null {
    const entry = bytes === null ? null : decodeEntry(bytes);
    return entry !== null && this.now() < entry.expiresAt ? entry : null;
  }

  /**
   * One entry. The GETs asked for during one turn of the event loop go out together when the
   * turn ends, as one MGET with each distinct key once: under load a dashboard's viewers ask for
   * the same few keys at once, and one round trip then serves them all (ioredis's autopipelining
   * flushes on process.nextTick, which runs after every socket callback, so it rarely batches
   * reads that arrive on different connections).
   */
  get(key: string): Promise<CacheEntry | null> {
    return new Promise((resolve) => {
      let gets = this.gets;
      if (gets === null) {
        gets = this.gets = new Map();
        setImmediate(() => this.sendGets());
      }
      const waiting = gets.get(key);
      if (waiting === undefined) gets.set(key, [resolve]);
      else waiting.push(resolve);
    });
  }

  private sendGets(): void {
    const gets = this.gets;
    this.gets = null;
    if (gets === null) return;
    const keys = [...gets.keys()];
    const settle = (entries: ReadonlyArray<CacheEntry | null>): void => {
      keys.forEach((key, i) => {
        const entry = entries[i] ?? null;
        for (const resolve of gets.get(key) ?? []) {
          this.count(entry);
          resolve(entry);
        }
      });
    };
    this.fetch(keys).then(settle, (err: unknown) => {
      this.fail(err);
      settle([]);
    });
  }

  async getMany(keys: readonly string[]): Promise<Array<CacheEntry | null>> {
    const out = await this.fetch(keys);
    for (const e of out) this.count(e);
    return out;
  }

  private count(entry: CacheEntry | null): void {
    if (entry) this.hits++;
    else this.misses++;
  }

  /** The fresh entries of `keys` (null where missing, expired, or Redis failed), MGETs of at most MGET_KEYS keys. */
  private async fetch(keys: readonly string[]): Promise<Array<CacheEntry | null>> {
    if (keys.length === 0) return [];
    if (!this.connected) return keys.map(() => null);
    const values: Array<Buffer | null> = [];
    try {
      for (let i = 0; i < keys.length; i += MGET_KEYS) {
        values.push(...(await this.client.mgetBuffer(...keys.slice(i, i + MGET_KEYS).map((k) => this.entryKey(k)))));
      }
    } catch (err) {
      this.fail(err);
      return keys.map(() => null);
    }
    return values.map((v) => this.fresh(v));
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    await this.setMany([[key, entry]]);
  }

  async setMany(items: ReadonlyArray<[string, CacheEntry]>): Promise<void> {
    if (!this.connected || items.length === 0) return;
    const pipeline = this.client.pipeline();
    const orgs = new Set<string>();
    for (const [key, entry] of items) {
      const ttl = Math.ceil(entry.expiresAt - this.now());
      if (ttl <= 0) continue;
      pipeline.set(this.entryKey(key), encodeEntry(entry), 'PX', ttl);
      pipeline.hset(this.indexKey(entry.tags.org), key, encodeIndex(entry));
      orgs.add(entry.tags.org);
    }
    for (const org of orgs) pipeline.pexpire(this.indexKey(org), this.options.indexTtlMs);
    await this.exec(pipeline);
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (!this.connected || keys.length === 0) return;
    try {
      await this.client.unlink(...keys.map((k) => this.entryKey(k)));
    } catch (err) {
      this.fail(err);
    }
  }

  /** Resolves to -1 when Redis could not be reached (the caller keeps the rule for later). */
  async invalidate(rule: InvalidationRule): Promise<number> {
    if (!this.connected) return -1;
    if (rule.org === null) return this.clear().then(() => 0);
    const org = rule.org;
    return new Promise<number>((resolve) => {
      let batch = this.queued.get(org);
      if (!batch) this.queued.set(org, (batch = { rules: [], done: [] }));
      batch.rules.push(rule);
      batch.done.push(resolve);
      if (!this.running.has(org)) void this.drain(org);
    });
  }

  private async drain(org: string): Promise<void> {
    this.running.add(org);
    try {
      for (let batch = this.queued.get(org); batch; batch = this.queued.get(org)) {
        this.queued.delete(org);
        const n = await this.invalidateIndexed(org, batch.rules);
        for (const done of batch.done) done(n);
      }
    } finally {
      this.running.delete(org);
    }
  }

  private async invalidateIndexed(org: string, rules: readonly InvalidationRule[]): Promise<number> {
    try {
      const index = await this.client.hgetall(this.indexKey(org));
      const now = this.now();
      const doomed: string[] = [];
      const gone: string[] = [];
      for (const [key, text] of Object.entries(index)) {
        const item = decodeIndex(org, text);
        if (item === null || item.expiresAt <= now) gone.push(key);
        else if (rules.some((r) => matches(item.tags, r))) doomed.push(key);
      }
      if (doomed.length + gone.length === 0) return 0;
      const pipeline = this.client.pipeline();
      if (doomed.length) pipeline.unlink(...doomed.map((k) => this.entryKey(k)));
      pipeline.hdel(this.indexKey(org), ...doomed, ...gone);
      return (await this.exec(pipeline)) ? doomed.length : -1;
    } catch (err) {
      this.fail(err);
      return -1;
    }
  }

  /** Single-flight across instances: true when this caller may compute `key` now. */
  async tryLock(key: string, token: string, ms: number): Promise<boolean | null> {
    if (!this.connected) return null;
    try {
      return (await this.client.set(`${this.options.prefix}l:${key}`, token, 'PX', ms, 'NX')) === 'OK';
    } catch (err) {
      this.fail(err);
      return null;
    }
  }

  async unlock(key: string, token: string): Promise<void> {
    if (!this.connected) return;
    try {
      await this.client.eval(UNLOCK, 1, `${this.options.prefix}l:${key}`, token);
    } catch (err) {
      this.fail(err);
    }
  }

  /** The number of subscribers Redis delivered `message` to, or -1 when it could not be sent. */
  async publish(message: string, channel = this.channel): Promise<number> {
    if (!this.connected) return -1;
    try {
      return await this.client.publish(channel, message);
    } catch (err) {
      this.fail(err);
      return -1;
    }
  }

  async clear(): Promise<void> {
    if (!this.connected) return;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.options.prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await this.client.unlink(...keys);
      } while (cursor !== '0');
    } catch (err) {
      this.fail(err);
    }
  }

  stats(): LayerStats {
    // Entries and bytes would need a keyspace scan; /cache/stats reports them for L1 only.
    return { hits: this.hits, misses: this.misses, entries: 0, bytes: 0 };
  }

  async close(): Promise<void> {
    // The connection belongs to whoever created it (the cache factory closes it).
  }

  private async exec(pipeline: ReturnType<Redis['pipeline']>): Promise<boolean> {
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err !== null);
      if (failed) {
        this.fail(failed[0]);
        return false;
      }
      return true;
    } catch (err) {
      this.fail(err);
      return false;
    }
  }
}
