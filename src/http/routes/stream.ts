/**
 * GET /stream: Server-Sent Events of the org's raw events and alerts, with ids for
 * `Last-Event-ID` replay (docs/live.md). `?types=event,alert&events=payment.*,page.viewed`;
 * `?lastEventId=` for clients that cannot set the header.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../domain/errors.js';
import { eventMatcher } from '../../live/event-filter.js';
import type { SseFilter } from '../../live/sse-session.js';
import { userOf } from '../plugins/auth.js';
import type { LiveRouteOptions } from './ws.js';
import { liveGuard } from './ws.js';

const TYPES = ['event', 'alert'] as const;

function list(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter(Boolean);
}

function filterOf(types: string | undefined, events: string | undefined): SseFilter {
  const wanted = list(types) ?? [...TYPES];
  const bad = wanted.filter((t) => !(TYPES as readonly string[]).includes(t));
  if (bad.length > 0 || wanted.length === 0) {
    throw new AppError('VALIDATION', `/query/types must list event and/or alert; got ${JSON.stringify(types)}`, [
      { path: '/query/types', message: 'must be a comma-separated list of event, alert' },
    ]);
  }
  return { types: new Set(wanted as Array<(typeof TYPES)[number]>), match: eventMatcher(list(events), '/query/events') };
}

function lastEventIdOf(header: string | string[] | undefined, query: string | undefined): number | null {
  const raw = (Array.isArray(header) ? header[0] : header) ?? query;
  if (raw === undefined || raw === '') return null;
  if (!/^\d{1,16}$/.test(raw)) {
    throw new AppError('VALIDATION', 'Last-Event-ID must be an id this stream sent (a non-negative integer).', [{ path: '/headers/last-event-id', message: 'must be a non-negative integer' }]);
  }
  return Number(raw);
}

export async function streamRoutes(app: FastifyInstance, options: LiveRouteOptions): Promise<void> {
  app.get(
    '/stream',
    {
      config: { permission: 'live:subscribe', queryToken: true },
      schema: {
        tags: ['live'],
        summary: 'Server-Sent Events: raw events and alerts of your org, replayable with Last-Event-ID',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          types: Type.Optional(Type.String({ maxLength: 100, description: 'event,alert (default both)' })),
          events: Type.Optional(Type.String({ maxLength: 10_000, description: 'Event names or patterns with *, comma-separated' })),
          lastEventId: Type.Optional(Type.String({ maxLength: 20, description: 'Like the Last-Event-ID header' })),
          token: Type.Optional(Type.String({ description: 'A JWT, for clients that cannot set headers (never logged)' })),
        }),
      },
      preHandler: liveGuard(options),
    },
    async (request, reply) => {
      const query = request.query as { types?: string; events?: string; lastEventId?: string };
      const filter = filterOf(query.types, query.events);
      const lastEventId = lastEventIdOf(request.headers['last-event-id'], query.lastEventId);
      const user = userOf(request);
      // Headers set by the stack so far (request id, CORS) go out with the stream's own.
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined && !/^(content-|etag$|transfer-encoding$)/i.test(name)) headers[name] = value;
      }
      reply.hijack();
      if (!options.live.hub.openStream(reply.raw, user.org, user.exp, filter, lastEventId, headers, request.log)) {
        reply.raw.writeHead(429, { 'content-type': 'application/problem+json' });
        reply.raw.end(JSON.stringify({ type: 'https://tally.dev/problems/rate-limited', title: 'Too many requests', status: 429, code: 'RATE_LIMITED', detail: 'Live connection limit reached; try again later.' }));
      }
    },
  );
}
