/**
 * `tally import --url`: batches go to a running server as POST /api/v1/events (NDJSON, an
 * ingest key), so a file can be loaded while `tally serve` holds its DuckDB file. The server
 * checks, stores, deduplicates and tells its caches and live clients as for any ingest.
 *
 * A batch is sent again only when the server certainly did not store it: a 429 or 503 reply
 * (after its Retry-After) or a refused connection. Anything else stops the import; when the
 * request may have reached the server (a timeout, a connection cut mid-way), the error says so —
 * the batch may be stored, and only events with ids are stored once when it is sent again.
 */
import type { ImportTarget } from '../ingest/import/import-events.js';
import type { RawEvent } from '../ingest/import/row-event.js';
import type { IngestReply } from '../ingest/ingest-service.js';

export interface HttpTargetOptions {
  /** The server's address (`http://host:8080`; a trailing `/api/v1` is allowed). */
  url: string;
  /** An ingest key of the org the events go to. */
  key: string;
  /** Tries per batch when the server asks to wait or cannot be reached. */
  attempts?: number;
  /** Longest wait between tries, whatever Retry-After says. */
  maxWaitMs?: number;
  requestTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = { attempts: 10, maxWaitMs: 30_000, requestTimeoutMs: 120_000 };

/** `http://host:8080`, `http://host:8080/` and `http://host:8080/api/v1` all mean the same server. */
export function eventsEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1/events`;
}

/** The problem+json of a refusal in one line: title, detail and the first field errors. */
async function problemText(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const p = JSON.parse(text) as { title?: unknown; detail?: unknown; errors?: Array<{ path?: unknown; message?: unknown }> };
    const fields = (p.errors ?? []).slice(0, 3).map((e) => `${String(e.path)} ${String(e.message)}`);
    return [p.title, p.detail, ...fields].filter((x) => typeof x === 'string' && x !== '').join(' — ');
  } catch {
    return text.slice(0, 200);
  }
}

function retryAfterMs(res: Response): number | null {
  const value = res.headers.get('retry-after');
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value) * 1000;
}

function refused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

function hint(status: number): string {
  if (status === 401 || status === 403) return ' (is TALLY_INGEST_KEY an active ingest key of the server?)';
  if (status === 413) return ' (send smaller batches: --batch)';
  return '';
}

export class HttpTarget implements ImportTarget {
  readonly endpoint: string;
  private readonly options: Required<Omit<HttpTargetOptions, 'url'>>;

  constructor(options: HttpTargetOptions) {
    this.endpoint = eventsEndpoint(options.url);
    this.options = { ...DEFAULTS, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), ...options };
  }

  async append(batch: RawEvent[]): Promise<IngestReply> {
    const body = batch.map((e) => JSON.stringify(e)).join('\n');
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.options.attempts;
      let res: Response;
      try {
        res = await fetch(this.endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.key}`, 'content-type': 'application/x-ndjson' },
          body,
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        });
      } catch (err) {
        if (refused(err) && !last) {
          await this.wait(null, attempt);
          continue;
        }
        const why = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        throw new Error(refused(err) ? `${this.endpoint} refused the connection ${attempt} times` : `${this.endpoint}: ${why}; the batch may have been stored`, { cause: err });
      }
      if (res.ok) return this.reply(await res.text());
      if ((res.status === 429 || res.status === 503) && !last) {
        await res.body?.cancel();
        await this.wait(retryAfterMs(res), attempt);
        continue;
      }
      throw new Error(`${this.endpoint} answered ${res.status}: ${await problemText(res)}${hint(res.status)}`);
    }
  }

  /** POST /events' answer; anything else means the URL is not a Tally server (a proxy's page, another service). */
  private reply(text: string): IngestReply {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    const r = body as Partial<IngestReply> | null;
    if (typeof r?.accepted !== 'number' || typeof r.duplicates !== 'number') {
      throw new Error(`${this.endpoint} answered 200 without an ingest reply (is --url a Tally server?): ${text.slice(0, 120)}; the batch may have been stored`);
    }
    return { accepted: r.accepted, duplicates: r.duplicates };
  }

  /** Retry-After when the server gave one, else 0.5 s doubling; never more than maxWaitMs. */
  private wait(retryAfter: number | null, attempt: number): Promise<void> {
    return this.options.sleep(Math.min(retryAfter ?? 500 * 2 ** (attempt - 1), this.options.maxWaitMs));
  }
}
