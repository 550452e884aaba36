/** The token of an `Authorization: Bearer <token>` header; null for any other shape. */
const BEARER = /^Bearer\s+(\S+)$/i;

export function bearerToken(header: string): string | null {
  return BEARER.exec(header)?.[1] ?? null;
}
