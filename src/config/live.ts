/**
 * Live settings (WebSocket, SSE, alerts): limits that keep one client or one org from taking the
 * process down. Read by loadConfig from the same environment; documented in docs/configuration.md
 * and docs/live.md. Browser origins for /ws and /stream come from TALLY_ALLOWED_ORIGINS (config/auth.ts),
 * the same list that guards the session cookie.
 */
import { ConfigError } from './config-error.js';

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

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

export function readLiveSettings(env: Env): LiveSettings {
  const d = LIVE_DEFAULTS;
  return {
    maxConnectionsPerOrg: int(env, 'TALLY_LIVE_MAX_CONNECTIONS_PER_ORG', d.maxConnectionsPerOrg, 1, 1_000_000),
    maxConnections: int(env, 'TALLY_LIVE_MAX_CONNECTIONS', d.maxConnections, 1, 1_000_000),
    maxSubscriptionsPerConnection: int(env, 'TALLY_LIVE_MAX_SUBSCRIPTIONS', d.maxSubscriptionsPerConnection, 1, 10_000),
    maxMessageBytes: int(env, 'TALLY_LIVE_MAX_MESSAGE_BYTES', d.maxMessageBytes, 1024, 16 * 1024 * 1024),
    sendBufferBytes: int(env, 'TALLY_LIVE_SEND_BUFFER_BYTES', d.sendBufferBytes, 16 * 1024, 1024 * 1024 * 1024),
    heartbeatMs: int(env, 'TALLY_LIVE_HEARTBEAT_MS', d.heartbeatMs, 100, 15_000),
    replayBufferSize: int(env, 'TALLY_LIVE_REPLAY_BUFFER', d.replayBufferSize, 0, 1_000_000),
    maxEventsPerNotice: int(env, 'TALLY_LIVE_MAX_EVENTS_PER_NOTICE', d.maxEventsPerNotice, 0, 100_000),
    alertEvalIntervalMs: int(env, 'TALLY_ALERT_EVAL_INTERVAL_MS', d.alertEvalIntervalMs, 1000, 86_400_000),
    webhookAllowPrivate: bool(env, 'TALLY_WEBHOOK_ALLOW_PRIVATE', d.webhookAllowPrivate),
  };
}
