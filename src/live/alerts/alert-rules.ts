/**
 * Checks a new alert rule against the model (its metric and filters must compile) and the
 * webhook guard, collecting every problem with its path as the rest of the API does.
 */
import { AppError } from '../../domain/errors.js';
import type { FieldError } from '../../domain/errors.js';
import type { Catalog } from '../../model/types.js';
import { parseFilters, parseMetricRef } from '../../query/index.js';
import type { AlertRuleInput } from './alert-types.js';
import { DEFAULT_COOLDOWN, durationMs, MAX_COOLDOWN_MS, MAX_WINDOW_MS, MIN_WINDOW_MS } from './durations.js';
import type { WebhookPolicy } from './webhook-guard.js';
import { checkWebhookTarget } from './webhook-guard.js';

export const MAX_RULES_PER_ORG = 100;

function problemsOf(err: unknown): FieldError[] {
  if (err instanceof AppError) return err.errors ?? [{ path: '/', message: err.message }];
  throw err;
}

export async function validateRule(input: AlertRuleInput, catalog: Catalog, webhooks: WebhookPolicy): Promise<Required<AlertRuleInput>> {
  const errors: FieldError[] = [];
  try {
    parseMetricRef(input.query.metric, catalog, '/query/metric');
  } catch (err) {
    errors.push(...problemsOf(err));
  }
  try {
    parseFilters(input.query.filters ?? [], catalog, 'UTC', '/query/filters');
  } catch (err) {
    errors.push(...problemsOf(err));
  }
  const window = durationMs(input.query.window);
  if (window === null || window < MIN_WINDOW_MS || window > MAX_WINDOW_MS) {
    errors.push({ path: '/query/window', message: 'must be a duration like 5m, 1h or 1d, from 1m to 90d' });
  }
  const cooldown = input.cooldown ?? DEFAULT_COOLDOWN;
  const cooldownMs = durationMs(cooldown);
  if (cooldownMs === null || cooldownMs > MAX_COOLDOWN_MS) errors.push({ path: '/cooldown', message: 'must be a duration like 0s, 15m or 1h, at most 30d' });
  if (!Number.isFinite(input.threshold)) errors.push({ path: '/threshold', message: 'must be a finite number' });
  const webhook = input.webhook ?? null;
  if (webhook !== null) {
    try {
      await checkWebhookTarget(webhook, webhooks);
    } catch (err) {
      errors.push({ path: '/webhook', message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (errors.length > 0) throw new AppError('VALIDATION', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  const filters = input.query.filters;
  return {
    name: input.name,
    query: { metric: input.query.metric, ...(filters && filters.length > 0 ? { filters } : {}), window: input.query.window },
    comparison: input.comparison,
    threshold: input.threshold,
    cooldown,
    webhook,
  };
}
