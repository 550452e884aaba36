/**
 * Support desk: one episode is one ticket's life. created → first_response → resolved, sometimes
 * reopened (and resolved again), sometimes rated. Follow-ups come later than the creation and are
 * dropped when they would fall after the range end, so recent tickets are still open.
 * Urgent tickets and live channels are answered faster.
 */
import { Categorical, zipfWeights } from './categorical.js';
import { clamp, round2 } from './random.js';
import type { PropValue } from '../domain/event.js';
import type { DatasetSpec, EmitContext, Episode } from './spec.js';
import { DAY, HOUR } from './time-profile.js';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
type Priority = (typeof PRIORITIES)[number];
const PRIORITY = new Categorical(PRIORITIES, [30, 50, 15, 5]);
const CHANNEL = new Categorical(['email', 'chat', 'web', 'phone'], [40, 30, 20, 10]);
const CATEGORIES = [
  'billing', 'login', 'bug', 'how_to', 'shipping', 'refund', 'account', 'integration', 'performance',
  'feature_request', 'security', 'data_export',
];
const CATEGORY = new Categorical(CATEGORIES, zipfWeights(CATEGORIES.length, 0.9));
const PLAN = new Categorical(['free', 'pro', 'business', 'enterprise'], [55, 28, 12, 5]);
const AGENT_NAMES = [
  'alice', 'bruno', 'chen', 'dana', 'emeka', 'farah', 'goran', 'hana', 'ivan', 'julia', 'kofi', 'lena',
  'mateo', 'nora', 'omar', 'priya', 'quinn', 'rosa', 'sven', 'tariq', 'uma', 'viktor', 'wen', 'yusuf',
];
const AGENT = new Categorical(AGENT_NAMES, zipfWeights(AGENT_NAMES.length, 0.4));

/** Median hours by priority; spreads are log-normal sigmas. */
const RESPONSE_MEDIAN: Readonly<Record<Priority, number>> = { low: 8, normal: 3, high: 1, urgent: 0.3 };
const RESOLUTION_MEDIAN: Readonly<Record<Priority, number>> = { low: 30, normal: 14, high: 7, urgent: 2.5 };
const CHANNEL_SPEED: Readonly<Record<string, number>> = { email: 1, chat: 0.15, web: 1.2, phone: 0.05 };
const RESOLVE_CHANCE: Readonly<Record<Priority, number>> = { low: 0.85, normal: 0.9, high: 0.94, urgent: 0.97 };

const T_PLAN = 11;

function csatScore(ctx: EmitContext, hours: number, sentiment: string, reopened: boolean): number {
  let mean = hours <= 8 ? 4.5 : hours <= 24 ? 4.1 : hours <= 72 ? 3.4 : 2.7;
  if (sentiment === 'negative') mean -= 0.5;
  if (reopened) mean -= 0.6;
  return Math.round(clamp(mean + 0.8 * ctx.rng.normal(), 1, 5));
}

interface Ticket {
  ticket_id: string;
  priority: Priority;
  channel: string;
  category: string;
  sentiment: string;
  agent: string;
  plan: string;
}

/** A literal per call (not `{ ...base }`): object spread was the generator's hot spot. */
function props(k: Ticket, status: string): Record<string, PropValue> {
  return {
    ticket_id: k.ticket_id, priority: k.priority, channel: k.channel, category: k.category,
    sentiment: k.sentiment, agent: k.agent, plan: k.plan, status,
  };
}

function withValue(p: Record<string, PropValue>, key: string, value: number): Record<string, PropValue> {
  p[key] = value;
  return p;
}

/** Agents work days: most replies that would land overnight (UTC) wait for the morning shift. */
function workingTime(ctx: EmitContext, ts: number): number {
  const dayStart = Math.floor(ts / DAY) * DAY;
  if (ts - dayStart >= 7 * HOUR || !ctx.rng.chance(0.75)) return ts;
  // The morning shift works through the overnight queue over its first hours.
  return dayStart + 7 * HOUR + ctx.rng.next() * 3 * HOUR + ctx.rng.logNormal(10 * 60_000, 0.8);
}

function supportEpisode(ctx: EmitContext): Episode {
  const { rng, actors } = ctx;
  let tickets = 0;

  return (t, rank) => {
    tickets++;
    const actor = actors.id(rank);
    const ticket_id = `t_${String(tickets).padStart(7, '0')}`;
    const priority = PRIORITY.sample(rng);
    const channel = CHANNEL.sample(rng);
    const category = CATEGORY.sample(rng);
    const plan = PLAN.at(actors.trait(rank, T_PLAN));
    const agent = AGENT.sample(rng);
    const pNegative = priority === 'urgent' ? 0.55 : priority === 'high' ? 0.4 : 0.2;
    const u = rng.next();
    const sentiment = u < pNegative ? 'negative' : u < pNegative + 0.2 ? 'positive' : 'neutral';
    const k: Ticket = { ticket_id, priority, channel, category, sentiment, agent, plan };
    ctx.emit('ticket.created', t, actor, props(k, 'open'));

    if (!rng.chance(0.97)) return;
    const responseAt = workingTime(ctx, t + clamp(rng.logNormal(RESPONSE_MEDIAN[priority] * (CHANNEL_SPEED[channel] ?? 1), 0.9), 0.01, 240) * HOUR);
    const response = (responseAt - t) / HOUR;
    ctx.emit('ticket.first_response', responseAt, actor, withValue(props(k, 'pending'), 'response_hours', round2(response)));

    if (!rng.chance(RESOLVE_CHANCE[priority])) return;
    let hours = (workingTime(ctx, responseAt + clamp(rng.logNormal(RESOLUTION_MEDIAN[priority], 1), 0.05, 2000) * HOUR) - t) / HOUR;
    if (t + hours * HOUR >= ctx.end) return;
    ctx.emit('ticket.resolved', t + hours * HOUR, actor, withValue(props(k, 'solved'), 'resolution_hours', round2(hours)));

    let reopened = false;
    if (rng.chance(0.07)) {
      reopened = true;
      const reopenAt = hours + rng.logNormal(20, 0.8);
      ctx.emit('ticket.reopened', t + reopenAt * HOUR, actor, props(k, 'open'));
      if (!rng.chance(0.75)) return;
      hours = reopenAt + rng.logNormal(RESOLUTION_MEDIAN[priority] / 2, 0.9);
      if (t + hours * HOUR >= ctx.end) return;
      ctx.emit('ticket.resolved', t + hours * HOUR, actor, withValue(props(k, 'solved'), 'resolution_hours', round2(hours)));
    }
    if (rng.chance(0.35)) {
      const csat = csatScore(ctx, hours, sentiment, reopened);
      ctx.emit('csat.submitted', t + (hours + rng.logNormal(4, 1)) * HOUR, actor, withValue(props(k, 'solved'), 'csat', csat));
    }
  };
}

export const support: DatasetSpec = {
  description: 'Support desk: ticket life cycles (created, first response, resolved, reopened) and CSAT ratings',
  profile: {
    // Business hours dominate; a thin overnight queue (UTC).
    hourly: [2, 2, 1, 1, 1, 2, 3, 6, 10, 13, 14, 14, 13, 13, 14, 14, 13, 11, 8, 6, 5, 4, 3, 2],
    weekly: [0.35, 1.1, 1.1, 1.05, 1.05, 1, 0.4],
    monthlyGrowth: 1.15,
    dailyNoise: 0.1,
  },
  eventsPerActor: 20,
  actorZipf: 0.65,
  create: supportEpisode,
};
