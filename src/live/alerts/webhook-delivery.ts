/**
 * Webhook delivery: POST the firing as JSON, retried with exponential backoff on network errors,
 * timeouts, 408, 429 and 5xx; bounded in attempts and per-attempt time. Each attempt re-checks
 * the target (webhook-guard) and connects to the address it checked. Redirects are not followed:
 * a 3xx could point anywhere, including inside the network.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedTarget, WebhookPolicy } from './webhook-guard.js';
import { checkWebhookTarget } from './webhook-guard.js';

export interface DeliveryOptions {
  policy: WebhookPolicy;
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the first retry; each further retry waits 4× longer (with jitter). */
  baseDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: Omit<DeliveryOptions, 'policy'> = { attempts: 4, baseDelayMs: 1000, timeoutMs: 5000 };

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  error: string | null;
}

class AttemptError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

function post(target: CheckedTarget, body: string, timeoutMs: number): Promise<void> {
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Tally-Webhook/1' },
      lookup: pinnedLookup(target),
      timeout: timeoutMs,
    });
    req.on('timeout', () => req.destroy(new AttemptError(`no answer within ${timeoutMs} ms`, true)));
    req.on('error', (err) => reject(err instanceof AttemptError ? err : new AttemptError(err.message, true)));
    req.on('response', (res) => {
      res.resume(); // the body is not needed; drain it so the socket is freed
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve();
      else reject(new AttemptError(`HTTP ${status}`, status === 408 || status === 429 || status >= 500));
    });
    req.end(body);
  });
}

export async function deliverWebhook(url: string, payload: unknown, options: DeliveryOptions): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  let error = 'not attempted';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      const target = await checkWebhookTarget(url, options.policy);
      await post(target, body, options.timeoutMs);
      return { delivered: true, attempts: attempt, error: null };
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      const retry = err instanceof AttemptError ? err.retry : false;
      if (!retry || attempt === options.attempts) return { delivered: false, attempts: attempt, error };
      const delay = options.baseDelayMs * 4 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay * (0.8 + Math.random() * 0.4)).unref());
    }
  }
  return { delivered: false, attempts: options.attempts, error };
}
