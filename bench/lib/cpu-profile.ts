/**
 * In-process V8 CPU profile (node:inspector), summarised as self time per source file and per
 * function: enough to say where a server's main thread spends its time without a viewer. Native
 * work that runs synchronously on the main thread (e.g. an Appender flush) shows up under the JS
 * function that called it.
 */
import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';
import { REPO_ROOT } from './paths.js';

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  byFile: ProfileEntry[];
  byFunction: ProfileEntry[];
}

export class CpuProfiler {
  private readonly session = new Session();

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.session.post('Profiler.start');
  }

  async stop(top = 12): Promise<ProfileSummary> {
    const { profile } = await this.session.post('Profiler.stop');
    await this.session.post('Profiler.disable');
    this.session.disconnect();
    return summarise(profile, top);
  }
}

const VM_STATES = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

function fileOf(url: string): string {
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules?.[1]) return `node_modules/${modules[1]}`;
  return path.startsWith(REPO_ROOT) ? path.slice(REPO_ROOT.length + 1) : path;
}

interface Label {
  file: string;
  fn: string;
}

/**
 * A native frame (no url) is charged to its nearest JS caller, so "native" time says whose
 * native call it was (e.g. an Appender flush from event-writer.ts).
 */
function labelOf(id: number, nodes: ReadonlyMap<number, Profiler.ProfileNode>, parents: ReadonlyMap<number, number>): Label {
  const frame = nodes.get(id)?.callFrame;
  if (!frame) return { file: '(unknown)', fn: '(unknown)' };
  if (VM_STATES.has(frame.functionName)) return { file: frame.functionName, fn: frame.functionName };
  if (frame.url !== '') {
    const file = fileOf(frame.url);
    return { file, fn: `${frame.functionName || '(anonymous)'} — ${file}` };
  }
  const native = frame.functionName || '(anonymous)';
  for (let p = parents.get(id); p !== undefined; p = parents.get(p)) {
    const caller = nodes.get(p)?.callFrame;
    if (caller && caller.url !== '') {
      const file = fileOf(caller.url);
      return { file: `native, called from ${file}`, fn: `native ${native} ← ${caller.functionName || '(anonymous)'} — ${file}` };
    }
  }
  return { file: 'native', fn: `native ${native}` };
}

function ranked(totals: Map<string, number>, totalMs: number, top: number): ProfileEntry[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, selfMs]) => ({ name, selfMs, share: totalMs > 0 ? selfMs / totalMs : 0 }));
}

/** The profiler's own work (Session.post building the profile on stop) is not the server's. */
function underInspector(id: number, nodes: ReadonlyMap<number, Profiler.ProfileNode>, parents: ReadonlyMap<number, number>): boolean {
  for (let n: number | undefined = id; n !== undefined; n = parents.get(n)) {
    if (nodes.get(n)?.callFrame.url.startsWith('node:inspector')) return true;
  }
  return false;
}

function summarise(profile: Profiler.Profile, top: number): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of self) {
    if (underInspector(id, nodes, parents)) continue;
    const label = labelOf(id, nodes, parents);
    if (label.file === '(idle)') continue;
    totalMs += ms;
    byFile.set(label.file, (byFile.get(label.file) ?? 0) + ms);
    byFunction.set(label.fn, (byFunction.get(label.fn) ?? 0) + ms);
  }
  return { totalMs, byFile: ranked(byFile, totalMs, top), byFunction: ranked(byFunction, totalMs, top) };
}
