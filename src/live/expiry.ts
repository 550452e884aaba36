/** A timer for a credential's expiry; setTimeout cannot wait longer than ~24.8 days in one go. */
const MAX_TIMEOUT_MS = 2_147_000_000;

export function atExpiry(expSeconds: number | null, now: () => number, fire: () => void): () => void {
  if (expSeconds === null) return () => {};
  let timer: NodeJS.Timeout | null = null;
  const arm = () => {
    const left = expSeconds * 1000 - now();
    if (left <= 0) {
      timer = null;
      fire();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMEOUT_MS)).unref();
  };
  arm();
  return () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
}
