/**
 * Alert rules and firings in the store's metadata tables (alert_rules, alert_events), portable
 * SQL with `$n` parameters like the users and ingest-key tables. Analytical reads never come
 * through here: an alert's metric is computed by the engine.
 */
import { randomUUID } from 'node:crypto';
import type { SqlRow, SqlValue, Store } from '../../store/port.js';
import type { AlertEventRecord, AlertQuery, AlertRule, AlertRuleInput, Comparison, DeliveryStatus, FiredAlert } from './alert-types.js';

export type MetadataStore = Pick<Store, 'query' | 'execute'>;

const RULE_COLUMNS = 'r.id, r.org_id, r.name, r.query, r.comparison, r.threshold, r.cooldown, r.webhook, r.created_at';
const LAST_FIRED = '(SELECT max(e.fired_at) FROM alert_events e WHERE e.org_id = r.org_id AND e.rule_id = r.id) AS last_fired_at';

function iso(value: SqlValue | undefined): string | null {
  return value === null || value === undefined ? null : new Date(Number(value)).toISOString();
}

function toRule(r: SqlRow): AlertRule {
  return {
    id: String(r['id']),
    org: String(r['org_id']),
    name: String(r['name']),
    query: JSON.parse(String(r['query'])) as AlertQuery,
    comparison: String(r['comparison']) as Comparison,
    threshold: Number(r['threshold']),
    cooldown: String(r['cooldown']),
    webhook: r['webhook'] === null ? null : String(r['webhook']),
    createdAt: iso(r['created_at']) ?? '',
    lastFiredAt: iso(r['last_fired_at']),
  };
}

function toEvent(r: SqlRow): AlertEventRecord {
  return {
    id: String(r['id']),
    org: String(r['org_id']),
    ruleId: String(r['rule_id']),
    name: String(r['name']),
    metric: String(r['metric']),
    window: String(r['window_text']),
    comparison: String(r['comparison']) as Comparison,
    threshold: Number(r['threshold']),
    value: Number(r['value']),
    trigger: String(r['trigger']) === 'timer' ? 'timer' : 'data',
    firedAt: iso(r['fired_at']) ?? '',
    delivery: String(r['delivery']) as DeliveryStatus,
    deliveryAttempts: Number(r['delivery_attempts']),
    deliveryError: r['delivery_error'] === null ? null : String(r['delivery_error']),
  };
}

export class AlertRepository {
  constructor(private readonly store: MetadataStore) {}

  async create(org: string, input: Required<AlertRuleInput>, now: number): Promise<AlertRule> {
    const id = `ar_${randomUUID()}`;
    const createdAt = new Date(now).toISOString();
    await this.store.execute(
      `INSERT INTO alert_rules (id, org_id, name, query, comparison, threshold, cooldown, webhook, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::TIMESTAMP)`,
      [id, org, input.name, JSON.stringify(input.query), input.comparison, input.threshold, input.cooldown, input.webhook, createdAt],
    );
    return { id, org, ...input, createdAt, lastFiredAt: null };
  }

  async count(org: string): Promise<number> {
    const rows = await this.store.query('SELECT count(*) AS n FROM alert_rules WHERE org_id = $1', [org]);
    return Number(rows[0]?.['n'] ?? 0);
  }

  async list(org: string): Promise<AlertRule[]> {
    const rows = await this.store.query(`SELECT ${RULE_COLUMNS}, ${LAST_FIRED} FROM alert_rules r WHERE r.org_id = $1 ORDER BY r.created_at, r.id`, [org]);
    return rows.map(toRule);
  }

  /** Rules of every org, for the periodic evaluation. */
  async listAll(): Promise<AlertRule[]> {
    const rows = await this.store.query(`SELECT ${RULE_COLUMNS}, ${LAST_FIRED} FROM alert_rules r ORDER BY r.org_id, r.created_at`, []);
    return rows.map(toRule);
  }

  /** False when the org has no such rule (404, never 403: other orgs' ids are invisible). */
  async delete(org: string, id: string): Promise<boolean> {
    const rows = await this.store.query('SELECT id FROM alert_rules WHERE org_id = $1 AND id = $2', [org, id]);
    if (rows.length === 0) return false;
    await this.store.execute('DELETE FROM alert_rules WHERE org_id = $1 AND id = $2', [org, id]);
    return true;
  }

  async recordFiring(alert: FiredAlert, delivery: DeliveryStatus): Promise<void> {
    await this.store.execute(
      `INSERT INTO alert_events (id, org_id, rule_id, name, metric, window_text, comparison, threshold, value, trigger, fired_at, delivery, delivery_attempts, delivery_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::TIMESTAMP, $12, 0, NULL)`,
      [alert.id, alert.org, alert.ruleId, alert.name, alert.metric, alert.window, alert.comparison, alert.threshold, alert.value, alert.trigger, alert.firedAt, delivery],
    );
  }

  async recordDelivery(org: string, id: string, delivery: DeliveryStatus, attempts: number, error: string | null): Promise<void> {
    await this.store.execute('UPDATE alert_events SET delivery = $3, delivery_attempts = $4, delivery_error = $5 WHERE org_id = $1 AND id = $2', [
      org,
      id,
      delivery,
      attempts,
      error,
    ]);
  }

  async events(org: string, options: { limit: number; ruleId?: string; before?: string }): Promise<AlertEventRecord[]> {
    const params: (string | number)[] = [org];
    let where = 'org_id = $1';
    if (options.ruleId !== undefined) {
      params.push(options.ruleId);
      where += ` AND rule_id = $${params.length}`;
    }
    if (options.before !== undefined) {
      params.push(options.before);
      where += ` AND fired_at < $${params.length}::TIMESTAMP`;
    }
    params.push(options.limit);
    const rows = await this.store.query(`SELECT * FROM alert_events WHERE ${where} ORDER BY fired_at DESC, id DESC LIMIT $${params.length}`, params);
    return rows.map(toEvent);
  }
}
