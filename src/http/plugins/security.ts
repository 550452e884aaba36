/**
 * Browser-facing safety headers and CORS. HTML documents (the API docs UI, the dashboard) get
 * helmet's full set: a CSP fitting same-origin pages, frame denial, nosniff, the referrer policy
 * and the cross-origin isolation headers. Data replies (JSON, CSV, problems…) get what OWASP's
 * REST cheat sheet asks of an API — a CSP that allows nothing, frame denial, nosniff, no
 * referrer, same-origin CORP — and not the document-only rest. HSTS goes only on requests that
 * arrived over TLS (directly or through a trusted proxy's X-Forwarded-Proto), so plain-HTTP
 * development on localhost is never pinned to https. CORS answers only the configured origins.
 *
 * Helmet's headers depend only on its configuration, but @fastify/helmet rebuilds the helmet
 * middleware (CSP parsing included) on every request. So they are computed once, by running
 * @fastify/helmet with this configuration in a throwaway instance, and copied onto each reply.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const HSTS = 'max-age=31536000; includeSubDomains';

/** Headers a cross-origin dashboard needs to read (fetch hides all but a few by default). */
export const EXPOSED_HEADERS = [
  'X-Request-ID',
  'X-Correlation-ID',
  'X-Response-Time',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'ETag',
];

const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      'frame-ancestors': ["'none'"],
      'connect-src': ["'self'"],
      // Would make browsers fetch every sub-resource over https on a plain-HTTP deployment.
      'upgrade-insecure-requests': null,
    },
  },
  frameguard: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
  strictTransportSecurity: false,
};

/** Headers of a bare reply that are not helmet's. */
const NOT_HELMET = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers a plugin puts on a plain reply, as `keep` selects them: `register` sets it up in a
 * throwaway instance, whose one GET is injected once. For headers that depend only on the
 * plugin's configuration, so they can be copied onto replies instead of recomputed per request.
 */
async function probeHeaders(register: (probe: FastifyInstance) => Promise<void>, keep: (name: string) => boolean, requests: Array<Record<string, string>> = [{}]): Promise<Array<Record<string, string>>> {
  const probe = Fastify({ logger: false });
  try {
    await register(probe);
    probe.get('/', async () => '');
    const replies: Array<Record<string, string>> = [];
    for (const headers of requests) {
      const res = await probe.inject({ url: '/', headers });
      replies.push(
        Object.fromEntries(
          Object.entries(res.headers)
            .filter(([name, value]) => keep(name) && typeof value === 'string')
            .map(([name, value]) => [name, String(value)]),
        ),
      );
    }
    return replies;
  } finally {
    await probe.close();
  }
}

/** The headers @fastify/helmet sets with HELMET_OPTIONS, captured once. */
export async function helmetHeaders(): Promise<Record<string, string>> {
  const register = async (probe: FastifyInstance): Promise<void> => {
    await probe.register(helmet, HELMET_OPTIONS);
  };
  const [headers] = await probeHeaders(register, (name) => !NOT_HELMET.has(name));
  return headers ?? {};
}

export interface SecurityHeaders {
  document: Record<string, string>;
  api: Record<string, string>;
  /** The same sets with HSTS, for replies over TLS: made once, not spread per request. */
  documentTls: Record<string, string>;
  apiTls: Record<string, string>;
}

/** helmet's set for documents; the API subset, with a CSP that allows nothing, for the rest. */
export async function securityHeaders(): Promise<SecurityHeaders> {
  const document = await helmetHeaders();
  const pick = (name: string): Record<string, string> => (document[name] === undefined ? {} : { [name]: document[name] });
  const api = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    ...pick('x-content-type-options'),
    ...pick('x-frame-options'),
    ...pick('referrer-policy'),
    ...pick('cross-origin-resource-policy'),
  };
  return { document, api, documentTls: { ...document, 'strict-transport-security': HSTS }, apiTls: { ...api, 'strict-transport-security': HSTS } };
}

/** The security headers of a reply: helmet's document set for HTML, the API set otherwise; HSTS over TLS. */
export function securityHeaderSet(headers: SecurityHeaders, contentType: unknown, https: boolean): Readonly<Record<string, string>> {
  const html = typeof contentType === 'string' && contentType.startsWith('text/html');
  if (https) return html ? headers.documentTls : headers.apiTls;
  return html ? headers.document : headers.api;
}

/** Part of the stack's final onSend hook: the content type is known by then. */
export function applySecurityHeaders(headers: SecurityHeaders, request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(securityHeaderSet(headers, reply.getHeader('content-type'), request.protocol === 'https'));
}

/** What @fastify/cors (as registerCors configures it) puts on a reply, by the request's Origin. */
export interface CorsHeaderSets {
  /** A request without Origin: `Vary: Origin` and the exposed headers, or `*`. */
  none: Readonly<Record<string, string>>;
  /** Each listed origin's (allowed, with credentials). */
  listed: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Any other origin's: not allowed; with `*`, every origin's. */
  other: Readonly<Record<string, string>>;
}

/**
 * @fastify/cors's headers depend only on its configuration and the request's Origin (an exact
 * match against the listed origins, or `*`), so they are captured once per listed origin, for no
 * Origin and for an unlisted one, by running it in a throwaway instance; null when no origins are
 * configured. The hit lane copies them onto its replies (preflights never reach it).
 */
export async function corsHeaderSets(origins: readonly string[]): Promise<CorsHeaderSets | null> {
  if (origins.length === 0) return null;
  const listed = origins.filter((o) => o !== '*');
  let unlisted = 'https://unlisted.invalid';
  for (let n = 1; origins.includes(unlisted); n++) unlisted = `https://unlisted-${n}.invalid`;
  const keep = (name: string): boolean => name === 'vary' || name.startsWith('access-control-');
  const requests: Array<Record<string, string>> = [{}, { origin: unlisted }, ...listed.map((origin) => ({ origin }))];
  const [none = {}, other = {}, ...perOrigin] = await probeHeaders((probe) => registerCors(probe, origins), keep, requests);
  return { none, other, listed: new Map(listed.map((origin, i) => [origin, perOrigin[i] ?? other])) };
}

/** The CORS headers of a request with this Origin (undefined: none sent). */
export function corsHeadersFor(sets: CorsHeaderSets, origin: string | undefined): Readonly<Record<string, string>> {
  if (origin === undefined) return sets.none;
  return sets.listed.get(origin) ?? sets.other;
}

/** CORS for the allowed origins; nothing at all (not even a hook) when there are none. */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  await app.register(cors, {
    origin: any ? '*' : [...origins],
    // Cookies only ever go to origins named one by one, never to "*".
    credentials: !any,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
