/**
 * GET /ws: live queries and event subscriptions over WebSocket (docs/live.md). Credentials are
 * checked by the auth plugin before the upgrade (header, session cookie or `?token=`); here the
 * browser Origin and the connection limits, then the socket is handed to the live hub.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { originAllowed } from '../../auth/session.js';
import type { LiveSettings } from '../../config/live.js';
import { AppError } from '../../domain/errors.js';
import type { Live } from '../../live/index.js';
import { userOf } from '../plugins/auth.js';

export interface LiveRouteOptions {
  live: Live;
  settings: LiveSettings;
  /** TALLY_ALLOWED_ORIGINS: browser origins besides the API's own host. */
  allowedOrigins: readonly string[];
}

/**
 * A browser always sends Origin on WebSocket and EventSource requests; a cookie rides along
 * cross-site, so a foreign page must not open a live connection with the user's session. Clients
 * that send no Origin (servers, CLIs) are not browsers and carry their own credentials.
 */
export function liveGuard(options: LiveRouteOptions) {
  return async (request: FastifyRequest): Promise<void> => {
    const origin = request.headers.origin;
    if (origin !== undefined && !originAllowed(origin, request.host, options.allowedOrigins)) {
      throw new AppError('FORBIDDEN', `Origin ${origin} may not open live connections (see TALLY_ALLOWED_ORIGINS).`);
    }
    options.live.hub.connections.admit(userOf(request).org);
  };
}

/** How long WebSocket peers get to answer the close frame at shutdown. */
const CLOSE_HANDSHAKE_GRACE_MS = 1000;

export async function wsRoutes(app: FastifyInstance, options: LiveRouteOptions): Promise<void> {
  await app.register(websocket, {
    options: { maxPayload: options.settings.maxMessageBytes },
    // Replaces the plugin's default (close every client with no code): flush, then 1001 for
    // WebSocket clients and a `close` event for SSE streams; then stop the ws server.
    preClose: async function (this: FastifyInstance) {
      await options.live.shutdown();
      const wss = this.websocketServer;
      const stopped = new Promise<void>((resolve) => wss.close(() => resolve()));
      // The ws server stops once every client finished the close handshake; a peer that does not
      // answer (a vanished browser on a half-open connection) would hold the shutdown for ws's
      // 30 s close timeout, so whoever is left after a short grace is cut.
      const cut = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, CLOSE_HANDSHAKE_GRACE_MS);
      cut.unref();
      await stopped;
      clearTimeout(cut);
    },
  });

  app.route({
    method: 'GET',
    url: '/ws',
    config: { permission: 'live:subscribe', queryToken: true },
    schema: { hide: true },
    preHandler: liveGuard(options),
    // An upgrade refused by a hook that ran before the websocket plugin's own (auth: 401/403)
    // leaves a raw socket nobody owns; end it, or it lingers until the client goes away.
    onResponse: async (request) => {
      if (!request.ws && request.headers.upgrade !== undefined) request.raw.socket.end();
    },
    handler: async () => {
      throw new AppError('VALIDATION', 'GET /ws is a WebSocket endpoint: connect with an Upgrade: websocket request.');
    },
    wsHandler: (socket, request) => {
      const user = userOf(request);
      options.live.hub.acceptWebSocket(socket, user.org, user.exp, request.log);
    },
  });
}
