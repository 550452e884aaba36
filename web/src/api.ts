/**
 * The dashboard's API client. Auth is the httpOnly session cookie set by POST /auth/login, so
 * fetches are same-origin with credentials; errors become ApiError with the problem's message.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

interface Problem {
  title?: string;
  detail?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

/** A message a person understands, from an HTTP status and problem body. */
function explain(status: number, problem: Problem | null): string {
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 403) return problem?.detail ?? 'Your role may not see this.';
  if (status === 429) return 'Too many requests right now. Wait a moment and try again.';
  if (status >= 500) return 'The server had a problem answering. Try again in a moment.';
  const detail = problem?.errors?.map((e) => e.message).join('; ') || problem?.detail || problem?.title;
  return detail ?? `Request failed (${status}).`;
}

/** Listeners told when any call answers 401, so the app can go back to the sign-in page. */
const unauthorized = new Set<() => void>();
export function onUnauthorized(fn: () => void): () => void {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
}

export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'Cannot reach the Tally server. Check your connection.', null);
  }
  if (!res.ok) {
    const problem = (await res.json().catch(() => null)) as Problem | null;
    if (res.status === 401 && path === '/auth/login') throw new ApiError(401, 'That organisation, email and password do not match.', problem?.code ?? null);
    if (res.status === 401 && !path.startsWith('/auth/')) for (const fn of unauthorized) fn();
    throw new ApiError(res.status, explain(res.status, problem), problem?.code ?? null);
  }
  return res;
}

export async function get<T>(path: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const q = qs.toString();
  return (await request('GET', q ? `${path}?${q}` : path)).json() as Promise<T>;
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  return (await request('POST', path, body)).json() as Promise<T>;
}

// --- shapes of the replies the dashboard reads (see /docs for the full schemas) ---------------

export interface User {
  id: string;
  email: string;
  role: string;
  org: string;
}
export interface Me {
  sub: string;
  org: string;
  role: 'admin' | 'analyst' | 'viewer';
  actor: string | null;
  permissions: string[];
  user: User | null;
}
export interface ModelInfo {
  name: string;
  label: string;
  events: string[];
  props: { name: string; label: string; type: string }[];
  dimensions: { name: string; label: string }[];
  metrics: { name: string; label: string; format: string }[];
  kpis: string[];
  actor: { metrics: string[]; dimension: string | null; rankBy: string; group: string | null };
}
export interface Kpi {
  metric: string;
  label: string;
  format: string;
  value: number | null;
  previous: number | null;
  change: number | null;
  series: (number | null)[];
}
export interface Summary {
  model: string;
  kpis: Kpi[];
  buckets: string[];
  granularity: string;
  timeRange: { from: string; to: string };
}
export type Cell = string | number | boolean | null;
export interface QueryRow {
  [column: string]: Cell | Record<string, number | null> | undefined;
  previous?: Record<string, number | null>;
  change?: Record<string, number | null>;
}
export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: QueryRow[];
  meta: { timeRange: { from: string; to: string }; granularity?: string; timezone: string; durationMs: number };
}
export interface Filter {
  field: string;
  op: string;
  value?: Cell | Cell[];
}
export interface QuerySpec {
  metrics: string[];
  dimensions?: string[];
  filters?: Filter[];
  timeRange: { preset: string } | { from: string; to: string };
  granularity?: string;
  timezone?: string;
  compare?: string;
  limit?: number;
  order?: { by: string; dir: 'asc' | 'desc' }[];
}
export interface ActivityEvent {
  event: string;
  timestamp: string;
  actor: string | null;
  id: string | null;
  props: Record<string, Cell>;
}

export const login = (org: string, email: string, password: string): Promise<{ user: User; expiresAt: string }> =>
  post('/auth/login', { org, email, password });
export const logout = async (): Promise<void> => {
  await request('POST', '/auth/logout');
};
export const me = (): Promise<Me> => get('/auth/me');
export const query = (spec: QuerySpec): Promise<QueryResult> => post('/query', spec);

/** Streams an export of `spec` and hands it to the browser as a download. */
export async function downloadExport(format: 'csv' | 'xlsx' | 'parquet', spec: QuerySpec): Promise<void> {
  const res = await request('POST', '/exports', { format, query: spec });
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `tally-export.${format}`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
