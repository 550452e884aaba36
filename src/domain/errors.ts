/**
 * The error catalog: every failure a client can see has one entry here (code, HTTP status, title).
 * Replies are RFC 9457 problem+json built from an AppError by the http error plugin.
 */

export interface FieldError {
  /** JSON pointer into the request, e.g. `/3/props/amount` or `/filters/0/op`. */
  path: string;
  message: string;
}

export const ERRORS = {
  VALIDATION: { status: 400, title: 'Invalid request' },
  INVALID_EVENT: { status: 400, title: 'Invalid event' },
  UNKNOWN_METRIC: { status: 400, title: 'Unknown metric' },
  UNKNOWN_FIELD: { status: 400, title: 'Unknown field' },
  UNKNOWN_OP: { status: 400, title: 'Unknown filter operator' },
  INVALID_TIME_RANGE: { status: 400, title: 'Invalid time range' },
  INVALID_TIMEZONE: { status: 400, title: 'Invalid timezone' },
  TOO_MANY_BUCKETS: { status: 400, title: 'Too many time buckets' },
  LIMIT_TOO_LARGE: { status: 400, title: 'Limit too large' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  EXPORT_IN_PROGRESS: { status: 409, title: 'Export already running' },
  EXPORT_NOT_READY: { status: 409, title: 'Export not ready' },
  EXPORT_EXPIRED: { status: 410, title: 'Export expired' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  URI_TOO_LONG: { status: 414, title: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  TOO_MANY_EXPORT_JOBS: { status: 429, title: 'Too many export jobs' },
  INTERNAL: { status: 500, title: 'Internal error' },
  NOT_CONFIGURED: { status: 501, title: 'Not configured' },
  STORE_UNAVAILABLE: { status: 503, title: 'Store unavailable' },
  QUERY_TIMEOUT: { status: 503, title: 'Query timed out' },
  AUTH_UNAVAILABLE: { status: 503, title: 'Authentication unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[] | undefined;

  constructor(code: ErrorCode, detail: string, errors?: FieldError[], options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.title = ERRORS[code].title;
    this.errors = errors;
  }
}

/** Shorthand for a 400 that names one field. */
export function fieldError(code: ErrorCode, path: string, message: string): AppError {
  return new AppError(code, `${path}: ${message}`, [{ path, message }]);
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
