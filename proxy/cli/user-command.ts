/**
 * `zerogate-proxy user ...`: users of the embedded IdP kept in the store, and password hashes
 * for users written in the config file. Passwords are read from stdin (never from argv, which
 * `ps` shows) or generated and printed once.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import { USERNAME_PATTERN, type ProxyConfig } from '../config/index.ts';
import { hashPassword } from '../identity/idp/index.ts';
import type { Store } from '../store/index.ts';

/** Shortest password accepted (NIST SP 800-63B §5.1.1.2 asks for at least 8). */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

export interface UserCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** The first line of stdin; undefined when stdin is a terminal or empty. */
  readStdin: () => Promise<string | undefined>;
}

export interface UserCommandDeps {
  loadConfig: (path: string | undefined) => ProxyConfig;
  withStore: <T>(config: ProxyConfig, fn: (store: Store, audit: AuditLog) => Promise<T>) => Promise<T>;
}

export const USER_USAGE = `usage: zerogate-proxy user <command>
  user hash-password                     read a password on stdin, print its scrypt hash (for identity.users)
  user add <username> --email E [--name N] [--groups g1,g2] [--config F]
                                         add a user to the store; password on stdin, or one is generated and printed
  user list [--json] [--config F]        users in the store (config users are in the config file)
  user disable <username> [--config F]   refuse the user's sign-ins and refresh tokens, end their sessions
  user enable <username> [--config F]
  user reset-totp <username> [--config F] forget the user's authenticator; they set up a new one at next sign-in`;

/** A random password of 20 characters from an unambiguous alphabet (about 110 bits). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(40);
  let out = '';
  for (const byte of bytes) {
    if (byte >= 232) continue; // 232 = 4 * 58: keep the choice uniform
    out += alphabet[byte % alphabet.length];
    if (out.length === 20) break;
  }
  return out.length === 20 ? out : generatePassword();
}

function checkPassword(password: string): string {
  const trimmed = password.replace(/\r?\n$/, '');
  if (trimmed.length < MIN_PASSWORD_LENGTH || trimmed.length > MAX_PASSWORD_LENGTH) {
    throw new ZerogateError('ZG_ERR_USAGE', `a password must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`);
  }
  return trimmed;
}

function checkUsername(name: string | undefined): string {
  if (name === undefined || !new RegExp(USERNAME_PATTERN, 'u').test(name)) {
    throw new ZerogateError('ZG_ERR_USAGE', 'a username is lowercase letters, digits, ".", "_" and "-" (at most 64), starting with a letter or digit');
  }
  return name;
}

/** Ends every session of a user: agent sessions (their tunnels are cut) and console sign-ins. */
async function endSessions(store: Store, username: string): Promise<number> {
  const now = Date.now();
  return (await store.revokeUserSessions(username, now)) + (await store.revokeUserBrowserSessions(username, now));
}

export async function userCommand(args: string[], io: UserCommandIo, deps: UserCommandDeps): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'hash-password': {
      parseArgs({ args: rest, options: {}, strict: true });
      const input = await io.readStdin();
      if (input === undefined) throw new ZerogateError('ZG_ERR_USAGE', 'pipe the password on stdin: `zerogate-proxy user hash-password < file`');
      io.out(await hashPassword(checkPassword(input)));
      return 0;
    }
    case 'add': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { email: { type: 'string' }, name: { type: 'string' }, groups: { type: 'string' }, config: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
      const username = checkUsername(positionals[0]);
      if (positionals.length !== 1) throw new ZerogateError('ZG_ERR_USAGE', 'user add takes one username');
      const email = values.email;
      if (email === undefined || !/^[^\s@]{1,64}@[^\s@]{1,189}$/.test(email)) throw new ZerogateError('ZG_ERR_USAGE', 'user add needs --email with an email address');
      const groups = (values.groups ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
      if (groups.some((g) => !/^\S{1,256}$/.test(g)) || groups.length > 100) throw new ZerogateError('ZG_ERR_USAGE', '--groups is a comma-separated list of group names');
      const config = deps.loadConfig(values.config);
      if (config.identity.embedded.users.some((u) => u.username === username)) {
        throw new ZerogateError('ZG_ERR_USAGE', `${username} is defined in the config file: change it there`);
      }
      const input = await io.readStdin();
      const generated = input === undefined ? generatePassword() : undefined;
      const password = generated ?? checkPassword(input ?? '');
      const passwordHash = await hashPassword(password);
      const added = await deps.withStore(config, async (store, audit) => {
        const ok = await store.addIdpUser({ username, email, name: values.name, groups, passwordHash, disabled: false, createdAt: Date.now() });
        if (ok) audit.record({ type: 'admin.change', user: username, detail: { action: 'user.add', by: 'cli', groups } });
        return ok;
      });
      if (!added) throw new ZerogateError('ZG_ERR_USAGE', `a user ${username} already exists`);
      io.out(`added ${username} (${email})${groups.length > 0 ? ` in ${groups.join(', ')}` : ''}`);
      if (generated !== undefined) io.out(`password: ${generated}   (shown once; the user sets up TOTP at first sign-in)`);
      return 0;
    }
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, config: { type: 'string' } }, strict: true });
      const config = deps.loadConfig(values.config);
      const users = await deps.withStore(config, (store) => store.listIdpUsers());
      const shown = users.map(({ passwordHash: _secret, ...u }) => ({ ...u, createdAt: new Date(u.createdAt).toISOString() }));
      if (values.json) io.out(JSON.stringify(shown, null, 2));
      else if (shown.length === 0) io.out('no users in the store (config users are listed in the config file)');
      else for (const u of shown) io.out(`${u.username.padEnd(20)} ${u.disabled ? 'disabled' : 'active  '}  ${u.email}  ${u.groups.join(',')}`);
      return 0;
    }
    case 'disable':
    case 'enable':
    case 'reset-totp': {
      const { values, positionals } = parseArgs({ args: rest, options: { config: { type: 'string' } }, allowPositionals: true, strict: true });
      const username = checkUsername(positionals[0]);
      const config = deps.loadConfig(values.config);
      const done = await deps.withStore(config, async (store, audit) => {
        let ok: boolean;
        let sessions = 0;
        if (sub === 'reset-totp') {
          ok = await store.clearTotpSecret(username);
          // Whoever held the old authenticator may be signed in: those sessions end too.
          if (ok) sessions = await endSessions(store, username);
        } else {
          ok = await store.setIdpUserDisabled(username, sub === 'disable');
          if (ok && sub === 'disable') sessions = await endSessions(store, username);
        }
        if (ok) audit.record({ type: 'admin.change', user: username, detail: { action: `user.${sub}`, by: 'cli', sessionsEnded: sessions } });
        return { ok, sessions };
      });
      if (!done.ok) {
        throw new ZerogateError('ZG_ERR_NOT_FOUND', sub === 'reset-totp' ? `${username} has no authenticator set up` : `no user ${username} in the store (config users are changed in the config file)`);
      }
      io.out(
        sub === 'disable'
          ? `disabled ${username}; ended ${done.sessions} session(s)`
          : sub === 'enable'
            ? `enabled ${username}`
            : `${username} will set up a new authenticator at the next sign-in; ended ${done.sessions} session(s)`,
      );
      return 0;
    }
    default:
      throw new ZerogateError('ZG_ERR_USAGE', USER_USAGE);
  }
}
