/** Alert rules of an org (admin): create, list, delete; and the history of firings. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AlertService } from '../../live/alerts/alert-service.js';
import type { AlertRuleInput } from '../../live/alerts/alert-types.js';
import { COMPARISONS } from '../../live/alerts/alert-types.js';
import { instantParam } from '../instant-param.js';
import { userOf } from '../plugins/auth.js';
import { FilterSchema, problemResponses, ProblemSchema } from '../schemas/common.js';

const Duration = (description: string) => Type.String({ pattern: '^\\d{1,6}(s|m|h|d)$', description });
const Comparison = Type.Unsafe<(typeof COMPARISONS)[number]>({ type: 'string', enum: [...COMPARISONS] });

const AlertQuery = Type.Object(
  {
    metric: Type.String({ minLength: 1, maxLength: 200, description: 'A model metric or an ad-hoc aggregate like count or p95(amount)' }),
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 50 })),
    window: Duration('Trailing window the metric is computed over, 1m to 90d: 5m, 1h, 1d'),
  },
  { additionalProperties: false },
);

const RuleInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    query: AlertQuery,
    comparison: Comparison,
    threshold: Type.Number(),
    cooldown: Type.Optional(Duration('Minimum time between two firings (default 15m)')),
    webhook: Type.Optional(Type.Union([Type.String({ maxLength: 2000, description: 'http(s) URL receiving each firing (POST JSON)' }), Type.Null()])),
  },
  { additionalProperties: false },
);

const Rule = Type.Object({
  id: Type.String(),
  org: Type.String(),
  name: Type.String(),
  query: AlertQuery,
  comparison: Type.String(),
  threshold: Type.Number(),
  cooldown: Type.String(),
  webhook: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  lastFiredAt: Type.Union([Type.String(), Type.Null()]),
});

const AlertEvent = Type.Object({
  id: Type.String(),
  ruleId: Type.String(),
  org: Type.String(),
  name: Type.String(),
  metric: Type.String(),
  window: Type.String(),
  comparison: Type.String(),
  threshold: Type.Number(),
  value: Type.Number(),
  firedAt: Type.String(),
  trigger: Type.String(),
  delivery: Type.String({ description: 'Webhook delivery: none, pending, delivered or failed' }),
  deliveryAttempts: Type.Integer(),
  deliveryError: Type.Union([Type.String(), Type.Null()]),
});

/** Every firing happened between 1970 and 9999: a `before` outside that means all or none of them. */
const FIRINGS_SPAN = [0, Date.UTC(9999, 11, 31)] as const;

/**
 * `?before=` as the UTC instant both stores read (an offset is applied, not dropped); instants
 * outside what a store's timestamp takes are clamped to the span firings can have.
 */
function firingsBefore(text: string): string {
  const ms = instantParam(text, '/querystring/before');
  return new Date(Math.min(Math.max(ms, FIRINGS_SPAN[0]), FIRINGS_SPAN[1])).toISOString();
}

export const alertRoutes: FastifyPluginAsyncTypebox<{ alerts: AlertService }> = async (app, { alerts }) => {
  const common = { config: { permission: 'alerts:manage' as const } };
  app.post('/alerts', {
    ...common,
    schema: { tags: ['alerts'], summary: 'Create an alert rule', security: [{ bearer: [] }], body: RuleInput, response: { 201: Rule, ...problemResponses, 409: ProblemSchema } },
    handler: async (request, reply) => {
      reply.status(201);
      return alerts.create(userOf(request).org, request.body as AlertRuleInput);
    },
  });

  app.get('/alerts', {
    ...common,
    schema: { tags: ['alerts'], summary: 'List alert rules', security: [{ bearer: [] }], response: { 200: Type.Object({ rules: Type.Array(Rule) }), ...problemResponses } },
    handler: async (request) => ({ rules: await alerts.list(userOf(request).org) }),
  });

  app.delete('/alerts/:id', {
    ...common,
    schema: {
      tags: ['alerts'],
      summary: 'Delete an alert rule (its past firings stay listed)',
      security: [{ bearer: [] }],
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      response: { 204: Type.Null(), ...problemResponses, 404: ProblemSchema },
    },
    handler: async (request, reply) => {
      await alerts.delete(userOf(request).org, request.params.id);
      return reply.status(204).send(null);
    },
  });

  app.get('/alerts/events', {
    ...common,
    schema: {
      tags: ['alerts'],
      summary: 'Alert firings, newest first',
      security: [{ bearer: [] }],
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        ruleId: Type.Optional(Type.String({ maxLength: 64 })),
        before: Type.Optional(Type.String({ format: 'date-time', description: 'Only firings before this time (paging)' })),
      }),
      response: { 200: Type.Object({ events: Type.Array(AlertEvent) }), ...problemResponses },
    },
    handler: async (request) => {
      const q = request.query;
      const options = { limit: q.limit ?? 100, ...(q.ruleId ? { ruleId: q.ruleId } : {}), ...(q.before ? { before: firingsBefore(q.before) } : {}) };
      return { events: await alerts.events(userOf(request).org, options) };
    },
  });
};
