/**
 * A rate-limit decision made before Fastify saw the request (the hit lane checks the limiter
 * itself): it travels on the raw request, and the rate-limit hook takes it instead of counting
 * the request a second time.
 */
import type { IncomingMessage } from 'node:http';
import type { RateDecision } from '../../ops/rate-limit/rate-limiter.js';

const DECIDED = Symbol('tally.rateDecision');

type Marked = IncomingMessage & { [DECIDED]?: RateDecision | null };

export function stashDecision(req: IncomingMessage, decision: RateDecision | null): void {
  (req as Marked)[DECIDED] = decision;
}

/** The stashed decision (null: no limit applied), or undefined when the limiter has not run yet. */
export function stashedDecision(req: IncomingMessage): RateDecision | null | undefined {
  return (req as Marked)[DECIDED];
}

/** Sets the X-RateLimit-* headers of a decision on `headers` (the hit lane's reply headers). */
export function setRateLimitHeaders(headers: Record<string, unknown>, decision: RateDecision): void {
  headers['x-ratelimit-limit'] = decision.limit;
  headers['x-ratelimit-remaining'] = decision.remaining;
  headers['x-ratelimit-reset'] = decision.resetSeconds;
}

/** The X-RateLimit-* headers of a decision. */
export function rateLimitHeaders(decision: RateDecision): Record<string, number> {
  const headers: Record<string, number> = {};
  setRateLimitHeaders(headers, decision);
  return headers;
}
