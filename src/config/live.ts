/**
 * Live settings (WebSocket, SSE, alerts): limits that keep one client or one org from taking the
 * process down. Read by loadConfig from the same environment; documented in docs/configuration.md
 * and docs/live.md. Browser origins for /ws and /stream come from TALLY_ALLOWED_ORIGINS (config/auth.ts),
 * the same list that guards the session cookie.
 */
import type { Env } from './readers.js';
import { readInt, readBool } from './readers.js';

export interface LiveSettings {
  /** WebSocket + SSE connections one org may hold on one instance (429 / close 1013 above). */
  maxConnectionsPerOrg: number;
  /** All live connections of one instance. */
  maxConnections: number;
  /** Query and event subscriptions one WebSocket may hold at once. */
  maxSubscriptionsPerConnection: number;
  /** Largest client → server WebSocket message; bigger ones close the socket with 1009. */
  maxMessageBytes: number;
  /** Bytes queued for one client above which it is cut off as a slow consumer (4008). */
  sendBufferBytes: number;
  /** WebSocket ping / SSE `: ping` comment period; a WebSocket that misses one pong is dropped. */
  heartbeatMs: number;
  /** SSE messages kept per org for `Last-Event-ID` replay. */
  replayBufferSize: number;
  /** Raw events carried per "events appended" notice on the bus; the rest are counted as dropped. */
  maxEventsPerNotice: number;
  /** Alert rules are also evaluated on this period (for "no data" conditions). */
  alertEvalIntervalMs: number;
  /** Webhook targets on loopback, link-local or private networks are refused unless true. */
  webhookAllowPrivate: boolean;
}

export const LIVE_DEFAULTS: LiveSettings = {
  maxConnectionsPerOrg: 500,
  maxConnections: 20_000,
  maxSubscriptionsPerConnection: 50,
  maxMessageBytes: 64 * 1024,
  sendBufferBytes: 8 * 1024 * 1024,
  heartbeatMs: 15_000,
  replayBufferSize: 1000,
  maxEventsPerNotice: 1000,
  alertEvalIntervalMs: 60_000,
  webhookAllowPrivate: false,
};

export function readLiveSettings(env: Env): LiveSettings {
  const d = LIVE_DEFAULTS;
  return {
    maxConnectionsPerOrg: readInt(env, 'TALLY_LIVE_MAX_CONNECTIONS_PER_ORG', d.maxConnectionsPerOrg, 1, 1_000_000),
    maxConnections: readInt(env, 'TALLY_LIVE_MAX_CONNECTIONS', d.maxConnections, 1, 1_000_000),
    maxSubscriptionsPerConnection: readInt(env, 'TALLY_LIVE_MAX_SUBSCRIPTIONS', d.maxSubscriptionsPerConnection, 1, 10_000),
    maxMessageBytes: readInt(env, 'TALLY_LIVE_MAX_MESSAGE_BYTES', d.maxMessageBytes, 1024, 16 * 1024 * 1024),
    sendBufferBytes: readInt(env, 'TALLY_LIVE_SEND_BUFFER_BYTES', d.sendBufferBytes, 16 * 1024, 1024 * 1024 * 1024),
    heartbeatMs: readInt(env, 'TALLY_LIVE_HEARTBEAT_MS', d.heartbeatMs, 100, 15_000),
    replayBufferSize: readInt(env, 'TALLY_LIVE_REPLAY_BUFFER', d.replayBufferSize, 0, 1_000_000),
    maxEventsPerNotice: readInt(env, 'TALLY_LIVE_MAX_EVENTS_PER_NOTICE', d.maxEventsPerNotice, 0, 100_000),
    alertEvalIntervalMs: readInt(env, 'TALLY_ALERT_EVAL_INTERVAL_MS', d.alertEvalIntervalMs, 1000, 86_400_000),
    webhookAllowPrivate: readBool(env, 'TALLY_WEBHOOK_ALLOW_PRIVATE', d.webhookAllowPrivate),
  };
}
