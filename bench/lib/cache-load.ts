/** Load helpers of bench/cache.ts: server child processes and an autocannon run against them. */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import type { CacheStats } from '../../src/cache/stats.js';
import { compiledWorker } from './compile.js';
import type { ProfileSummary } from './cpu-profile.js';
import type { ServerInfo, ServerRequest } from '../workers/cache-server.js';

export interface ServerHandle {
  info: ServerInfo;
  pid: number;
  stats(): Promise<CacheStats | null>;
  stop(): Promise<void>;
  /** A CPU profile of the server's main thread while `during` runs. */
  profile(during: () => Promise<unknown>): Promise<ProfileSummary>;
}

type Message = { type: 'ready'; info: ServerInfo } | { type: 'stats'; stats: CacheStats | null } | { type: 'profile'; summary: ProfileSummary };

export async function startServer(req: ServerRequest): Promise<ServerHandle> {
  // Compiled (compileCli): Tally serves from plain node in production, not through tsx.
  const child: ChildProcess = fork(compiledWorker('cache-server'), [JSON.stringify(req)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type: Message['type']): Promise<Message> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Message): void => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null): void => reject(new Error(`cache-server exited with ${String(code)}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = (await next('ready')) as Extract<Message, { type: 'ready' }>;
  return {
    info: ready.info,
    pid: child.pid ?? 0,
    stats: async () => {
      const reply = next('stats');
      child.send({ cmd: 'stats' });
      return ((await reply) as Extract<Message, { type: 'stats' }>).stats;
    },
    profile: async (during) => {
      child.send({ cmd: 'profile-start' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await during();
      const reply = next('profile');
      child.send({ cmd: 'profile-stop' });
      return ((await reply) as Extract<Message, { type: 'profile' }>).summary;
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ cmd: 'exit' });
      await exited;
    },
  };
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
