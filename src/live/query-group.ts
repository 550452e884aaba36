/**
 * One live query shared by every subscriber of the same (org, normalized query, interval): one
 * engine run per interval however many subscribers and notices, one serialization per run, and a
 * push only when the answer's columns or rows changed. `meta` (durationMs, generatedAt, a
 * preset's moving timeRange) is not compared: a fresher meta alone is not news.
 */
import type { QueryResult, QuerySpec } from '../domain/query.js';
import type { AppError } from '../domain/errors.js';
import { normalizeError, toProblem } from '../http/plugins/errors.js';
import type { Problem } from '../http/plugins/errors.js';
import { Coalescer } from './coalescer.js';
import { resultFrame } from './frames.js';
import type { NoticeSpan, QueryScope } from './query-scope.js';

export interface LiveEngine {
  run(spec: QuerySpec, scope: { org: string }): Promise<QueryResult>;
}

/** Where a subscriber's result frames go (a WebSocket session). */
export interface ResultSink {
  sendFrame(frame: Buffer): void;
  /** `ended`: the subscription is gone (the query cannot be answered); else it stays and may recover. */
  sendError(id: string, problem: Problem, ended: boolean): void;
}

export interface Member {
  sink: ResultSink;
  id: string;
  /** The group version this member last received; -1 before its first result. */
  sentVersion: number;
}

export interface GroupHooks {
  /** The query cannot be answered at all (a 4xx from the engine): drop the whole group. */
  onFatal(group: QueryGroup, error: AppError): void;
  onError(err: unknown): void;
  now(): number;
}

export class QueryGroup {
  readonly members = new Set<Member>();
  private readonly coalescer: Coalescer;
  private version = 0;
  private data: Buffer | null = null;
  private answer: string | null = null;
  /** Frames of the current version, by subscription id: subscribers with the same id share bytes. */
  private frames = new Map<string, Buffer>();
  private lastRunAt = -Infinity;
  private lastNoticeAt = -Infinity;
  runs = 0;

  constructor(
    readonly key: string,
    readonly org: string,
    private readonly spec: QuerySpec,
    private readonly scope: QueryScope,
    readonly intervalMs: number,
    private readonly engine: LiveEngine,
    private readonly hooks: GroupHooks,
  ) {
    this.coalescer = new Coalescer(() => this.run(), intervalMs, hooks.now, hooks.onError);
  }

  add(member: Member): void {
    this.members.add(member);
    const now = this.hooks.now();
    const fresh = this.data !== null && this.lastRunAt >= this.lastNoticeAt && now - this.lastRunAt < this.intervalMs;
    if (fresh && !this.coalescer.busy) this.deliver(member);
    // A run under way answers the newcomer too: it has never been sent this version.
    else this.coalescer.runNow();
  }

  remove(member: Member): void {
    this.members.delete(member);
  }

  notice(notice: NoticeSpan): void {
    const now = this.hooks.now();
    if (!this.scope.affects(notice, now)) return;
    this.lastNoticeAt = now;
    this.coalescer.request();
  }

  stop(): void {
    this.coalescer.stop();
  }

  private deliver(member: Member): void {
    if (this.data === null) return;
    let bytes = this.frames.get(member.id);
    if (bytes === undefined) {
      bytes = resultFrame(member.id, this.data);
      // Bounded by the distinct ids of this group's members; reset on every new version.
      this.frames.set(member.id, bytes);
    }
    member.sentVersion = this.version;
    member.sink.sendFrame(bytes);
  }

  private async run(): Promise<void> {
    if (this.members.size === 0) return;
    this.lastRunAt = this.hooks.now();
    this.runs++;
    let result: QueryResult;
    try {
      result = await this.engine.run(this.spec, { org: this.org });
    } catch (err) {
      this.fail(err);
      return;
    }
    const answer = `"columns":${JSON.stringify(result.columns)},"rows":${JSON.stringify(result.rows)}`;
    // Always keep the newest meta for newcomers; existing members only hear about changed answers.
    this.data = Buffer.from(`{${answer},"meta":${JSON.stringify(result.meta)}}`);
    this.frames = new Map();
    if (answer !== this.answer) {
      this.answer = answer;
      this.version++;
    }
    for (const member of this.members) if (member.sentVersion !== this.version) this.deliver(member);
  }

  private fail(err: unknown): void {
    const error = normalizeError(err);
    if (error.status < 500) {
      this.hooks.onFatal(this, error);
      return;
    }
    this.hooks.onError(err);
    // The store may come back: members keep their subscription and hear of the failure once.
    const problem = toProblem(error);
    for (const member of this.members) member.sink.sendError(member.id, problem, false);
  }
}
