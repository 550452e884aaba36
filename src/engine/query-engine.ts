/**
 * The engine runs compiled plans: compile (pure) → store → shape. It is the only path from the
 * HTTP layer, live queries and exports to the store for analytical reads.
 */
import { noteRead } from '../cache/read-scope.js';
import { ANY_READ } from '../cache/tags.js';
import { AppError } from '../domain/errors.js';
import type { QueryResult, QuerySpec } from '../domain/query.js';
import type { Catalog } from '../model/types.js';
import { dialectFor, parseQuery, planQuery } from '../query/index.js';
import type { Dialect, ParsedQuery } from '../query/index.js';
import type { CompiledSql, QueryPlan, TimeWindow } from '../query/types.js';
import type { QueryOptions, SqlParam, SqlRow, Store } from '../store/port.js';
import type { BucketCache } from './bucket-cache.js';
import { bucketShape } from './bucket-cache.js';
import { queryReadTag } from './read-tag.js';
import { shapeRows } from './shape.js';

export interface QueryScope {
  org: string;
}

export interface EngineOptions {
  now?: () => number;
  /** A query running longer is interrupted and fails with QUERY_TIMEOUT (503); 0 or absent = no limit. */
  queryTimeoutMs?: number;
  /** Per-bucket rows of time series (engine/bucket-cache.ts); absent = every statement over the whole window. */
  buckets?: BucketCache | null;
}

interface Compiled {
  parsed: ParsedQuery;
  plan: QueryPlan;
  now: number;
}

/** One finished store round of run() ('query') or runSql() ('sql'), for metrics and /system. */
export interface QueryObservation {
  kind: 'query' | 'sql';
  durationMs: number;
  outcome: 'ok' | 'error' | 'timeout';
}

export type QueryListener = (observation: QueryObservation) => void;

/**
 * A per-org cap on statements running at once (ops/rate-limit/query-slots.ts). acquire() may
 * wait, or throw (429 queue full, 503 waited too long); the release runs when the statement ends.
 */
export interface QueryGate {
  acquire(org: string): Promise<() => void>;
}

export class QueryEngine {
  readonly dialect: Dialect;
  private readonly now: () => number;
  private readonly queryTimeoutMs: number;
  private readonly listeners = new Set<QueryListener>();
  private readonly buckets: BucketCache | null;
  private gate: QueryGate | null = null;

  constructor(
    private readonly store: Store,
    readonly catalog: Catalog,
    options: EngineOptions = {},
  ) {
    this.dialect = dialectFor(store.dialect);
    this.now = options.now ?? Date.now;
    this.queryTimeoutMs = options.queryTimeoutMs ?? 0;
    this.buckets = options.buckets ?? null;
  }

  /** Set by the HTTP app (query slots); cache hits never reach the engine, so they never wait. */
  useGate(gate: QueryGate | null): void {
    this.gate = gate;
  }

  onQuery(listener: QueryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The engine's "now" (epoch ms): views that build their own windows (realtime, streaks) use it. */
  clock(): number {
    return this.now();
  }

  /** Compiles without running; used by callers that want the plan (cache keys, explain). */
  async plan(spec: QuerySpec, scope: QueryScope): Promise<QueryPlan> {
    return (await this.compile(spec, scope)).plan;
  }

  private async compile(spec: QuerySpec, scope: QueryScope): Promise<Compiled> {
    const needsStart = spec.timeRange !== undefined && 'preset' in spec.timeRange && spec.timeRange.preset === 'all';
    const dataStart = needsStart ? await this.dataStart(scope.org) : null;
    const now = this.now();
    const parsed = parseQuery(spec, this.catalog);
    return { parsed, now, plan: planQuery(parsed, this.dialect, { org: scope.org, now, dataStart }) };
  }

  async run(spec: QuerySpec, scope: QueryScope): Promise<QueryResult> {
    return this.bounded('query', scope.org, (options) => this.execute(spec, scope, options));
  }

  private async execute(spec: QuerySpec, scope: QueryScope, options: QueryOptions): Promise<QueryResult> {
    const started = performance.now();
    const compiled = await this.compile(spec, scope);
    const plan = compiled.plan;
    // What this answer read, for a cache computing it (no-op otherwise): its invalidation tags.
    noteRead(queryReadTag(compiled.parsed, plan, compiled.now));
    const run = (c: CompiledSql): Promise<SqlRow[]> => this.store.query(c.sql, c.params, options);
    const [rows, previousRows] = await Promise.all([
      this.rowsOf(spec, scope, compiled, plan.window, plan.main, run),
      plan.previous ? this.rowsOf(spec, scope, compiled, plan.previous.window, plan.previous.sql, run) : Promise.resolve(null),
    ]);
    const shaped = shapeRows(plan, rows, previousRows);
    return {
      columns: plan.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: shaped,
      meta: {
        timeRange: { from: new Date(plan.window.from).toISOString(), to: new Date(plan.window.to).toISOString() },
        granularity: plan.granularity,
        timezone: plan.timezone,
        ...(plan.previous
          ? { compare: { from: new Date(plan.previous.window.from).toISOString(), to: new Date(plan.previous.window.to).toISOString() } }
          : {}),
        cache: { hit: false, layer: null, generatedAt: new Date().toISOString(), ttlSeconds: 0 },
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      },
    };
  }

  /** A time series through the bucket cache when there is one: closed buckets come from the cache. */
  private rowsOf(spec: QuerySpec, scope: QueryScope, c: Compiled, window: TimeWindow, whole: CompiledSql, run: (c: CompiledSql) => Promise<SqlRow[]>): Promise<SqlRow[]> {
    if (this.buckets === null || c.plan.granularity === null) return run(whole);
    const shape = bucketShape(spec, c.plan, scope.org, this.catalog.version, this.store.dialect);
    return this.buckets.rows({ org: scope.org, shape, parsed: c.parsed, plan: c.plan, window, whole, dialect: this.dialect, now: c.now, run });
  }

  /** The store's largest actor key (Store.largestActorKey). */
  largestActorKey(): number | null {
    return this.store.largestActorKey();
  }

  /**
   * Runs a statement built by a view module with the query builder (tenant filter included).
   * For the cache it counts as reading any event at any time, unless the view wraps the call in
   * withReadTag (cache/read-scope.ts) with what it really reads.
   */
  async runSql(sql: string, params: readonly SqlParam[], scope?: QueryScope): Promise<SqlRow[]> {
    noteRead(ANY_READ);
    return this.bounded('sql', scope?.org ?? null, (options) => this.store.query(sql, params, options));
  }

  /**
   * Runs store work under the query timeout: a runaway statement is interrupted in the store
   * (freeing its connection) and reported as QUERY_TIMEOUT instead of holding the caller forever.
   */
  private async bounded<T>(kind: QueryObservation['kind'], org: string | null, work: (options: QueryOptions) => Promise<T>): Promise<T> {
    // The org's query slot; waiting for it does not count against the timeout.
    const release = this.gate !== null && org !== null ? await this.gate.acquire(org) : null;
    try {
      return await this.timed(kind, work);
    } finally {
      release?.();
    }
  }

  private async timed<T>(kind: QueryObservation['kind'], work: (options: QueryOptions) => Promise<T>): Promise<T> {
    const limit = this.queryTimeoutMs;
    const signal = limit > 0 ? AbortSignal.timeout(limit) : undefined;
    const started = performance.now();
    let outcome: QueryObservation['outcome'] = 'error';
    try {
      const result = await work(signal ? { signal } : {});
      outcome = 'ok';
      return result;
    } catch (err) {
      if (signal?.aborted && err === signal.reason) {
        outcome = 'timeout';
        throw new AppError('QUERY_TIMEOUT', `The query ran longer than ${limit} ms and was stopped.`, undefined, { cause: err });
      }
      throw err;
    } finally {
      if (this.listeners.size > 0) {
        const observation: QueryObservation = { kind, durationMs: performance.now() - started, outcome };
        for (const listener of this.listeners) listener(observation);
      }
    }
  }

  private async dataStart(org: string): Promise<number | null> {
    const sql = `SELECT ${this.dialect.epochMs('min(ts)')} AS start FROM events WHERE org_id = $1`;
    const rows = await this.store.query(sql, [org]);
    const start = rows[0]?.['start'];
    return typeof start === 'number' ? start : null;
  }
}
