/** What the /alerts routes call: rule CRUD per org (validated, bounded) and the firing history. */
import { AppError } from '../../domain/errors.js';
import type { Catalog } from '../../model/types.js';
import type { AlertRepository } from './alert-repository.js';
import { MAX_RULES_PER_ORG, validateRule } from './alert-rules.js';
import type { AlertEventRecord, AlertRule, AlertRuleInput } from './alert-types.js';
import type { WebhookPolicy } from './webhook-guard.js';

export class AlertService {
  constructor(
    private readonly repo: AlertRepository,
    /** Drops cached rules here and, through the bus, on every other instance. */
    private readonly rulesChanged: (org: string) => void,
    private readonly catalog: Catalog,
    private readonly webhooks: WebhookPolicy,
    private readonly now: () => number,
  ) {}

  async create(org: string, input: AlertRuleInput): Promise<AlertRule> {
    const rule = await validateRule(input, this.catalog, this.webhooks);
    if ((await this.repo.count(org)) >= MAX_RULES_PER_ORG) {
      throw new AppError('CONFLICT', `An organisation may have at most ${MAX_RULES_PER_ORG} alert rules; delete one first.`);
    }
    const created = await this.repo.create(org, rule, this.now());
    this.rulesChanged(org);
    return created;
  }

  list(org: string): Promise<AlertRule[]> {
    return this.repo.list(org);
  }

  async delete(org: string, id: string): Promise<void> {
    if (!(await this.repo.delete(org, id))) throw new AppError('NOT_FOUND', 'No such alert rule.');
    this.rulesChanged(org);
  }

  events(org: string, options: { limit: number; ruleId?: string; before?: string }): Promise<AlertEventRecord[]> {
    return this.repo.events(org, options);
  }
}
