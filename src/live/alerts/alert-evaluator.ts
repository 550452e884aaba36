/**
 * Evaluates alert rules: on new data of an org (debounced per org; only on the instance where
 * the data was ingested, so each notice is evaluated once cluster-wide) and on a timer (one
 * instance per tick, through a bus claim), which catches conditions that hold without new data
 * ("fewer than 1 payment in 15 minutes"). A firing is claimed on the bus (one instance fires,
 * whatever the race), stored, published to every instance's live clients, and sent to the
 * rule's webhook.
 */
import { randomUUID } from 'node:crypto';
import type { LiveBus } from '../bus/bus-port.js';
import type { LiveLog } from '../close-codes.js';
import { Coalescer } from '../coalescer.js';
import type { LiveEngine } from '../query-group.js';
import type { AlertRepository } from './alert-repository.js';
import type { AlertRule, FiredAlert } from './alert-types.js';
import { compare } from './alert-types.js';
import { durationMs } from './durations.js';
import type { DeliveryOptions } from './webhook-delivery.js';
import { deliverWebhook } from './webhook-delivery.js';

export interface AlertEvaluatorOptions {
  repo: AlertRepository;
  engine: LiveEngine;
  bus: LiveBus;
  origin: string;
  log: LiveLog;
  now: () => number;
  evalIntervalMs: number;
  /** At most one data-triggered evaluation per org in this period (the first runs at once). */
  debounceMs: number;
  delivery: DeliveryOptions;
}

/** Rules are re-read at most this often per org; a create or delete anywhere refreshes at once (bus). */
const RULES_TTL_MS = 2000;
const MAX_CACHED_ORGS = 10_000;

export class AlertEvaluator {
  private readonly perOrg = new Map<string, Coalescer>();
  private readonly rules = new Map<string, { rules: AlertRule[]; until: number }>();
  private timer: NodeJS.Timeout | null = null;
  private readonly deliveries = new Set<Promise<void>>();
  firings = 0;

  constructor(private readonly o: AlertEvaluatorOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.o.evalIntervalMs).unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.perOrg.values()) c.stop();
    this.perOrg.clear();
    // In-flight webhook retries are not awaited: their state stays `pending` in alert_events.
  }

  /** New data arrived in `org` (published by this instance). */
  onData(org: string): void {
    let c = this.perOrg.get(org);
    if (c === undefined) {
      if (this.perOrg.size >= MAX_CACHED_ORGS) this.perOrg.clear();
      c = new Coalescer(() => this.evaluateOrg(org, 'data'), this.o.debounceMs, this.o.now, (err) => this.o.log.error({ err, org }, 'alerts: evaluation failed'));
      this.perOrg.set(org, c);
    }
    c.request();
  }

  /** Forgets cached rules of an org (after a create or delete here). */
  invalidate(org: string): void {
    this.rules.delete(org);
  }

  /** One timer tick; exported for tests. Only the instance that claims the tick evaluates. */
  async tick(): Promise<void> {
    try {
      const slot = Math.floor(this.o.now() / this.o.evalIntervalMs);
      if (!(await this.o.bus.claim(`alerts-tick:${slot}`, this.o.evalIntervalMs))) return;
      const all = await this.o.repo.listAll();
      for (const rule of all) await this.evaluateSafely(rule, 'timer');
    } catch (err) {
      this.o.log.error({ err }, 'alerts: timer evaluation failed');
    }
  }

  async evaluateOrg(org: string, trigger: FiredAlert['trigger']): Promise<void> {
    for (const rule of await this.rulesOf(org)) await this.evaluateSafely(rule, trigger);
  }

  /** Waits for webhook deliveries started so far (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.deliveries]);
  }

  private async rulesOf(org: string): Promise<AlertRule[]> {
    const cached = this.rules.get(org);
    if (cached && cached.until > this.o.now()) return cached.rules;
    const rules = await this.o.repo.list(org);
    if (this.rules.size >= MAX_CACHED_ORGS) this.rules.clear();
    this.rules.set(org, { rules, until: this.o.now() + RULES_TTL_MS });
    return rules;
  }

  /** One failing rule (say, a metric the model no longer has) must not stop the others. */
  private async evaluateSafely(rule: AlertRule, trigger: FiredAlert['trigger']): Promise<void> {
    try {
      await this.evaluate(rule, trigger);
    } catch (err) {
      this.o.log.warn({ err, rule: rule.id, org: rule.org }, 'alerts: rule evaluation failed');
    }
  }

  private async evaluate(rule: AlertRule, trigger: FiredAlert['trigger']): Promise<void> {
    const now = this.o.now();
    const cooldownMs = durationMs(rule.cooldown) ?? 0;
    if (rule.lastFiredAt !== null && now - Date.parse(rule.lastFiredAt) < cooldownMs) return;
    const windowMs = durationMs(rule.query.window) ?? 0;
    const result = await this.o.engine.run(
      {
        metrics: [rule.query.metric],
        ...(rule.query.filters ? { filters: rule.query.filters } : {}),
        // `to` is exclusive: reach just past now so an event stamped this millisecond counts.
        timeRange: { from: new Date(now - windowMs).toISOString(), to: new Date(now + 1).toISOString() },
      },
      { org: rule.org },
    );
    const value = result.rows[0]?.[rule.query.metric];
    if (typeof value !== 'number' || !compare(value, rule.comparison, rule.threshold)) return;
    // Instances may race on the same rule (timer vs data); the claim lets exactly one fire.
    if (!(await this.o.bus.claim(`alert:${rule.id}`, Math.max(cooldownMs, 1000)))) return;
    const alert: FiredAlert = {
      id: `al_${randomUUID()}`,
      ruleId: rule.id,
      org: rule.org,
      name: rule.name,
      metric: rule.query.metric,
      window: rule.query.window,
      comparison: rule.comparison,
      threshold: rule.threshold,
      value,
      firedAt: new Date(now).toISOString(),
      trigger,
    };
    await this.o.repo.recordFiring(alert, rule.webhook === null ? 'none' : 'pending');
    rule.lastFiredAt = alert.firedAt;
    this.firings++;
    await this.o.bus.publish({ kind: 'alert', org: rule.org, alert, origin: this.o.origin });
    if (rule.webhook !== null) this.track(this.deliver(rule, rule.webhook, alert));
  }

  private track(p: Promise<void>): void {
    this.deliveries.add(p);
    void p.finally(() => this.deliveries.delete(p));
  }

  private async deliver(rule: AlertRule, url: string, alert: FiredAlert): Promise<void> {
    try {
      const payload = { type: 'alert', alert, rule: { id: rule.id, name: rule.name, query: rule.query, comparison: rule.comparison, threshold: rule.threshold } };
      const result = await deliverWebhook(url, payload, this.o.delivery);
      await this.o.repo.recordDelivery(alert.org, alert.id, result.delivered ? 'delivered' : 'failed', result.attempts, result.error);
      if (!result.delivered) this.o.log.warn({ rule: rule.id, error: result.error, attempts: result.attempts }, 'alerts: webhook delivery failed');
    } catch (err) {
      this.o.log.error({ err, rule: rule.id }, 'alerts: recording a webhook delivery failed');
    }
  }
}
