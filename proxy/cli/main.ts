import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isZerogateError, ZerogateError } from '../../shared/errors.ts';
import { formatDuration, parseDuration } from '../../shared/duration.ts';
import { DURATION_BOUNDS, loadConfig, type ProxyConfig } from '../config/index.ts';
import { startDemo } from '../demo/demo.ts';
import { createEnrollmentToken } from '../devices/index.ts';
import { initPki } from '../pki/index.ts';
import { ensurePrivateDirectory } from '../pki/atomic-file.ts';
import { openStore, startProxy, VERSION } from '../server/index.ts';
import type { Store } from '../store/index.ts';
import { AuditLog } from '../audit/index.ts';
import { STARTER_CONFIG } from './starter-config.ts';
import { userCommand } from './user-command.ts';
import { apiTokenCommand } from './api-token-command.ts';

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

const USAGE = `usage: zerogate-proxy <command> [options]

commands:
  serve [--config F]                     run the proxy (SIGHUP reloads apps and policies)
  init [--dir D] [--force]               write a starter config (--force: overwrite it) and create
                                         the device CA in D
  token create --user U [--ttl 1h] [--json] [--config F]
                                         print a one-time enrolment token for U
  device list [--user U] [--json] [--config F]
                                         list enrolled devices
  device revoke <device-id> [--reason TEXT] [--config F]
                                         revoke a device and its certificates
  api-token create --role admin|helpdesk --name N [--ttl 30d] [--json] [--config F]
                                         print a token for the admin or helpdesk API (shown once)
  api-token revoke <token-id> [--config F]
                                         revoke an API token at once
  user hash-password | add | list | disable | enable | reset-totp
                                         users of the embedded IdP (\`zerogate-proxy user\` for details)
  demo [--port 8443]                     a proxy with its IdP and three demo users, a fresh CA and two
                                         sample apps, with the commands to try
  --version

--config defaults to $ZEROGATE_CONFIG or ./zerogate.yaml.`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  untilStopped: () => Promise<void>;
  /** The first line of stdin, or undefined when stdin is a terminal or empty (passwords). */
  readStdin?: () => Promise<string | undefined>;
  /** Registers what to do when asked to reload the config (SIGHUP). */
  onReload?: (reload: () => Promise<void>) => void;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case '--version':
      case 'version':
        io.out(VERSION);
        return EXIT_OK;
      case undefined:
        io.out(USAGE);
        return EXIT_USAGE;
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return EXIT_OK;
      case 'serve':
        return await serve(rest, io);
      case 'init':
        return await init(rest, io);
      case 'token':
        return await token(rest, io);
      case 'device':
        return await device(rest, io);
      case 'demo':
        return await demo(rest, io);
      case 'api-token':
        return await apiTokenCommand(rest, { out: io.out, err: io.err, loadConfig: (file) => loadConfig(configPath(file, io)), withStore });
      case 'user':
        return await userCommand(rest, { out: io.out, err: io.err, readStdin: io.readStdin ?? (async () => undefined) }, {
          loadConfig: (file) => loadConfig(configPath(file, io)),
          withStore,
        });
      default:
        throw new ZerogateError('ZG_ERR_USAGE', `unknown command "${command}"`);
    }
  } catch (error) {
    return report(error, io);
  }
}

function report(error: unknown, io: CliIo): number {
  if (isZerogateError(error)) {
    io.err(`error ${error.code}: ${error.message}`);
    if (error.code === 'ZG_ERR_USAGE') io.err(USAGE);
    return error.code === 'ZG_ERR_USAGE' ? EXIT_USAGE : EXIT_RUNTIME;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    io.err(`error ZG_ERR_USAGE: ${(error as Error).message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  io.err(`error ZG_ERR_INTERNAL: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT_RUNTIME;
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  return parseArgs({ args, options, allowPositionals, strict: true });
}

function configPath(value: string | undefined, io: CliIo): string {
  return resolve(value ?? io.env.ZEROGATE_CONFIG ?? 'zerogate.yaml');
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { config: { type: 'string' } });
  const file = configPath(values.config, io);
  const config = loadConfig(file);
  let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
  let pending = false;
  // SIGHUP re-reads the apps and policies: new streams are decided on them and live ones are
  // decided again at once. A config that does not load keeps the running one.
  const reload = async (): Promise<void> => {
    if (proxy === undefined) {
      // Asked before the proxy is up (it says "listening" first): done as soon as it is, never
      // the signal's default action (which would end the process).
      pending = true;
      return;
    }
    try {
      const next = loadConfig(file);
      // The reloaded config goes under the store's API changes (an app or policy changed through
      // the API keeps its API version; one unpublished through the API stays hidden).
      const catalog = await proxy.built.reloadConfig(next.apps, next.policies);
      for (const warning of catalog.warnings) io.err(`warning: ${warning}`);
      io.err(`reloaded ${next.apps.length} app(s) and ${Object.keys(next.policies).length} policy(ies) from ${file}; ${catalog.apps.size} app(s) and ${catalog.policies.size} policy(ies) published with the API's changes`);
      proxy.audit.record({ type: 'admin.change', detail: { action: 'config.reload', by: 'signal', apps: catalog.apps.size, configApps: next.apps.length } });
    } catch (error) {
      io.err(`error ${isZerogateError(error) ? error.code : 'ZG_ERR_INTERNAL'}: reload refused, keeping the running config: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  io.onReload?.(reload);
  proxy = await startProxy({ config, log: io.err });
  if (pending) await reload();
  await io.untilStopped();
  io.err('shutting down');
  await proxy.close();
  return EXIT_OK;
}

async function init(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { dir: { type: 'string' }, force: { type: 'boolean' } });
  const dir = resolve(values.dir ?? '.');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'zerogate.yaml');
  if (!existsSync(file) || values.force === true) {
    writeFileSync(file, STARTER_CONFIG, { mode: 0o600 });
    io.out(`wrote ${file}`);
  } else {
    io.out(`kept existing ${file}`);
  }
  const config = loadConfig(file);
  const result = await initPki(config.dataDir, config.server.hostnames);
  io.out(result.created ? `created the device CA in ${config.dataDir}` : `kept the existing device CA in ${config.dataDir}`);
  io.out(`CA fingerprint (SHA-256): ${result.caFingerprint}`);
  return EXIT_OK;
}

async function withStore<T>(config: ProxyConfig, fn: (store: Store, audit: AuditLog) => Promise<T>): Promise<T> {
  // Users and tokens may be added before the proxy first starts: the data dir is made as serve makes it.
  await ensurePrivateDirectory(config.dataDir);
  // The store the proxy uses: SQLite in the data dir, or PostgreSQL when store.url is set.
  const store = await openStore(config);
  // Admin changes made here go to the store and, when the proxy audits to a file, to that file
  // too; never to stdout, which carries this command's own output (a token, a list).
  const audit = new AuditLog(store, config.audit.file === 'stdout' ? 'none' : config.audit.file);
  try {
    return await fn(store, audit);
  } finally {
    await audit.close();
    await store.close();
  }
}

async function token(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create') throw new ZerogateError('ZG_ERR_USAGE', 'usage: zerogate-proxy token create --user U [--ttl 1h]');
  const { values } = parse(rest, { user: { type: 'string' }, ttl: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } });
  if (values.user === undefined) throw new ZerogateError('ZG_ERR_USAGE', 'token create needs --user U');
  const config = loadConfig(configPath(values.config, io));
  const ttlMs = values.ttl === undefined ? config.enrollment.tokenTtlMs : usageDuration(values.ttl, '--ttl');
  const minTtl = DURATION_BOUNDS.tokenTtl.min;
  if (ttlMs < minTtl || ttlMs > config.enrollment.maxTokenTtlMs) {
    throw new ZerogateError('ZG_ERR_USAGE', `--ttl must be from ${formatDuration(minTtl)} to ${formatDuration(config.enrollment.maxTokenTtlMs)} (enrollment.maxTokenTtl)`);
  }
  const user = values.user;
  const created = await withStore(config, async (store, audit) => {
    const result = await createEnrollmentToken(store, user, ttlMs);
    audit.record({ type: 'admin.change', user, detail: { action: 'token.create', tokenId: result.id, expiresAt: result.expiresAt, by: 'cli' } });
    return result;
  });
  if (values.json) {
    io.out(JSON.stringify({ token: created.token, user: created.user, expiresAt: new Date(created.expiresAt).toISOString() }));
  } else {
    io.out(created.token);
    io.err(`one-time token for ${created.user}, valid until ${new Date(created.expiresAt).toISOString()}`);
  }
  return EXIT_OK;
}

async function device(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const { values } = parse(rest, { config: { type: 'string' }, json: { type: 'boolean' }, user: { type: 'string' } });
    const config = loadConfig(configPath(values.config, io));
    const devices = await withStore(config, (store) => store.listDevices(values.user === undefined ? {} : { user: values.user }));
    if (values.json) io.out(JSON.stringify(devices, null, 2));
    else if (devices.length === 0) io.out('no devices enrolled');
    else {
      for (const d of devices) {
        io.out(`${d.id}  ${d.status.padEnd(7)}  ${d.user}  ${d.hostname}  cert until ${new Date(d.certNotAfter).toISOString()}`);
      }
    }
    return EXIT_OK;
  }
  if (sub === 'revoke') {
    const { values, positionals } = parse(rest, { config: { type: 'string' }, reason: { type: 'string' } }, true);
    const [id] = positionals;
    if (id === undefined || positionals.length !== 1) throw new ZerogateError('ZG_ERR_USAGE', 'usage: zerogate-proxy device revoke <device-id>');
    const config = loadConfig(configPath(values.config, io));
    const reason = (values.reason ?? 'revoked by an administrator').slice(0, 200);
    const revoked = await withStore(config, async (store, audit) => {
      const ok = await store.revokeDevice(id, Date.now(), reason);
      if (ok) audit.record({ type: 'device.revoke', device: id, reasons: ['device-revoked'], detail: { by: 'cli', reason } });
      return ok;
    });
    if (!revoked) throw new ZerogateError('ZG_ERR_NOT_FOUND', `no active device ${id.slice(0, 64)}`);
    io.out(`revoked device ${id}`);
    return EXIT_OK;
  }
  throw new ZerogateError('ZG_ERR_USAGE', 'usage: zerogate-proxy device list|revoke');
}

async function demo(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { port: { type: 'string' } });
  const port = values.port === undefined ? 8443 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ZerogateError('ZG_ERR_USAGE', '--port must be 0..65535');
  let running;
  try {
    running = await startDemo({ port, log: io.err });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ZerogateError('ZG_ERR_USAGE', `port ${port} is in use: pick another with \`npm start -- --port PORT\` (0 picks a free one)`, { cause: error });
    }
    throw error;
  }
  io.out(running.instructions);
  await io.untilStopped();
  await running.close();
  return EXIT_OK;
}

function usageDuration(text: string, flag: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new ZerogateError('ZG_ERR_USAGE', `${flag} must be a duration like 30m, 1h or 7d, got "${text.slice(0, 30)}"`);
  }
}
