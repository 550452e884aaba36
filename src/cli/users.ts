/**
 * `tally users create|list|disable`: manage dashboard users from the shell (the first admin of an
 * org has to come from somewhere). Passwords are read from a hidden prompt or stdin; `--password`
 * works too but leaves the password in shell history.
 */
import { ROLES } from '../auth/principal.js';
import type { Role } from '../auth/principal.js';
import { loadConfig } from '../config/index.js';
import { openRuntime } from '../runtime.js';
import type { Runtime } from '../runtime.js';
import { parse, requireString, UsageError } from './args.js';

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(loadConfig());
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

/** Reads one line without echoing it (raw mode), for interactive use. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new UsageError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? '';
}

async function readPassword(given: string | boolean | undefined): Promise<string> {
  if (typeof given === 'string') {
    console.error('warning: --password leaves the password in your shell history; prefer the prompt or stdin');
    return given;
  }
  if (!process.stdin.isTTY) return readStdinLine();
  const first = await promptHidden('Password: ');
  const again = await promptHidden('Repeat password: ');
  if (first !== again) throw new UsageError('the passwords do not match');
  return first;
}

export async function usersCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const values = parse(rest, {
    org: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string' },
    actor: { type: 'string' },
    password: { type: 'string' },
    id: { type: 'string' },
  });
  const org = requireString(values, 'org');
  if (sub === 'create') {
    const email = requireString(values, 'email');
    const role = requireString(values, 'role');
    if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const password = await readPassword(values['password']);
    const actor = typeof values['actor'] === 'string' ? values['actor'] : null;
    await withRuntime(async (rt) => {
      const user = await rt.users.create(org, { email, role: role as Role, password, actor });
      console.log(`${user.id}  ${user.email}  ${user.role}  org "${user.org}"`);
    });
  } else if (sub === 'list') {
    await withRuntime(async (rt) => {
      for (const u of await rt.users.list(org)) {
        console.log(`${u.id}  ${u.email}  ${u.role}  ${u.actor ?? '-'}  ${u.disabledAt ? 'disabled ' + u.disabledAt : 'active'}`);
      }
    });
  } else if (sub === 'disable') {
    const id = requireString(values, 'id');
    await withRuntime(async (rt) => {
      if (!(await rt.users.disable(org, id))) throw new UsageError('no such user in that org');
      console.log('disabled');
    });
  } else {
    throw new UsageError('users needs create, list or disable');
  }
}
