/**
 * The one place statements over `events` are assembled: it owns the parameter list, reserves `$1`
 * for the tenant and puts `"org_id" = $1` first in every WHERE. Every other view (activity lists,
 * leaderboards, funnels) should build its SQL through this class too.
 */
import { AppError } from '../../domain/errors.js';
import type { SqlParam } from '../../store/port.js';
import type { Dialect } from '../dialects/dialect.js';
import type { TimeSpan } from '../time.js';
import type { CompiledSql } from '../types.js';

export const EVENTS_TABLE = 'events';

/** The fixed columns of `events`; declared props live in `p_<name>` columns from the catalog. */
export type EventColumn = 'org_id' | 'ts' | 'event' | 'actor' | 'id' | 'received_at' | 'extra';

export interface SelectParts {
  select: string[];
  /** WITH items (`name AS (…)`) before the SELECT. */
  with?: string[];
  /** JOIN clauses after FROM "events". */
  join?: string[];
  /** Conditions ANDed after the tenant filter. */
  where?: string[];
  groupBy?: string[];
  orderBy?: string[];
  /** Bound as parameters. */
  limit?: number;
  offset?: number;
}

export class SqlBuilder {
  readonly dialect: Dialect;
  private readonly values: SqlParam[];

  constructor(dialect: Dialect, org: string) {
    this.dialect = dialect;
    this.values = [org];
  }

  /** Binds a value and returns its placeholder (`$n`). The only way a value reaches SQL. */
  param(value: SqlParam): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A quoted identifier; callers pass fixed columns or a catalog prop's `column`. */
  ident(name: EventColumn | string): string {
    return this.dialect.quoteIdent(name);
  }

  /** A bound epoch-ms instant as a timestamp. */
  time(ms: number): string {
    return this.dialect.timeParam(this.param(ms));
  }

  get tenant(): string {
    return `${this.ident('org_id')} = $1`;
  }

  /** `ts` in [from, to). */
  timeRange(span: TimeSpan): string {
    const ts = this.ident('ts');
    return `${ts} >= ${this.time(span.from)} AND ${ts} < ${this.time(span.to)}`;
  }

  get params(): readonly SqlParam[] {
    return this.values;
  }

  /** `SELECT … FROM "events" WHERE "org_id" = $1 AND …`, one clause per line. */
  select(parts: SelectParts): CompiledSql {
    const lines = [
      ...(parts.with?.length ? [`WITH ${parts.with.join(', ')}`] : []),
      `SELECT ${parts.select.join(', ')}`,
      `FROM ${this.ident(EVENTS_TABLE)}`,
      ...(parts.join ?? []),
      `WHERE ${[this.tenant, ...(parts.where ?? [])].join(' AND ')}`,
    ];
    if (parts.groupBy?.length) lines.push(`GROUP BY ${parts.groupBy.join(', ')}`);
    if (parts.orderBy?.length) lines.push(`ORDER BY ${parts.orderBy.join(', ')}`);
    const page = [
      parts.limit === undefined ? null : `LIMIT ${this.param(parts.limit)}`,
      parts.offset === undefined ? null : `OFFSET ${this.param(parts.offset)}`,
    ].filter((p) => p !== null);
    if (page.length) lines.push(page.join(' '));
    return this.finish(lines.join('\n'));
  }

  /**
   * Wraps hand-assembled SQL (CTEs, subqueries). It must contain the tenant filter; this is checked
   * so that a statement without it fails in tests instead of leaking another org's rows.
   */
  finish(sql: string): CompiledSql {
    if (!sql.includes(this.tenant)) throw new AppError('INTERNAL', 'statement lacks the tenant filter');
    return { sql, params: [...this.values] };
  }
}
