/**
 * Event-name filters of raw event subscriptions: exact names or globs where `*` matches any run
 * of characters (`payment.*`, `*.failed`, `*`). Patterns come from clients, so they are checked,
 * bounded, and matched without regular expressions (no catastrophic backtracking).
 */
import { AppError } from '../domain/errors.js';
import type { FieldError } from '../domain/errors.js';

export const MAX_PATTERNS = 50;
const PATTERN = /^[A-Za-z0-9_.:/*-]{1,200}$/;

export type EventMatcher = (name: string) => boolean;

export const MATCH_ALL: EventMatcher = () => true;

/** Compiles patterns; no patterns (or `*`) means every event. Throws VALIDATION naming each bad one. */
export function eventMatcher(patterns: readonly unknown[] | undefined, path = '/filter/events'): EventMatcher {
  if (patterns === undefined || patterns.length === 0) return MATCH_ALL;
  const errors: FieldError[] = [];
  if (patterns.length > MAX_PATTERNS) errors.push({ path, message: `at most ${MAX_PATTERNS} patterns` });
  patterns.forEach((p, i) => {
    if (typeof p !== 'string' || !PATTERN.test(p)) errors.push({ path: `${path}/${i}`, message: 'must be an event name or a pattern with * (1–200 of A-Z a-z 0-9 _ . : / - *)' });
  });
  if (errors.length > 0) throw new AppError('VALIDATION', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  const names = patterns as string[];
  if (names.includes('*')) return MATCH_ALL;
  const exact = new Set(names.filter((p) => !p.includes('*')));
  const globs = names.filter((p) => p.includes('*'));
  if (globs.length === 0) return (name) => exact.has(name);
  return (name) => exact.has(name) || globs.some((g) => globMatch(g, name));
}

/**
 * `*` matches any run of characters. The classic two-pointer wildcard match: linear-ish with
 * one backtrack point, so no pattern can make it blow up the way a backtracking regex can.
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
