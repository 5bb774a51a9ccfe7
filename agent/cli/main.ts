import { X509Certificate } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isZerogateError, ZerogateError } from '../../shared/errors.ts';
import type { PostureReport } from '../../shared/posture/index.ts';
import { enrollWithToken, parseProxyUrls } from '../core/enroll/index.ts';
import { collectPosture, MAX_TOOL_OUTPUT_BYTES, parseToolOutput, postureChecklist, PostureReporter, toolParser, ToolOutputCache, type ChecklistItem } from '../core/posture/index.ts';
import { SessionKeeper, signIn, signOut, type SignInMethod } from '../core/session/index.ts';
import { AgentHome, FILES, proxyUrlsOf, type DeviceCredentials } from '../core/state/index.ts';
import { describeEndpoint, endpointsFor } from '../core/http/index.ts';
import { fetchApps, type AppVerdict } from '../core/apps/index.ts';
import { listenApp, parseListenAddress, TunnelClient, type AppListener } from '../core/tunnel/index.ts';

export const AGENT_VERSION = '0.1.0';

/** Exit codes (DESIGN.md §9). */
export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

const USAGE = `usage: zerogate <command> [options]

commands:
  login [--proxy URL]... [--ca-fingerprint H | --ca-file F] [--no-browser | --device-code | --token T]
        [--hostname NAME]     sign in with your identity provider (system browser; --no-browser
                              prints the URL; --device-code for machines without a browser) and
                              enrol this device; --token T enrols with a one-time token instead;
                              --proxy may be repeated (or a comma-separated list): the nodes of
                              one deployment, which the agent fails over between
  logout                      end the session at the proxy and delete this device's secrets
  status [--json]             who is signed in, the device and its certificate, and its posture
  posture [--json]            this device's security checks (disk encryption, firewall, updates,
                              screen lock, endpoint security) as the proxy will see them
  posture --parse <tool-id> <file>
                              what a saved output of a posture tool says, as JSON (for helpdesks)
  apps [--json]               the apps this device may reach, with the reasons for each verdict
                              and what to do about a refusal
  connect <app> [--listen 127.0.0.1:PORT]
                              serve one app on a local port through the tunnel
  up [--json]                 serve every app this device may reach on local ports
  --version                   print the agent version

environment: ZEROGATE_HOME (default ~/.zerogate) holds the device key and certificate.`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM); long-running commands wait on it. */
  untilStopped: () => Promise<void>;
}

type Handler = (args: string[], io: CliIo, home: AgentHome) => Promise<number>;

const COMMANDS: Record<string, Handler> = { login, logout, status, posture, apps, connect, up };

/** Runs the CLI; returns the exit code. Every error is printed with its code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === 'version') {
    io.out(AGENT_VERSION);
    return EXIT_OK;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.out(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const handler = COMMANDS[command];
  if (handler === undefined) {
    io.err(`error ZG_ERR_USAGE: unknown command "${command}"\n${USAGE}`);
    return EXIT_USAGE;
  }
  const home = new AgentHome(io.env.ZEROGATE_HOME !== undefined && io.env.ZEROGATE_HOME !== '' ? io.env.ZEROGATE_HOME : undefined);
  try {
    return await handler(rest, io, home);
  } catch (error) {
    return report(error, io);
  }
}

/** Codes that mean the command line itself was wrong (exit 2). */
const USAGE_CODES = new Set<string>(['ZG_ERR_USAGE', 'ZG_ERR_PKI_BAD_FINGERPRINT']);

function report(error: unknown, io: CliIo): number {
  if (isZerogateError(error)) {
    const reasons = error.reasons.length > 0 ? ` [${error.reasons.join(', ')}]` : '';
    io.err(`error ${error.code}: ${error.message}${reasons}`);
    return USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_RUNTIME;
  }
  if (error instanceof TypeError && /parseArgs|ERR_PARSE_ARGS/.test(String((error as NodeJS.ErrnoException).code))) {
    io.err(`error ZG_ERR_USAGE: ${error.message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  io.err(`error ZG_ERR_INTERNAL: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT_RUNTIME;
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  return parseArgs({ args, options, allowPositionals, strict: true });
}

async function login(args: string[], io: CliIo, home: AgentHome): Promise<number> {
  const { values } = parse(args, {
    proxy: { type: 'string', multiple: true },
    'ca-fingerprint': { type: 'string' },
    'ca-file': { type: 'string' },
    token: { type: 'string' },
    hostname: { type: 'string' },
    'no-browser': { type: 'boolean' },
    'device-code': { type: 'boolean' },
  });
  const modes = [values.token !== undefined, values['no-browser'] === true, values['device-code'] === true].filter(Boolean).length;
  if (modes > 1) throw new ZerogateError('ZG_ERR_USAGE', 'choose one of --token, --no-browser and --device-code');
  const pins = {
    ...(values['ca-fingerprint'] === undefined ? {} : { caFingerprint: values['ca-fingerprint'] }),
    ...(values['ca-file'] === undefined ? {} : { caFile: values['ca-file'] }),
    ...(values.hostname === undefined ? {} : { hostname: values.hostname }),
  };
  // Checked here so a mistyped URL is a usage error before anything is asked of the user.
  const proxyUrls = values.proxy === undefined ? undefined : parseProxyUrls(values.proxy).map((u) => u.origin);
  if (values.token !== undefined) {
    if (proxyUrls === undefined) throw new ZerogateError('ZG_ERR_USAGE', 'login --token needs --proxy https://HOST:PORT');
    const enrollment = await enrollWithToken({ proxyUrls, token: readToken(values.token), home, ...pins });
    io.out(`enrolled device ${enrollment.deviceId} for ${enrollment.user} at ${proxyUrlsOf(enrollment).join(', ')}`);
    io.out(`device certificate valid until ${enrollment.certNotAfter}; credentials in ${home.dir}`);
    return EXIT_OK;
  }
  const method: SignInMethod = values['device-code'] === true ? 'device-code' : values['no-browser'] === true ? 'print-url' : 'browser';
  const started = Date.now();
  // Ctrl-C while waiting for the browser or the device code cancels the sign-in at once.
  const cancel = new AbortController();
  void io.untilStopped().then(() => cancel.abort());
  const result = await signIn({
    home,
    method,
    signal: cancel.signal,
    say: (line) => io.err(line),
    ...(proxyUrls === undefined ? {} : { proxyUrls }),
    ...pins,
  });
  const { enrollment, session } = result;
  io.out(`signed in as ${session.user} at ${proxyUrlsOf(enrollment).join(', ')} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  io.out(
    result.enrolled
      ? `enrolled device ${enrollment.deviceId}; certificate valid until ${enrollment.certNotAfter}; credentials in ${home.dir}`
      : `device ${enrollment.deviceId} (already enrolled); certificate valid until ${enrollment.certNotAfter}`,
  );
  io.out(`session valid until ${session.sessionExpiresAt} (renewed automatically while the agent runs)`);
  return EXIT_OK;
}

/** `--token file:PATH` reads the token from a file, keeping it out of `ps` and shell history. */
function readToken(value: string): string {
  if (!value.startsWith('file:')) return value;
  const path = value.slice('file:'.length);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    throw new ZerogateError('ZG_ERR_USAGE', `cannot read the token file ${path.slice(0, 200)}`);
  }
}

async function logout(args: string[], io: CliIo, home: AgentHome): Promise<number> {
  parse(args, {});
  const result = await signOut(home);
  if (!result.wasEnrolled) {
    io.out('this device was not enrolled');
    return EXIT_OK;
  }
  if (result.sessionRevoked) io.out('ended the session at the proxy');
  if (result.refreshTokenRevoked) io.out('revoked the sign-in at the identity provider');
  for (const problem of result.problems) io.err(`warning: ${problem}`);
  io.out(`deleted this device's credentials from ${home.dir}`);
  return EXIT_OK;
}

/** How long `status` spends on the posture checks (the full collection may take 10 s). */
export const STATUS_POSTURE_TIMEOUT_MS = 3_000;

/** This device's posture, collected now (slow tools' answers reused from `cache` when given). */
function collectNow(io: CliIo, options: { timeoutMs?: number; cache?: ToolOutputCache } = {}): Promise<PostureReport> {
  return collectPosture({ agentVersion: AGENT_VERSION, env: io.env, ...options });
}

function printChecklist(items: readonly ChecklistItem[], io: CliIo, indent = ''): void {
  for (const item of items) {
    io.out(`${indent}${item.status.padEnd(8)} ${item.summary}`);
    if (item.remediation !== undefined) io.out(`${indent}${' '.repeat(9)}${item.remediation}`);
  }
}

async function status(args: string[], io: CliIo, home: AgentHome): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const checklist = postureChecklist(await collectNow(io, { timeoutMs: STATUS_POSTURE_TIMEOUT_MS }));
  if (!home.isEnrolled()) {
    if (values.json) io.out(JSON.stringify({ enrolled: false, posture: checklist }, null, 2));
    else {
      io.out('not enrolled: run `zerogate login`');
      io.out('posture:');
      printChecklist(checklist, io, '  ');
    }
    return EXIT_OK;
  }
  const creds = home.loadCredentials();
  const cert = new X509Certificate(creds.certPem);
  const notAfter = new Date(cert.validTo);
  const session = home.loadSession();
  const oidc = home.loadOidc();
  const now = Date.now();
  const sessionEnds = session === undefined ? undefined : Date.parse(session.sessionExpiresAt);
  const proxies = proxyUrlsOf(creds.enrollment);
  const inUse = endpointInUse(home, proxies);
  const info = {
    enrolled: true,
    user: creds.enrollment.user,
    deviceId: creds.enrollment.deviceId,
    proxy: creds.enrollment.proxyUrl,
    proxies,
    ...(inUse === undefined ? {} : { endpointInUse: inUse }),
    caFingerprint: creds.enrollment.caFingerprint,
    certificateExpires: notAfter.toISOString(),
    certificateExpired: notAfter.getTime() <= now,
    signedIn: sessionEnds !== undefined && sessionEnds > now,
    signInMethod: oidc === undefined ? 'enrolment token' : 'identity provider',
    identityProvider: oidc?.issuer,
    sessionExpires: session?.sessionExpiresAt,
    sessionTokenExpires: session?.expiresAt,
    posture: checklist,
  };
  if (values.json) {
    io.out(JSON.stringify(info, null, 2));
  } else {
    io.out(`user:        ${info.user}${info.signedIn ? '' : ' (signed out: run `zerogate login`)'}`);
    if (info.signedIn) io.out(`signed in:   until ${info.sessionExpires} (${info.signInMethod}${info.identityProvider === undefined ? '' : ` ${info.identityProvider}`})`);
    io.out(`device:      ${info.deviceId}`);
    if (proxies.length === 1) io.out(`proxy:       ${info.proxy}${inUse === undefined ? '' : `  (connected${inUse.address === new URL(inUse.origin).hostname.replace(/^\[|\]$/g, '') ? '' : ` to ${inUse.address}`} since ${inUse.since})`}`);
    else {
      io.out('proxies:');
      for (const origin of proxies) {
        const here = inUse?.origin === origin;
        io.out(`  ${here ? '*' : ' '} ${origin}${here ? `  (in use${inUse.address === new URL(origin).hostname.replace(/^\[|\]$/g, '') ? '' : `, ${inUse.address}`}, since ${inUse.since})` : ''}`);
      }
    }
    io.out(`certificate: ${info.certificateExpired ? 'EXPIRED' : 'valid'} until ${info.certificateExpires}`);
    io.out('posture:');
    printChecklist(checklist, io, '  ');
  }
  return EXIT_OK;
}

/** The endpoint a running `connect` or `up` of this home uses: only while that process lives. */
function endpointInUse(home: AgentHome, proxies: string[]): { origin: string; address: string; since: string } | undefined {
  const record = home.loadEndpointInUse();
  if (record === undefined || !proxies.includes(record.origin) || !processAlive(record.pid)) return undefined;
  return { origin: record.origin, address: record.address, since: record.since };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function posture(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, parse: { type: 'string' } }, true);
  if (values.parse !== undefined) {
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new ZerogateError('ZG_ERR_USAGE', 'posture --parse takes a tool id and one file: zerogate posture --parse <tool-id> <file>');
    // An unknown tool id is ZG_ERR_POSTURE_UNKNOWN_TOOL (listing the known ones), before the file is read.
    if (toolParser(values.parse) === undefined) parseToolOutput(values.parse, '');
    io.out(JSON.stringify(parseToolOutput(values.parse, readToolOutput(file)), null, 2));
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new ZerogateError('ZG_ERR_USAGE', `posture takes no argument (got "${positionals[0]!.slice(0, 64)}"); to read a saved output: zerogate posture --parse <tool-id> <file>`);
  const report = await collectNow(io);
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else printChecklist(postureChecklist(report), io);
  return EXIT_OK;
}

/** A saved tool output, at most the parsers' bound (a longer file is cut, as the parsers would). */
function readToolOutput(path: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(MAX_TOOL_OUTPUT_BYTES);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ZerogateError('ZG_ERR_USAGE', `cannot read ${path.slice(0, 200)} (${code})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function fetchAppsFresh(creds: DeviceCredentials, keeper: SessionKeeper): Promise<AppVerdict[]> {
  await keeper.ensureFresh();
  // The enrolment's shared endpoints: the same node choice as the keeper's and the tunnel's.
  return fetchApps(creds, keeper.bearer(), endpointsFor(proxyUrlsOf(creds.enrollment)));
}

/** `zerogate apps --json`: each app, with remediation and reportOnly only when they say something. */
function appJson(app: AppVerdict): Record<string, unknown> {
  const { remediation, reportOnly, ...rest } = app;
  return { ...rest, ...(remediation.length > 0 && (!app.allowed || reportOnly) ? { remediation } : {}), ...(reportOnly ? { reportOnly: true } : {}) };
}

async function apps(args: string[], io: CliIo, home: AgentHome): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const creds = home.loadCredentials();
  const list = await fetchAppsFresh(creds, newKeeper(home, creds, io));
  if (values.json) {
    io.out(JSON.stringify(list.map(appJson), null, 2));
    return EXIT_OK;
  }
  for (const app of list) {
    const verdict = app.allowed
      ? app.reportOnly && app.reasons.length > 0
        ? `allowed (report-only policy would deny: ${app.reasons.join(', ')})`
        : 'allowed'
      : `denied (${app.reasons.join(', ')})`;
    io.out(`${app.id.padEnd(20)} ${app.protocol.padEnd(6)} ${verdict}  ${app.name}`);
    for (const line of app.allowed && !app.reportOnly ? [] : app.remediation) io.out(`${' '.repeat(28)}${line}`);
  }
  return EXIT_OK;
}

/** Refusals that no retry can fix: the user must sign in (or the device enrol) again. */
const PERMANENT_REASONS = new Set(['device-revoked', 'device-unenrolled', 'certificate-invalid', 'session-revoked', 'token-invalid', 'user-unauthenticated']);

function newKeeper(home: AgentHome, creds: DeviceCredentials, io: CliIo): SessionKeeper {
  return new SessionKeeper({ home, credentials: creds, warn: (message) => io.err(`notice: ${message}`) });
}

interface ClientRun {
  client: TunnelClient;
  keeper: SessionKeeper;
  /** Sends this device's posture over the tunnel (CONTROL `posture`). */
  reporter: PostureReporter;
  /** Resolves with the refusal when the proxy refuses this device for good. */
  refused: Promise<ZerogateError>;
  home: AgentHome;
}

function startClient(creds: DeviceCredentials, io: CliIo, keeper: SessionKeeper, home: AgentHome): ClientRun {
  let refuse: (error: ZerogateError) => void = () => undefined;
  const refused = new Promise<ZerogateError>((resolve) => (refuse = resolve));
  let reporter: PostureReporter | undefined;
  const client = new TunnelClient({
    credentials: creds,
    bearer: () => keeper.bearer(),
    beforeConnect: () => keeper.ensureFresh(),
    onControl: (message) => {
      if (keeper.handleControl(message)) return;
      if (message.type === 'notice' && typeof message.message === 'string') {
        const reasons = Array.isArray(message.reasons) ? ` [${message.reasons.filter((r) => typeof r === 'string').join(', ')}]` : '';
        io.err(`notice: ${message.message.slice(0, 500)}${reasons}`);
      }
    },
    onState: (state, detail) => {
      if (state === 'connected') {
        const endpoint = detail?.endpoint;
        io.err(endpoint === undefined || !client.endpoints.several ? 'tunnel: connected' : `tunnel: connected to ${describeEndpoint(endpoint)}`);
        if (endpoint !== undefined) recordEndpoint(home, { origin: endpoint.origin, address: endpoint.address, since: new Date().toISOString(), pid: process.pid });
        reporter?.connected();
      } else if (state === 'connecting' && detail?.endpoint !== undefined) {
        io.err(`tunnel: ${detail.problem?.message ?? `cannot reach ${describeEndpoint(detail.endpoint)}`}; trying the next proxy address`);
      } else if (state === 'denied' && detail?.problem) {
        const { problem } = detail;
        io.err(`tunnel: refused: ${problem.code}: ${problem.message} [${problem.reasons.join(', ')}]`);
        if (problem.reasons.some((r) => PERMANENT_REASONS.has(r))) {
          refuse(new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `${problem.message} (run \`zerogate login\` again)`, { reasons: problem.reasons }));
        }
      } else if (state === 'disconnected' && detail?.delayMs !== undefined) {
        recordEndpoint(home, undefined);
        io.err(`tunnel: disconnected, retrying in ${detail.delayMs} ms`);
      }
    },
  });
  const slowTools = new ToolOutputCache();
  reporter = new PostureReporter({
    channel: client,
    collect: () => collectNow(io, { cache: slowTools }),
    onError: (error) => io.err(`notice: the posture check failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  keeper.attach(client);
  keeper.start();
  reporter.start();
  client.start();
  return { client, keeper, reporter, refused, home };
}

async function stopClient(run: ClientRun): Promise<void> {
  run.reporter.stop();
  run.keeper.stop();
  await run.client.stop();
  recordEndpoint(run.home, undefined);
}

/** Tells `zerogate status` which endpoint the tunnel uses; a failure to write it must not stop the agent. */
function recordEndpoint(home: AgentHome, endpoint: Parameters<AgentHome['saveEndpointInUse']>[0]): void {
  try {
    home.saveEndpointInUse(endpoint);
  } catch {
    // status then shows no endpoint in use
  }
}

/** Waits for Ctrl-C, or fails with the refusal when the proxy refuses this device for good. */
async function serveUntilStopped(run: ClientRun, io: CliIo, cleanup: () => Promise<void>): Promise<number> {
  const outcome = await Promise.race([io.untilStopped().then(() => undefined), run.refused]);
  await cleanup();
  await stopClient(run);
  if (outcome !== undefined) throw outcome;
  return EXIT_OK;
}

const listenerEvents = (io: CliIo) => ({
  onDenied: (app: string, problem: { code: string; reasons: string[]; message: string }) =>
    io.err(`${app}: refused: ${problem.code}: ${problem.message}${problem.reasons.length ? ` [${problem.reasons.join(', ')}]` : ''}`),
  onError: (app: string, error: Error) => io.err(`${app}: ${isZerogateError(error) ? `${error.code}: ` : ''}${error.message}`),
});

async function connect(args: string[], io: CliIo, home: AgentHome): Promise<number> {
  const { values, positionals } = parse(args, { listen: { type: 'string' } }, true);
  const [app, ...extra] = positionals;
  if (app === undefined || extra.length > 0) throw new ZerogateError('ZG_ERR_USAGE', 'connect takes exactly one app id: zerogate connect <app> [--listen 127.0.0.1:PORT]');
  const address = parseListenAddress(values.listen ?? '127.0.0.1:0');
  const creds = home.loadCredentials();
  const run = startClient(creds, io, newKeeper(home, creds, io), home);
  let listener: AppListener;
  try {
    listener = await listenApp(run.client, app, address, listenerEvents(io));
  } catch (error) {
    await stopClient(run);
    throw error;
  }
  io.out(`${app} is on ${formatAddress(listener.address)} (Ctrl-C to stop)`);
  return serveUntilStopped(run, io, () => listener.close());
}

async function up(args: string[], io: CliIo, home: AgentHome): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const creds = home.loadCredentials();
  const keeper = newKeeper(home, creds, io);
  const list = (await fetchAppsFresh(creds, keeper)).filter((a) => a.allowed);
  if (list.length === 0) {
    io.out(values.json ? '[]' : 'no apps are available to this device: `zerogate apps` says why');
    return EXIT_OK;
  }
  const ports = readPorts(home);
  const run = startClient(creds, io, keeper, home);
  const { client } = run;
  const listeners: AppListener[] = [];
  try {
    for (const app of list) {
      const preferred = ports[app.id];
      let listener: AppListener;
      try {
        listener = await listenApp(client, app.id, { host: '127.0.0.1', port: preferred ?? 0 }, listenerEvents(io));
      } catch {
        // The remembered port is taken now: take any free one.
        listener = await listenApp(client, app.id, { host: '127.0.0.1', port: 0 }, listenerEvents(io));
      }
      ports[app.id] = listener.address.port;
      listeners.push(listener);
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    await stopClient(run);
    throw error;
  }
  home.write(FILES.ports, `${JSON.stringify(ports, null, 2)}\n`, 0o600);
  if (values.json) {
    io.out(JSON.stringify(listeners.map((l) => ({ app: l.app, address: formatAddress(l.address) }))));
  } else {
    for (const l of listeners) io.out(`${l.app.padEnd(20)} ${formatAddress(l.address)}`);
    io.out('(Ctrl-C to stop)');
  }
  return serveUntilStopped(run, io, async () => {
    await Promise.all(listeners.map((l) => l.close()));
  });
}

function readPorts(home: AgentHome): Record<string, number> {
  try {
    const parsed = JSON.parse(home.read(FILES.ports) ?? '{}') as unknown;
    if (parsed === null || typeof parsed !== 'object') return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, number] => Number.isInteger(e[1]) && e[1] > 0 && e[1] < 65536),
    );
  } catch {
    return {};
  }
}

function formatAddress(a: { host: string; port: number }): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
