/** A tiny history router: the path picks the page, the query string holds shareable view state. */
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((fn) => fn()));

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  listeners.forEach((fn) => fn());
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = (): void => setTick((t) => t + 1);
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** Updates one query-string value without adding a history entry per keystroke. */
export function setParams(values: Record<string, string | null>): void {
  const search = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === '') search.delete(k);
    else search.set(k, v);
  }
  const q = search.toString();
  navigate(`${location.pathname}${q ? `?${q}` : ''}`, true);
}
