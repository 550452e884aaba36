/**
 * WebSocket close codes Tally uses (docs/live.md lists them for clients). 4xxx are private-use
 * codes (RFC 6455 §7.4.2); the 4xxx numbers echo the HTTP status they correspond to.
 */
export const CLOSE = {
  /** Server shutting down (after flushing what was queued): reconnect, to another instance. */
  GOING_AWAY: { code: 1001, reason: 'going away' },
  /** A message larger than TALLY_LIVE_MAX_MESSAGE_BYTES (sent by ws itself). */
  TOO_BIG: { code: 1009, reason: 'message too big' },
  /** Unexpected server failure. */
  INTERNAL: { code: 1011, reason: 'internal error' },
  /** Connection limit reached between the handshake check and registration: retry later. */
  TRY_AGAIN_LATER: { code: 1013, reason: 'too many connections' },
  /** The token (or session) expired: reconnect with a fresh one. */
  TOKEN_EXPIRED: { code: 4001, reason: 'token expired' },
  /** The client did not read fast enough and its send buffer passed TALLY_LIVE_SEND_BUFFER_BYTES. */
  SLOW_CONSUMER: { code: 4008, reason: 'slow consumer' },
} as const;

/** What live code logs through: pino's shape, so Fastify's request logger fits. */
export interface LiveLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
