/** Runs a worker script in a child process and awaits the one message it sends back. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ForkOptions {
  /** Node flags for the child. Default: the parent's (tsx's loader), so a .ts script runs as-is. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

export function runWorker<T>(script: URL, arg: unknown, options: ForkOptions = {}): Promise<T> {
  const path = fileURLToPath(script);
  return new Promise<T>((resolve, reject) => {
    const child = fork(path, [JSON.stringify(arg)], {
      execArgv: options.execArgv ?? process.execArgv,
      env: options.env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: { value: T } | null = null;
    child.once('message', (message) => {
      result = { value: message as T };
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result) resolve(result.value);
      else reject(new Error(`${path} exited (code ${String(code)}, signal ${String(signal)}) without a result`));
    });
  });
}
