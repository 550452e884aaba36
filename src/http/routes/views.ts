/** The dashboard view routes (API.md "Dashboard endpoints"), registered together by app.ts. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { QueryEngine } from '../../engine/query-engine.js';
import { activityRoutes } from './activity.js';
import { actorRoutes } from './actors.js';
import { breakdownRoutes } from './breakdown.js';
import { compareRoutes } from './compare.js';
import { dashboardRoutes } from './dashboard.js';
import { funnelRoutes } from './funnels.js';
import { groupRoutes } from './groups.js';
import { leaderboardRoutes } from './leaderboard.js';
import { percentilesRoutes } from './percentiles.js';
import { realtimeRoutes } from './realtime.js';
import { retentionRoutes } from './retention.js';
import { timeseriesRoutes } from './timeseries.js';

const ROUTES = [
  dashboardRoutes, timeseriesRoutes, breakdownRoutes, percentilesRoutes, compareRoutes, leaderboardRoutes,
  actorRoutes, groupRoutes, activityRoutes, realtimeRoutes, funnelRoutes, retentionRoutes,
] as const;

export const viewRoutes: FastifyPluginAsyncTypebox<{ engine: QueryEngine }> = async (app, { engine }) => {
  for (const routes of ROUTES) await app.register(routes, { engine });
};
