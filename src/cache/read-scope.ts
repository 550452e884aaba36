/**
 * Collects what a cached computation read, without threading a collector through every call: the
 * cache runs the computation in a scope (AsyncLocalStorage) and the engine reports each executed
 * read with noteRead(). Outside a scope noteRead does nothing, so uncached callers pay nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ReadTag } from './tags.js';

interface Scope {
  reads: ReadTag[];
  cacheable: boolean;
  /** Set inside withReadTag: reads are reported as this tag instead (once). */
  override: { tag: ReadTag; target: Scope; used: boolean } | null;
}

const storage = new AsyncLocalStorage<Scope>();

export interface Collected<T> {
  value: T;
  reads: ReadTag[];
  /** False when some part of the computation said its answer must not be cached. */
  cacheable: boolean;
}

/**
 * Computations in flight. While an AsyncLocalStorage is enabled, Node runs its hooks on every
 * promise and async resource of the process (every request pays for them), so the storage is
 * disabled whenever no computation is collecting; run() enables it again.
 */
let collecting = 0;

export async function collectReads<T>(fn: () => Promise<T>): Promise<Collected<T>> {
  const scope: Scope = { reads: [], cacheable: true, override: null };
  collecting++;
  try {
    const value = await storage.run(scope, fn);
    return { value, reads: scope.reads, cacheable: scope.cacheable };
  } finally {
    if (--collecting === 0) storage.disable();
  }
}

/** The engine calls this for every statement family it runs (a plan, a view's SQL). */
export function noteRead(tag: ReadTag): void {
  const scope = storage.getStore();
  if (!scope) return;
  const o = scope.override;
  if (o === null) {
    scope.reads.push(tag);
  } else if (!o.used) {
    o.used = true;
    o.target.reads.push(o.tag);
  }
}

/**
 * Runs `fn` with every read inside it reported as `tag`. For views that build their own SQL and
 * know better than the engine's conservative default (engine.runSql reports "any event, any time").
 */
export function withReadTag<T>(tag: ReadTag, fn: () => Promise<T>): Promise<T> {
  const scope = storage.getStore();
  if (!scope) return fn();
  const target = scope.override?.target ?? scope;
  return storage.run({ reads: [], cacheable: true, override: { tag, target, used: false } }, async () => {
    try {
      return await fn();
    } finally {
      const inner = storage.getStore();
      if (inner && !inner.cacheable) target.cacheable = false;
    }
  });
}

/** Marks the current computation's answer as not cacheable (e.g. it depends on the caller's clock). */
export function markUncacheable(): void {
  const scope = storage.getStore();
  if (!scope) return;
  scope.cacheable = false;
  if (scope.override) scope.override.target.cacheable = false;
}
