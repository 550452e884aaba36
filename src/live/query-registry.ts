/**
 * Live query subscriptions, grouped so that identical queries share work: the group key is
 * (org, interval, normalized query) with the cache's normalization (src/cache/keys.ts), so
 * `{"metrics":["count"],"timezone":"utc"}` and `{"timezone":"UTC","metrics":["count"]}` share
 * one engine run and one payload.
 */
import { canonicalJson, normalizeQuerySpec } from '../cache/keys.js';
import type { AppError } from '../domain/errors.js';
import { toProblem } from '../http/plugins/errors.js';
import type { QuerySpec } from '../domain/query.js';
import type { Catalog } from '../model/types.js';
import { parseQuery } from '../query/index.js';
import type { LiveEngine, Member, ResultSink } from './query-group.js';
import { QueryGroup } from './query-group.js';
import type { NoticeSpan } from './query-scope.js';
import { QueryScope } from './query-scope.js';

export interface PreparedQuery {
  org: string;
  spec: QuerySpec;
  intervalMs: number;
  key: string;
  scope: QueryScope;
}

export interface QuerySubscription {
  cancel(): void;
}

export interface RegistryOptions {
  engine: LiveEngine;
  catalog: Catalog;
  now: () => number;
  onError: (err: unknown) => void;
}

export class QueryRegistry {
  private readonly groups = new Map<string, QueryGroup>();
  private readonly byOrg = new Map<string, Set<QueryGroup>>();

  constructor(private readonly options: RegistryOptions) {}

  /** Validates the query: throws AppError naming each problem. The result is passed to subscribe. */
  prepare(org: string, spec: QuerySpec, intervalMs: number): PreparedQuery {
    const parsed = parseQuery(spec, this.options.catalog);
    const key = `${org}\u0000${intervalMs}\u0000${canonicalJson(normalizeQuerySpec(spec))}`;
    return { org, spec, intervalMs, key, scope: new QueryScope(parsed) };
  }

  /** Joins (or creates) the query's group; the first result follows at once or after the running computation. */
  subscribe(prepared: PreparedQuery, sink: ResultSink, id: string): QuerySubscription {
    const { org, key } = prepared;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new QueryGroup(key, org, prepared.spec, prepared.scope, prepared.intervalMs, this.options.engine, {
        now: this.options.now,
        onError: this.options.onError,
        onFatal: (g, error) => this.dropGroup(g, error),
      });
      this.groups.set(key, group);
      let set = this.byOrg.get(org);
      if (set === undefined) this.byOrg.set(org, (set = new Set()));
      set.add(group);
    }
    const member: Member = { sink, id, sentVersion: -1 };
    const joined = group;
    joined.add(member);
    return { cancel: () => this.leave(joined, member) };
  }

  onNotice(org: string, notice: NoticeSpan): void {
    const groups = this.byOrg.get(org);
    if (groups === undefined) return;
    for (const group of groups) group.notice(notice);
  }

  stats(): { groups: number; subscriptions: number; runs: number } {
    let subscriptions = 0;
    let runs = 0;
    for (const g of this.groups.values()) {
      subscriptions += g.members.size;
      runs += g.runs;
    }
    return { groups: this.groups.size, subscriptions, runs };
  }

  close(): void {
    for (const g of this.groups.values()) g.stop();
    this.groups.clear();
    this.byOrg.clear();
  }

  private leave(group: QueryGroup, member: Member): void {
    group.remove(member);
    if (group.members.size === 0) this.forget(group);
  }

  private forget(group: QueryGroup): void {
    group.stop();
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    const set = this.byOrg.get(group.org);
    set?.delete(group);
    if (set?.size === 0) this.byOrg.delete(group.org);
  }

  private dropGroup(group: QueryGroup, error: AppError): void {
    this.forget(group);
    const problem = toProblem(error);
    for (const member of group.members) member.sink.sendError(member.id, problem, true);
    group.members.clear();
  }
}
