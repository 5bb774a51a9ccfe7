/**
 * The HTTP section of `npm run bench` (issue 8): what publishing an http:// app through Zerogate
 * costs per request, measured side by side with the app reached directly, in one run, every
 * component in its own process:
 *
 *   direct    load client (http-load.ts) ──keep-alive HTTP──▶ app (http-upstream.ts)
 *   proxied   load client ──▶ agent listener (`zerogate connect web`) ══mTLS WebSocket══▶
 *             proxy (`zerogate-proxy serve`) ──▶ app
 *
 * With the proxy's HTTP gateway, the proxied path terminates HTTP at the proxy (strips identity
 * headers, signs an assertion, rate limits, forwards on its own keep-alive connections to the
 * app); without it, the tunnel stream is piped to the app as raw TCP. The app counts the
 * requests carrying X-Zerogate-Assertion, so the section reports which of the two it measured.
 *
 * A closed loop (http-client.ts) of C keep-alive connections, each sending its next GET as soon
 * as the previous answer is complete, for `durationMs`; for GET /small (~100 B of JSON) and
 * GET /large (64 KiB), each path warmed up, then measured `runs` times interleaved (direct,
 * proxied, direct, proxied, ...) so a drift of the machine spreads over both. Figures: requests
 * per second, latency p50/p99/max, errors (must be 0: a status outside 2xx, a wrong body size,
 * a reset or a timeout), and proxied/direct ratios; medians over the runs.
 *
 * The proxy's config raises the app's `http.rateLimit` (default 600 per identity and 6,000 per
 * app per minute) so the limiter does not cap the figure; when the proxy does not know the key
 * yet, the app is published without it (the section says which).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.ts';
import { CpuMeter, machineBusySeconds, memoryMiB, OTHER, type Watched } from './cpu.ts';
import { BODY_BYTES, LARGE_PATH, SMALL_PATH, type BenchAppStats } from './http-app.ts';
import type { HttpErrors, HttpJob, HttpJobResult } from './http-client.ts';
import type { HttpLoadReply, HttpLoadRequest } from './http-load.ts';
import type { HttpPlan } from './options.ts';
import { forkTs, freePort, runCommand, Service } from './processes.ts';
import { formatProfile, profilesIn, readProfile, summarizeProfile } from './profile.ts';
import { median, round } from './stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_BIN = join(REPO, 'bin', 'zerogate-proxy.js');
const AGENT_BIN = join(REPO, 'bin', 'zerogate.js');
export const HTTP_APP = 'web';
const USER = 'bench@example.com';
const START_TIMEOUT_MS = 60_000;
/** A measurement that takes this much longer than planned is broken (every request times out at 10 s). */
const JOB_SLACK_MS = 60_000;
/** Cores used outside the section's processes above which a measurement is flagged. */
const OTHER_BUSY_WARNING = 0.25;
/** Spread (max / min) of one figure's runs above which the figure is flagged as noisy. */
const NOISY_SPREAD = 1.25;
/** The app's `http.rateLimit` in the config, per minute. */
export interface RateLimit {
  perIdentityPerMinute: number;
  perAppPerMinute: number;
}
/**
 * What the app's `http.rateLimit` is raised to: tried in order until the proxy accepts one (the
 * first is its ceiling today, proxy/config/defaults.ts); then the app without the key. The bench
 * is one identity, so the per-identity limit is the one that could cap the proxied figure
 * (1,000,000 a minute is 16,667 requests/s): a refused request is a 429, counted as an error.
 */
const RATE_LIMIT_CANDIDATES: readonly RateLimit[] = [
  { perIdentityPerMinute: 1_000_000, perAppPerMinute: 10_000_000 },
  { perIdentityPerMinute: 100_000, perAppPerMinute: 100_000 },
];
/** Proxied requests/s above this share of the per-identity limit are flagged: the limiter may have capped them. */
const NEAR_LIMIT = 0.9;

export const HTTP_ENDPOINTS = [
  { name: 'small', path: SMALL_PATH },
  { name: 'large', path: LARGE_PATH },
] as const;
export type HttpEndpointName = (typeof HTTP_ENDPOINTS)[number]['name'];
export const HTTP_PATHS = ['direct', 'proxied'] as const;
export type HttpPathName = (typeof HTTP_PATHS)[number];
const PROCESS_NAMES = ['load', 'app', 'agent', 'proxy'] as const;

export interface HttpMeasurement {
  endpoint: HttpEndpointName;
  path: HttpPathName;
  /** 0 for the warm-up, then 1..runs. */
  run: number;
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latency: HttpJobResult['latency'];
  errors: number;
  reconnects: number;
  /** Cores kept busy during the measurement by each process and by the rest of the machine. */
  cores: Record<string, number | null>;
  /** What the app saw meanwhile: requests (including the untimed and the drained ones), with an assertion, connections open at the end. */
  app: { requests: number; withAssertion: number; connections: number; accepted: number };
}

export interface HttpPathFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The largest latency of any run. */
  maxMs: number;
  /** MB/s (10^6 bytes) of response bodies. */
  bodyMBps: number;
  errors: number;
  /** Median cores per process over the runs. */
  cores: Record<string, number | null>;
  /**
   * CPU milliseconds each process spent per counted request (median over the runs): the cost of
   * a request, which moves much less than requests/s when other work shares the machine.
   */
  cpuMsPerRequest: Record<string, number | null>;
}

export interface HttpEndpointFigures {
  path: string;
  bodyBytes: number;
  direct: HttpPathFigures | null;
  proxied: HttpPathFigures | null;
  /** proxied / direct: below 1 for requests/s and above 1 for latency means the proxied path is slower. */
  ratios: { requestsPerSecond: number | null; p50Ms: number | null; p99Ms: number | null };
  /** proxied - direct, ms. */
  addedMs: { p50: number | null; p99: number | null };
}

export interface HttpSection {
  plan: HttpPlan;
  setup: {
    app: string;
    upstream: string;
    /** What the proxied path went through, from the app's own count of assertions. */
    gateway: 'http' | 'raw-tcp' | 'mixed';
    gatewayNote: string;
    /** The rate limit put in the config, or null when the proxy does not know the key. */
    rateLimit: RateLimit | null;
    configNote: string;
    client: string;
    order: string;
  };
  figures: Record<HttpEndpointName, HttpEndpointFigures>;
  measurements: HttpMeasurement[];
  errors: HttpErrors;
  checks: {
    /** Requests the app served for proxied measurements (>= the client's count: untimed and drained ones included). */
    proxiedAppRequests: number;
    proxiedClientRequests: number;
    proxiedWithAssertion: number;
    /** Connections the app had open at the end of the last proxied measurement (the gateway's pool, or one per client connection when raw). */
    appConnectionsProxied: number | null;
    /** Client connections the server side closed between requests (Connection: close, idle timeout), per path: each costs a new connect (and tunnel stream). */
    reconnects: Record<HttpPathName, number>;
  };
  memoryMiB: Record<string, { rss: number; peak: number } | null>;
  busyCoresBeforeStart: number | null;
  durations: { setupSeconds: number; sectionSeconds: number };
  anomalies: string[];
}

export interface HttpRunOptions {
  dir: string;
  plan: HttpPlan;
  cleanup: Cleanup;
  progress: (line: string) => void;
  /** `--profile`: run proxy and agent under `node --cpu-prof`, profiles in `<profileDir>/{proxy,agent}`. */
  profileDir?: string;
}

/** CLOCK_MONOTONIC microseconds: the clock of V8's CPU profiles. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopForked(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  if (child.connected) child.disconnect();
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Forks `file` and waits for its first IPC message (`{ port }` or `{ ready }`). */
async function forkAndWait<T>(file: string, what: string, cleanup: Cleanup): Promise<{ child: ChildProcess; first: T }> {
  const child = forkTs(new URL(file, import.meta.url), [], cleanup);
  cleanup.add(what, () => stopForked(child));
  const first = await new Promise<T>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`the ${what} did not start`)), START_TIMEOUT_MS);
    child.once('message', (message: T) => {
      clearTimeout(timer);
      done(message);
    });
    child.once('exit', (code) => fail(new Error(`the ${what} exited (${code}) before it was ready`)));
  });
  return { child, first };
}

/** The app child: its port and its counters. */
class AppProcess {
  readonly child: ChildProcess;
  readonly port: number;

  constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
  }

  stats(): Promise<BenchAppStats> {
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error('the app did not answer its stats')), 5_000);
      const onMessage = (message: { stats?: BenchAppStats }) => {
        if (message.stats === undefined) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        done(message.stats);
      };
      this.child.on('message', onMessage);
      this.child.send('stats');
    });
  }
}

/** The load client child, one measurement at a time. */
class LoadClient {
  readonly child: ChildProcess;
  #next = 1;

  constructor(child: ChildProcess) {
    this.child = child;
  }

  run(job: HttpJob): Promise<HttpJobResult> {
    const id = this.#next++;
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`the load client did not finish ${job.path} within ${job.durationMs + JOB_SLACK_MS} ms`)), job.durationMs + JOB_SLACK_MS);
      const onMessage = (message: HttpLoadReply) => {
        if (message.id !== id) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (message.ok) done(message.result);
        else fail(new Error(`load client: ${message.error}`));
      };
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        fail(new Error(`the load client exited (${code})`));
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ id, job } satisfies HttpLoadRequest);
    });
  }
}

function configText(proxyPort: number, appPort: number, rateLimit: RateLimit | undefined): string {
  const http =
    rateLimit === undefined
      ? ''
      : `    http:
      # Raised from the defaults (600 per identity, 6,000 per app, per minute) so the limiter does not cap the figures.
      rateLimit: { perIdentityPerMinute: ${rateLimit.perIdentityPerMinute}, perAppPerMinute: ${rateLimit.perAppPerMinute} }
`;
  return `# Written by test/bench/http-run.ts for one bench run.
server:
  listen: "127.0.0.1:${proxyPort}"
  hostnames: [localhost, 127.0.0.1]
dataDir: ./data
audit:
  file: ./audit.jsonl
apps:
  - id: ${HTTP_APP}
    name: Bench HTTP app
    upstream: http://127.0.0.1:${appPort}
    users: [${USER}]
${http}`;
}

interface StartedZerogate {
  proxy: Service;
  agent: Service;
  port: number;
  rateLimit: RateLimit | undefined;
}

/**
 * Starts the proxy with the first config it accepts (rate limit raised as far as it allows, or
 * no `http` key when it does not know it), then a token, a login and `zerogate connect`.
 */
async function startZerogate(
  dir: string,
  appPort: number,
  cleanup: Cleanup,
  progress: (line: string) => void,
  profileDir: string | undefined,
): Promise<StartedZerogate> {
  const flags = (name: 'proxy' | 'agent') => (profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`]);
  const configFile = join(dir, 'zerogate.yaml');
  const proxyPort = await freePort();
  let proxy: Service | undefined;
  let url = '';
  let rateLimit: RateLimit | undefined;
  for (const candidate of [...RATE_LIMIT_CANDIDATES, undefined]) {
    writeFileSync(configFile, configText(proxyPort, appPort, candidate), { mode: 0o600 });
    const attempt = new Service('proxy', process.execPath, [...flags('proxy'), PROXY_BIN, 'serve', '--config', configFile], cleanup, { logFile: join(dir, 'proxy.log') });
    cleanup.add('http proxy', () => attempt.stop());
    try {
      url = (await attempt.waitFor(/listening on (https:\/\/\S+)/, START_TIMEOUT_MS, 'listening line'))[1] as string;
      proxy = attempt;
      rateLimit = candidate;
      break;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Only a refusal of the app's `http` settings makes the next candidate worth a try.
      if (candidate === undefined || !/apps\[0\]\.http/.test(message)) throw error;
      progress(`http: the proxy refused http.rateLimit ${JSON.stringify(candidate)} (${/apps\[0\]\.http[^\n]*/.exec(message)?.[0] ?? ''}); trying the next setting`);
      await attempt.stop();
    }
  }
  if (proxy === undefined) throw new Error('the proxy did not start');
  const fingerprint = (await proxy.waitFor(/fingerprint \(SHA-256\): (\S+)/, START_TIMEOUT_MS, 'CA fingerprint'))[1] as string;
  const created = await runCommand(process.execPath, [PROXY_BIN, 'token', 'create', '--config', configFile, '--user', USER, '--json'], cleanup, {
    what: 'zerogate-proxy token create',
  });
  const token = (JSON.parse(created.stdout) as { token: string }).token;
  const env = { ...process.env, ZEROGATE_HOME: join(dir, 'agent-home') };
  await runCommand(process.execPath, [AGENT_BIN, 'login', '--proxy', url, '--ca-fingerprint', fingerprint, '--token', token], cleanup, { env, what: 'zerogate login' });
  const agent = new Service('agent', process.execPath, [...flags('agent'), AGENT_BIN, 'connect', HTTP_APP, '--listen', '127.0.0.1:0'], cleanup, { env, logFile: join(dir, 'agent.log') });
  cleanup.add('http agent', () => agent.stop());
  const port = Number((await agent.waitFor(/ is on 127\.0\.0\.1:(\d+)/, START_TIMEOUT_MS, 'listener line'))[1]);
  await agent.waitFor(/tunnel: connected/, START_TIMEOUT_MS, 'tunnel connection');
  return { proxy, agent, port, rateLimit };
}

function mergeErrors(all: HttpErrors[]): HttpErrors {
  const merged: HttpErrors = { total: 0, byKind: {}, first: [] };
  for (const e of all) {
    merged.total += e.total;
    for (const [kind, n] of Object.entries(e.byKind)) merged.byKind[kind] = (merged.byKind[kind] ?? 0) + n;
    merged.first.push(...e.first);
  }
  merged.first = merged.first.slice(0, 10);
  return merged;
}

function pathFigures(runs: HttpMeasurement[], bodyBytes: number): HttpPathFigures | null {
  const timed = runs.filter((m) => m.latency !== null);
  if (timed.length === 0) return null;
  const med = (values: number[]) => round(median(values));
  const rps = med(timed.map((m) => m.requestsPerSecond));
  const cores: Record<string, number | null> = {};
  const cpuMsPerRequest: Record<string, number | null> = {};
  for (const name of [...PROCESS_NAMES, OTHER]) {
    const values = timed.map((m) => m.cores[name]).filter((v): v is number => typeof v === 'number');
    cores[name] = values.length === 0 ? null : round(median(values), 2);
  }
  for (const name of PROCESS_NAMES) {
    const values = timed.flatMap((m) => {
      const c = m.cores[name];
      return typeof c === 'number' && m.requestsPerSecond > 0 ? [(c * 1000) / m.requestsPerSecond] : [];
    });
    cpuMsPerRequest[name] = values.length === 0 ? null : round(median(values), 4);
  }
  return {
    requestsPerSecond: round(rps, 1),
    p50Ms: med(timed.map((m) => m.latency!.p50Ms)),
    p99Ms: med(timed.map((m) => m.latency!.p99Ms)),
    maxMs: round(Math.max(...timed.map((m) => m.latency!.maxMs))),
    bodyMBps: round((rps * bodyBytes) / 1e6, 1),
    errors: runs.reduce((sum, m) => sum + m.errors, 0),
    cores,
    cpuMsPerRequest,
  };
}

function endpointFigures(endpoint: (typeof HTTP_ENDPOINTS)[number], measurements: HttpMeasurement[]): HttpEndpointFigures {
  const bodyBytes = BODY_BYTES[endpoint.path] as number;
  const of = (path: HttpPathName) => pathFigures(measurements.filter((m) => m.endpoint === endpoint.name && m.path === path && m.run > 0), bodyBytes);
  const direct = of('direct');
  const proxied = of('proxied');
  const ratio = (key: 'requestsPerSecond' | 'p50Ms' | 'p99Ms') => (direct === null || proxied === null || direct[key] === 0 ? null : round(proxied[key] / direct[key], 2));
  const added = (key: 'p50Ms' | 'p99Ms') => (direct === null || proxied === null ? null : round(proxied[key] - direct[key]));
  return {
    path: endpoint.path,
    bodyBytes,
    direct,
    proxied,
    ratios: { requestsPerSecond: ratio('requestsPerSecond'), p50Ms: ratio('p50Ms'), p99Ms: ratio('p99Ms') },
    addedMs: { p50: added('p50Ms'), p99: added('p99Ms') },
  };
}

function findAnomalies(section: Omit<HttpSection, 'anomalies'>): string[] {
  const anomalies: string[] = [];
  if (section.busyCoresBeforeStart !== null && section.busyCoresBeforeStart >= OTHER_BUSY_WARNING) {
    anomalies.push(`before the section other processes kept ${section.busyCoresBeforeStart} cores busy: the machine was not quiet`);
  }
  const busy = section.measurements.filter((m) => (m.cores[OTHER] ?? 0) >= OTHER_BUSY_WARNING);
  if (busy.length > 0) {
    const worst = Math.max(...busy.map((m) => m.cores[OTHER] as number));
    anomalies.push(`${busy.length} of ${section.measurements.length} measurements ran while other processes used >= ${OTHER_BUSY_WARNING} cores (up to ${worst}): figures are low and noisy`);
  }
  if (section.errors.total > 0) anomalies.push(`${section.errors.total} errors (must be 0): ${section.errors.first[0] ?? ''}`);
  for (const endpoint of HTTP_ENDPOINTS) {
    for (const path of HTTP_PATHS) {
      const values = section.measurements.filter((m) => m.endpoint === endpoint.name && m.path === path && m.run > 0).map((m) => m.requestsPerSecond);
      const low = Math.min(...values);
      if (values.length > 1 && low > 0 && Math.max(...values) / low > NOISY_SPREAD) {
        anomalies.push(`${endpoint.path} ${path}: requests/s varied from ${low} to ${Math.max(...values)} over the runs`);
      }
    }
  }
  const limit = section.setup.rateLimit;
  if (section.setup.gateway === 'http' && limit === null) {
    anomalies.push('the proxy went through its HTTP gateway but the config could not raise http.rateLimit: the default limits may have capped the proxied figures');
  }
  for (const endpoint of HTTP_ENDPOINTS) {
    const proxied = section.figures[endpoint.name].proxied;
    const perSecond = limit === null ? undefined : Math.min(limit.perIdentityPerMinute, limit.perAppPerMinute) / 60;
    if (section.setup.gateway !== 'raw-tcp' && proxied !== null && perSecond !== undefined && proxied.requestsPerSecond >= NEAR_LIMIT * perSecond) {
      anomalies.push(`${endpoint.path} proxied: ${proxied.requestsPerSecond} requests/s is near the configured rate limit (${round(perSecond, 0)}/s): the limiter may cap it`);
    }
  }
  for (const path of HTTP_PATHS) {
    const n = section.checks.reconnects[path];
    if (n > 0) anomalies.push(`${path}: the server side closed ${n} keep-alive connections between requests: those requests paid a new connection${path === 'proxied' ? ' and tunnel stream' : ''}`);
  }
  if (section.setup.gateway === 'mixed') anomalies.push('only some proxied requests carried an identity assertion');
  return anomalies;
}

/** Runs the section: starts everything, measures, stops everything. Throws when the set-up breaks. */
export async function runHttp(options: HttpRunOptions): Promise<HttpSection & { profileText?: string }> {
  let windows: { endpoint: HttpEndpointName; fromUs: number; toUs: number }[] = [];
  let section: HttpSection | undefined;
  const { dir, plan, cleanup, progress } = options;
  const started = performance.now();
  mkdirSync(dir, { recursive: true });
  const busyBefore = await busyCores(1_000);

  const { child: appChild, first } = await forkAndWait<{ port: number }>('./http-upstream.ts', 'http app', cleanup);
  const app = new AppProcess(appChild, first.port);
  const { child: loadChild } = await forkAndWait<{ ready: boolean }>('./http-load.ts', 'http load client', cleanup);
  const load = new LoadClient(loadChild);
  let zerogate: StartedZerogate | undefined;
  try {
    progress('http: starting proxy, token, login, agent');
    zerogate = await startZerogate(dir, app.port, cleanup, progress, options.profileDir);
    const setupSeconds = (performance.now() - started) / 1000;
    progress(
      `http: app on 127.0.0.1:${app.port}, agent listener on 127.0.0.1:${zerogate.port}; http.rateLimit ${zerogate.rateLimit === undefined ? 'not in the config (the proxy does not know the key)' : `raised to ${zerogate.rateLimit.perIdentityPerMinute}/min per identity and ${zerogate.rateLimit.perAppPerMinute}/min per app`}`,
    );
    const watched: Watched[] = [
      { name: 'load', pid: loadChild.pid },
      { name: 'app', pid: appChild.pid },
      { name: 'agent', pid: zerogate.agent.pid },
      { name: 'proxy', pid: zerogate.proxy.pid },
    ];
    const ports: Record<HttpPathName, number> = { direct: app.port, proxied: zerogate.port };
    const measurements: HttpMeasurement[] = [];
    const errors: HttpErrors[] = [];
    windows = [];
    const measure = async (endpoint: (typeof HTTP_ENDPOINTS)[number], path: HttpPathName, run: number) => {
      const job: HttpJob = {
        port: ports[path],
        path: endpoint.path,
        connections: plan.connections,
        durationMs: run === 0 ? plan.warmupMs : plan.durationMs,
        expectedBytes: BODY_BYTES[endpoint.path] as number,
      };
      const before = await app.stats();
      const meter = new CpuMeter(watched);
      meter.start();
      const t0 = performance.now();
      const fromUs = monotonicUs();
      const result = await load.run(job);
      if (path === 'proxied' && run > 0) windows.push({ endpoint: endpoint.name, fromUs, toUs: monotonicUs() });
      const seconds = (performance.now() - t0) / 1000;
      const used = meter.stop();
      const after = await app.stats();
      const cores = Object.fromEntries([...PROCESS_NAMES, OTHER].map((n) => [n, used[n] === undefined ? null : round((used[n] as number) / seconds, 2)]));
      errors.push(result.errors);
      const m: HttpMeasurement = {
        endpoint: endpoint.name,
        path,
        run,
        requests: result.requests,
        seconds: result.seconds,
        requestsPerSecond: result.requestsPerSecond,
        latency: result.latency,
        errors: result.errors.total,
        reconnects: result.reconnects,
        cores,
        app: {
          requests: after.requests - before.requests,
          withAssertion: after.withAssertion - before.withAssertion,
          connections: after.connections,
          accepted: after.accepted - before.accepted,
        },
      };
      measurements.push(m);
      const label = run === 0 ? 'warm-up' : `run ${run}/${plan.runs}`;
      progress(
        `http: ${endpoint.path} ${path} ${label}: ${m.requestsPerSecond} req/s, p50 ${m.latency?.p50Ms ?? '-'} ms, p99 ${m.latency?.p99Ms ?? '-'} ms, errors ${m.errors}; other ${cores[OTHER] ?? '?'} cores`,
      );
    };

    for (const endpoint of HTTP_ENDPOINTS) {
      for (const path of HTTP_PATHS) await measure(endpoint, path, 0);
      for (let run = 1; run <= plan.runs; run++) for (const path of HTTP_PATHS) await measure(endpoint, path, run);
    }

    const mib = (pid: number | undefined) => {
      const m = memoryMiB(pid);
      return m === undefined ? null : { rss: round(m.rss, 1), peak: round(m.peak, 1) };
    };
    const memory = { proxy: mib(zerogate.proxy.pid), agent: mib(zerogate.agent.pid) };
    const proxiedRuns = measurements.filter((m) => m.path === 'proxied');
    const appRequests = proxiedRuns.reduce((sum, m) => sum + m.app.requests, 0);
    const withAssertion = proxiedRuns.reduce((sum, m) => sum + m.app.withAssertion, 0);
    const gateway = withAssertion === 0 ? 'raw-tcp' : withAssertion === appRequests ? 'http' : 'mixed';
    const measured: Omit<HttpSection, 'anomalies'> = {
      plan,
      setup: {
        app: `${HTTP_APP} (upstream http://127.0.0.1:${app.port}, users: [${USER}])`,
        upstream: 'node:http server in its own process (test/bench/http-upstream.ts): GET /small 100 B JSON, GET /large 64 KiB JSON, Content-Length, keep-alive',
        gateway,
        gatewayNote:
          gateway === 'http'
            ? "every proxied request reached the app with X-Zerogate-Assertion: the proxy's HTTP gateway terminated and forwarded it"
            : gateway === 'raw-tcp'
              ? 'no proxied request carried X-Zerogate-Assertion: the proxy piped the tunnel stream to the app as raw TCP (no HTTP gateway)'
              : 'only some proxied requests carried X-Zerogate-Assertion',
        rateLimit: zerogate.rateLimit ?? null,
        configNote:
          zerogate.rateLimit === undefined
            ? 'apps[0].http not set: the proxy does not know the key (no HTTP gateway, so nothing to rate limit)'
            : `apps[0].http.rateLimit raised to ${zerogate.rateLimit.perIdentityPerMinute}/min per identity and ${zerogate.rateLimit.perAppPerMinute}/min per app (defaults 600 and 6,000) so the limiter does not cap the figures; every other setting default (assertion on, no OpenAPI validation)`,
        client: `closed loop: ${plan.connections} keep-alive connections, one request in flight each, next request as soon as the last byte of the answer arrived; one untimed request per connection first (connect and tunnel stream open not timed); HTTP/1.1 over plain sockets (test/bench/http-client.ts), own process`,
        order: `per endpoint: a ${plan.warmupMs / 1000} s warm-up of each path, then ${plan.runs} x (direct, proxied) of ${plan.durationMs / 1000} s each; figures are medians over the runs, max is the largest of any run`,
      },
      figures: Object.fromEntries(HTTP_ENDPOINTS.map((e) => [e.name, endpointFigures(e, measurements)])) as Record<HttpEndpointName, HttpEndpointFigures>,
      measurements,
      errors: mergeErrors(errors),
      checks: {
        proxiedAppRequests: appRequests,
        proxiedClientRequests: proxiedRuns.reduce((sum, m) => sum + m.requests, 0),
        proxiedWithAssertion: withAssertion,
        appConnectionsProxied: proxiedRuns.at(-1)?.app.connections ?? null,
        reconnects: {
          direct: measurements.filter((m) => m.path === 'direct').reduce((sum, m) => sum + m.reconnects, 0),
          proxied: proxiedRuns.reduce((sum, m) => sum + m.reconnects, 0),
        },
      },
      memoryMiB: memory,
      busyCoresBeforeStart: busyBefore === undefined ? null : round(busyBefore, 2),
      durations: { setupSeconds: round(setupSeconds, 1), sectionSeconds: round((performance.now() - started) / 1000, 1) },
    };
    section = { ...measured, anomalies: findAnomalies(measured) };
  } finally {
    progress('http: stopping agent, proxy, app and load client');
    await zerogate?.agent.stop();
    await zerogate?.proxy.stop();
    await stopForked(loadChild);
    await stopForked(appChild);
  }
  if (section === undefined) throw new Error('the HTTP section ended without figures');
  // V8 writes the profiles when the processes exit, hence after the stops above.
  const profileText = options.profileDir === undefined ? undefined : formatHttpProfiles(options.profileDir, windows);
  return { ...section, ...(profileText === undefined ? {} : { profileText }) };
}

/** Where the proxy's and the agent's main threads spent their time during the proxied runs, per endpoint. */
function formatHttpProfiles(profileDir: string, windows: readonly { endpoint: HttpEndpointName; fromUs: number; toUs: number }[]): string {
  const lines = [`CPU profiles of the HTTP section's proxy and agent, proxied runs only (self time, idle excluded; files in ${profileDir})`];
  for (const name of ['proxy', 'agent'] as const) {
    // One profile per thread and per start attempt: keep the busiest.
    const profile = profilesIn(join(profileDir, name))
      .map((f) => readProfile(f))
      .map((p) => ({ p, busy: summarizeProfile(p).busyMs }))
      .sort((a, b) => b.busy - a.busy)[0]?.p;
    if (profile === undefined) continue;
    for (const endpoint of HTTP_ENDPOINTS) {
      const own = windows.filter((w) => w.endpoint === endpoint.name);
      if (own.length > 0) lines.push(`GET ${endpoint.path}`, formatProfile(name, summarizeProfile(profile, own)));
    }
  }
  return lines.join('\n');
}

async function busyCores(ms: number): Promise<number | undefined> {
  const before = machineBusySeconds();
  await sleep(ms);
  const after = machineBusySeconds();
  return before === undefined || after === undefined ? undefined : (after - before) / (ms / 1000);
}

const pad = (value: unknown, width: number) => String(value ?? '-').padStart(width);

/** The section as text for the bench's summary. */
export function formatHttp(section: HttpSection): string {
  const { plan, setup } = section;
  const lines = [
    `HTTP apps: overhead (app "${HTTP_APP}", http:// upstream; proxied = agent listener -> tunnel -> proxy -> app)`,
    `  proxied path: ${setup.gatewayNote}`,
    `  config: ${setup.configNote}`,
    `  ${plan.connections} keep-alive connections, closed loop, ${plan.durationMs / 1000} s per measurement, median of ${plan.runs} interleaved runs`,
    '',
    `  ${'endpoint / path'.padEnd(22)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('max ms', 9)}${pad('errors', 8)}   cores: load app agent proxy other`,
  ];
  for (const endpoint of HTTP_ENDPOINTS) {
    const f = section.figures[endpoint.name];
    lines.push(`  GET ${f.path} (${f.bodyBytes} B)`);
    for (const path of HTTP_PATHS) {
      const p = f[path];
      const cores = p === null ? '' : [...PROCESS_NAMES, OTHER].map((n) => (p.cores[n] === null || p.cores[n] === undefined ? '-' : (p.cores[n] as number).toFixed(2))).join(' ');
      lines.push(`    ${path.padEnd(20)}${pad(p?.requestsPerSecond, 10)}${pad(p?.p50Ms, 9)}${pad(p?.p99Ms, 9)}${pad(p?.maxMs, 9)}${pad(p?.errors, 8)}   ${cores}`);
    }
    const perRequest = (p: HttpPathFigures | null) =>
      p === null ? '-' : PROCESS_NAMES.map((n) => `${n} ${p.cpuMsPerRequest[n] === null ? '-' : (p.cpuMsPerRequest[n] as number).toFixed(3)}`).join(', ');
    lines.push(`    ${'CPU ms per request'.padEnd(20)}direct: ${perRequest(f.direct)}; proxied: ${perRequest(f.proxied)}`);
    lines.push(
      `    ${'proxied/direct'.padEnd(20)}${pad(f.ratios.requestsPerSecond, 10)}${pad(f.ratios.p50Ms, 9)}${pad(f.ratios.p99Ms, 9)}      (added latency: p50 +${f.addedMs.p50 ?? '-'} ms, p99 +${f.addedMs.p99 ?? '-'} ms)`,
    );
  }
  lines.push('', `  errors: ${section.errors.total} (must be 0)${section.errors.total > 0 ? `: ${JSON.stringify(section.errors.byKind)}; first: ${section.errors.first[0] ?? ''}` : ''}`);
  if (section.anomalies.length > 0) lines.push('  anomalies:', ...section.anomalies.map((a) => `    - ${a}`));
  return lines.join('\n');
}
