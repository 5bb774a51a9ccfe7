/**
 * The load section of `npm run bench` (issue 7, DESIGN.md §11): one proxy holding many tunnels
 * and streams, measured from outside. Default: 1,000 agents, each its own mTLS WebSocket, holding
 * 10 streams each (10,000 in all).
 *
 *   echo app (echo-upstream.ts) ◀── proxy (`zerogate-proxy serve`, its own process, SQLite store)
 *        ◀══ 1,000 tunnels, one source address each ══ agents (load-agents.ts, in `workers` processes)
 *
 * Figures:
 * - Proxy memory: resident set (/proc VmRSS, VmHWM) and V8 heap (`/metrics`, metrics.public in the
 *   temp config) idle after start, with the tunnels up, with every stream held, and at the end;
 *   per agent = (tunnels - idle) / agents, per stream = (streams - tunnels) / streams, and all
 *   in = (streams - idle) / streams.
 * - Stream-open latency under that load: `latencyOpens` extra streams, started at a fixed rate
 *   round-robin over the agents, each timed from `TunnelClient.open` (OPEN sent) to OPEN_OK (the
 *   proxy decided, dialled the app and answered), and to the first echoed byte of a probe sent at
 *   OPEN_OK; each then closed cleanly both ways.
 * - Errors: a tunnel refused or dropped, an OPEN_FAIL, a held stream reset, an echo late or wrong.
 *   Must be 0: the section fails otherwise (after its JSON is written).
 *
 * Devices come from load-devices.ts (created in the data dir before the proxy starts); default
 * limits throughout: each agent connects from its own 127.x address, which keeps every source
 * far below the per-source upgrade limit without raising it.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.ts';
import { CpuMeter, memoryMiB, OTHER, type Watched } from './cpu.ts';
import { createLoadDevices } from './load-devices.ts';
import type {
  CensusReply,
  ConnectReply,
  LatencyReply,
  LoadAgentSpec,
  LoadErrorKind,
  LoadErrors,
  LoadReplyMessage,
  LoadRequest,
  LoadRequestMessage,
  OpenReply,
  VerifyReply,
} from './load-agents.ts';
import type { LoadPlan } from './options.ts';
import { forkTs, freePort, Service } from './processes.ts';
import { round, summarize } from './stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_BIN = join(REPO, 'bin', 'zerogate-proxy.js');
const APP = 'load';
const POLICY = 'managed-device';
const USER = 'load@example.com';
const START_TIMEOUT_MS = 60_000;
/** A handshake, an open or an echo slower than this under load is an error, not a sample. */
const STEP_TIMEOUT_MS = 30_000;
/** TLS handshakes in flight per load process while the agents connect. */
const CONNECT_CONCURRENCY = 8;
/** Agents per load process whose streams open together. */
const OPEN_CONCURRENCY = 16;
/** Echoes in flight per load process in the final check. */
const VERIFY_CONCURRENCY = 256;
/** Pause before a memory reading, so the work just done has settled. */
const SETTLE_MS = 1_500;
/** How long the proxy's CPU is watched with every stream held and nothing moving. */
const HOLD_WATCH_MS = 3_000;
/** Heap readings per memory sample (the lowest is kept: the others include garbage not yet collected). */
const HEAP_READINGS = 3;
/** File descriptors a process needs beyond its sockets (modules, store, logs, pipes). */
const FD_MARGIN = 512;
const MiB = 1024 * 1024;
/**
 * prom-client samples the event loop with a timer of this period and reports the whole interval
 * between ticks; what exceeds the period is the delay.
 */
const LOOP_SAMPLING_MS = 10;

/** Proxy memory at one point, MiB. */
export interface MemorySample {
  rss: number | null;
  /** Peak resident set so far (VmHWM). */
  peak: number | null;
  heapUsed: number | null;
  heapTotal: number | null;
  /** Memory of Buffers and other objects outside the V8 heap. */
  external: number | null;
}

export interface PhaseCores {
  proxy: number | null;
  loadProcesses: number | null;
  echo: number | null;
  other: number | null;
}

export interface LatencyFigure {
  n: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LoadSection {
  plan: LoadPlan;
  setup: {
    agents: number;
    streams: number;
    workers: number;
    sourceAddresses: string;
    devices: string;
    policy: string;
    latencyMethod: string;
    proxyFdLimit: number | null;
    echoFdLimit: number | null;
    fdsNeeded: { proxy: number; echo: number };
  };
  figures: {
    proxyMemoryMiB: { idle: MemorySample; tunnels: MemorySample; streams: MemorySample; end: MemorySample };
    /** KiB per agent and per stream, resident set and V8 heap (see the file comment). */
    perAgentKiB: { rss: number | null; heap: number | null };
    perStreamKiB: { rss: number | null; heap: number | null };
    perStreamAllInKiB: { rss: number | null; heap: number | null };
    openLatency: LatencyFigure | null;
    echoLatency: LatencyFigure | null;
    /**
     * Cores kept busy in each phase (CPU seconds / wall seconds) by the proxy, the load processes
     * together, the echo app, and everything else on the machine (`other`, from /proc/stat).
     */
    cores: Record<'connect' | 'holdTunnels' | 'open' | 'holdIdle' | 'latency', PhaseCores>;
    /**
     * The proxy's own view of the latency run, from its `/metrics` (prom-client): event-loop
     * delay beyond the 10 ms sampling period (max and p99 over the run: the histogram restarts
     * at each scrape) and time in GC (a lower bound: prom-client records the first GC of each
     * batch its observer receives).
     */
    proxyDuringLatency: { eventLoopDelayMaxMs: number | null; eventLoopDelayP99Ms: number | null; gcMs: Record<string, number> | null; gcCount: number | null };
    /** Held streams opened per second in the open phase. */
    opensPerSecond: number;
  };
  errors: LoadErrors;
  checks: {
    tunnelsConnected: number;
    streamsHeld: number;
    streamsEchoedAtEnd: number;
    latencyOpensCompleted: number;
    /** The proxy's own gauges (`zerogate_sessions`, `zerogate_streams`) with every stream held. */
    proxySessions: number | null;
    proxyStreams: number | null;
    /** Connections the echo app had open with every stream held. */
    echoConnections: number | null;
    /** Distinct source addresses of the proxy's `session.open` audit events (one per agent expected). */
    tunnelSources: number | null;
  };
  durations: { devicesSeconds: number; proxyStartSeconds: number; connectSeconds: number; openSeconds: number; latencySeconds: number; verifySeconds: number; sectionSeconds: number };
  anomalies: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One load process, asked one request at a time. */
class LoadProcess {
  readonly child: ChildProcess;
  readonly name: string;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(name: string, cleanup: Cleanup) {
    this.name = name;
    this.child = forkTs(new URL('./load-agents.ts', import.meta.url), [], cleanup);
    this.child.on('message', (message: LoadReplyMessage) => {
      const waiter = this.#waiting.get(message.id);
      if (waiter === undefined) return;
      this.#waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${this.name}: ${message.error}`));
    });
    this.child.once('exit', (code, signal) => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error(`${this.name} exited (${code ?? signal})`));
      this.#waiting.clear();
    });
  }

  call<T>(request: LoadRequest): Promise<T> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, request } satisfies LoadRequestMessage);
    });
  }

  async stop(): Promise<void> {
    await stopForked(this.child);
  }
}

async function stopForked(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  if (child.connected) child.disconnect();
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

async function startEcho(cleanup: Cleanup): Promise<{ child: ChildProcess; port: number; connections(): Promise<number | null> }> {
  const child = forkTs(new URL('./echo-upstream.ts', import.meta.url), [], cleanup);
  cleanup.add('load echo app', () => stopForked(child));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the echo app did not start')), START_TIMEOUT_MS);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      done(message.port);
    });
    child.once('exit', (code) => fail(new Error(`the echo app exited (${code}) before listening`)));
  });
  const connections = () =>
    new Promise<number | null>((done) => {
      const timer = setTimeout(() => done(null), 5_000);
      const onMessage = (message: { connections?: number }) => {
        if (typeof message.connections !== 'number') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        done(message.connections);
      };
      child.on('message', onMessage);
      child.send('connections');
    });
  return { child, port, connections };
}

function writeConfig(file: string, proxyPort: number, echoPort: number): void {
  writeFileSync(
    file,
    `# Written by test/bench/load-run.ts for one bench run. Default limits; metrics public so the
# bench can read the proxy's heap without an API token.
server:
  listen: "127.0.0.1:${proxyPort}"
  hostnames: [localhost, 127.0.0.1]
dataDir: ./data
audit:
  file: ./audit.jsonl
metrics:
  public: true
apps:
  - id: ${APP}
    name: Bench echo app (load)
    upstream: tcp://127.0.0.1:${echoPort}
    policy: ${POLICY}
policies:
  ${POLICY}:
    allow: [{ users: [${USER}] }]
    require:
      posture: { maxAge: 5m, diskEncryption: true }
`,
    { mode: 0o600 },
  );
}

/** Agent `index`'s own loopback source address: 127.20.0.10 … (200 per third octet). */
export function sourceAddressOf(index: number): string {
  return `127.20.${Math.floor(index / 200)}.${10 + (index % 200)}`;
}

/** The soft limit on open files of a process, from /proc (null when unknown). */
function fdLimit(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined ? null : soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return null;
  }
}

/**
 * Makes sure `pid` may open `needed` files. Node raises its own soft limit to the hard limit at
 * start; above that, `prlimit --pid` raises both (root or CAP_SYS_RESOURCE). Returns the limit.
 */
function ensureFdLimit(pid: number | undefined, needed: number, what: string, progress: (line: string) => void): number | null {
  const limit = fdLimit(pid);
  if (limit === null || limit >= needed || pid === undefined) return limit;
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${needed}:${needed}`], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `the ${what} needs about ${needed} open files but may open ${limit}, and prlimit could not raise it (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): raise the hard limit (ulimit -Hn, /etc/security/limits.conf) or use fewer agents or streams`,
    );
  }
  progress(`load: raised the ${what}'s open-file limit from ${limit} to ${needed} (prlimit)`);
  return fdLimit(pid);
}

function getText(url: string, caPem: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: caPem, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 200)}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in time`)));
    req.on('error', reject);
    req.end();
  });
}

/** The value of an unlabelled metric in a Prometheus text page. */
function metric(page: string, name: string): number | null {
  const match = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(page);
  return match === null ? null : Number(match[1]);
}

interface Reading {
  memory: MemorySample;
  sessions: number | null;
  streams: number | null;
}

/** The proxy's memory from /proc and from its `/metrics` (heap: lowest of a few readings). */
async function readProxy(pid: number | undefined, metricsUrl: string, caPem: string): Promise<Reading> {
  const proc = memoryMiB(pid);
  let heapUsed: number | null = null;
  let heapTotal: number | null = null;
  let external: number | null = null;
  let sessions: number | null = null;
  let streams: number | null = null;
  for (let i = 0; i < HEAP_READINGS; i++) {
    if (i > 0) await sleep(250);
    const page = await getText(metricsUrl, caPem);
    const used = metric(page, 'zerogate_nodejs_heap_size_used_bytes');
    if (used !== null && (heapUsed === null || used / MiB < heapUsed)) {
      heapUsed = used / MiB;
      heapTotal = (metric(page, 'zerogate_nodejs_heap_size_total_bytes') ?? Number.NaN) / MiB;
      external = (metric(page, 'zerogate_nodejs_external_memory_bytes') ?? Number.NaN) / MiB;
    }
    sessions = metric(page, 'zerogate_sessions');
    streams = metric(page, 'zerogate_streams');
  }
  const r = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? null : round(v, 1));
  return { memory: { rss: r(proc?.rss), peak: r(proc?.peak), heapUsed: r(heapUsed), heapTotal: r(heapTotal), external: r(external) }, sessions, streams };
}

/** (after - before) / count in KiB, or null. */
function perUnitKiB(after: number | null, before: number | null, count: number): number | null {
  return after === null || before === null || count === 0 ? null : round(((after - before) * 1024) / count, 2);
}

function latencyFigure(samples: number[]): LatencyFigure | null {
  if (samples.length === 0) return null;
  const s = summarize(samples);
  return { n: s.n, minMs: round(s.min, 2), p50Ms: round(s.p50, 2), p90Ms: round(s.p90, 2), p99Ms: round(s.p99, 2), maxMs: round(s.max, 2), meanMs: round(s.mean, 2) };
}

/** Cores the section's processes (and the rest of the machine) kept busy while `work` ran. */
async function watchCpu<T>(watched: readonly Watched[], work: () => Promise<T>): Promise<{ result: T; cores: PhaseCores; seconds: number }> {
  const meter = new CpuMeter(watched);
  meter.start();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = meter.stop();
  const cores = (names: string[]) => {
    const values = names.map((n) => used[n]);
    if (seconds <= 0 || values.some((v) => v === undefined)) return null;
    return round(values.reduce((sum: number, v) => sum + (v as number), 0) / seconds, 2);
  };
  const loadNames = watched.map((w) => w.name).filter((n) => n.startsWith('load process'));
  return { result, seconds, cores: { proxy: cores(['proxy']), loadProcesses: cores(loadNames), echo: cores(['echo']), other: cores([OTHER]) } };
}

/** Labelled samples of a metric: `{ labelValue: value }` for `name{label="labelValue"}`. */
function labelled(page: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const pattern = new RegExp(`^${name}\\{[^}]*${label}="([^"]+)"[^}]*\\} ([0-9.eE+-]+)$`, 'gm');
  for (const match of page.matchAll(pattern)) out[match[1] as string] = Number(match[2]);
  return out;
}

/** GC seconds by kind and GC count so far, from a `/metrics` page. */
function gcTotals(page: string): { seconds: Record<string, number>; count: number } {
  const seconds = labelled(page, 'zerogate_nodejs_gc_duration_seconds_sum', 'kind');
  const count = Object.values(labelled(page, 'zerogate_nodejs_gc_duration_seconds_count', 'kind')).reduce((sum, n) => sum + n, 0);
  return { seconds, count };
}

/** Distinct `source` of the `session.open` events in the proxy's audit file (null when unreadable). */
function distinctTunnelSources(file: string): number | null {
  try {
    const sources = new Set<string>();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes('"session.open"')) continue;
      const event = JSON.parse(line) as { type?: string; source?: string };
      if (event.type === 'session.open' && typeof event.source === 'string') sources.add(event.source);
    }
    return sources.size;
  } catch {
    return null;
  }
}

function mergeErrors(all: LoadErrors[]): LoadErrors {
  const merged: LoadErrors = { total: 0, byKind: {}, first: [] };
  for (const e of all) {
    merged.total += e.total;
    for (const [kind, n] of Object.entries(e.byKind) as [LoadErrorKind, number][]) merged.byKind[kind] = (merged.byKind[kind] ?? 0) + n;
    merged.first.push(...e.first);
  }
  merged.first = merged.first.slice(0, 20);
  return merged;
}

export interface LoadInput {
  dir: string;
  plan: LoadPlan;
  cleanup: Cleanup;
  progress: (line: string) => void;
  /**
   * The app the agents open their streams to (default: the one the proxy publishes). The harness
   * test names an unpublished one to check that refused opens are counted as errors.
   */
  streamApp?: string;
  /** Node flags for the proxy process (`--profile`: `--cpu-prof …`). */
  proxyNodeFlags?: readonly string[];
}

/**
 * Runs the section and tears its processes down. Throws when the harness itself breaks (a
 * process does not start or dies); errors of the path under test are counted in `errors`, for
 * the caller to fail on.
 */
export async function runLoad(input: LoadInput): Promise<LoadSection> {
  const { dir, plan, cleanup, progress } = input;
  const started = Date.now();
  const anomalies: string[] = [];
  const streamsWanted = plan.agents * plan.streamsPerAgent;
  const workers = Math.max(1, Math.min(plan.workers, plan.agents));
  const sources = plan.sourceAddresses > 0 ? Math.min(plan.sourceAddresses, plan.agents) : plan.agents;
  mkdirSync(dir, { recursive: true });

  const echo = await startEcho(cleanup);
  const fdsNeeded = { proxy: plan.agents + streamsWanted + plan.latencyOpens + FD_MARGIN, echo: streamsWanted + plan.latencyOpens + FD_MARGIN };
  const echoFdLimit = ensureFdLimit(echo.child.pid, fdsNeeded.echo, 'echo app', progress);
  const configFile = join(dir, 'zerogate.yaml');
  const proxyPort = await freePort();
  writeConfig(configFile, proxyPort, echo.port);

  progress(`load: creating ${plan.agents} devices (certificate, store record, session token) in the proxy's data dir`);
  const devices = await createLoadDevices({ configFile, count: plan.agents, user: USER, keyPool: plan.keyPool });
  const caPem = devices.devices[0]?.caPem ?? '';

  const processes = Array.from({ length: workers }, (_, i) => new LoadProcess(`load process ${i + 1}`, cleanup));
  for (const p of processes) cleanup.add(p.name, () => p.stop());
  const proxyStarted = performance.now();
  const proxy = new Service('load proxy', process.execPath, [...(input.proxyNodeFlags ?? []), PROXY_BIN, 'serve', '--config', configFile], cleanup, { logFile: join(dir, 'proxy.log') });
  cleanup.add('load proxy', () => proxy.stop());
  try {
    const proxyUrl = (await proxy.waitFor(/listening on (https:\/\/\S+)/, START_TIMEOUT_MS, 'listening line'))[1] as string;
    const proxyStartSeconds = (performance.now() - proxyStarted) / 1000;
    const proxyFdLimit = ensureFdLimit(proxy.pid, fdsNeeded.proxy, 'proxy', progress);
    const metricsUrl = `${proxyUrl}/metrics`;
    const watchProxy = new Promise<never>((_, reject) => {
      void proxy.exited.then((code) => reject(new Error(`the proxy exited (${code}) during the load run`)));
    });
    watchProxy.catch(() => undefined);
    const guarded = <T>(work: Promise<T>) => Promise.race([work, watchProxy]);

    await sleep(SETTLE_MS);
    const idle = await readProxy(proxy.pid, metricsUrl, caPem);
    progress(`load: proxy up (${proxyStartSeconds.toFixed(1)} s), idle RSS ${idle.memory.rss ?? '?'} MiB; connecting ${plan.agents} agents from ${workers} load processes and ${sources} source addresses`);

    const specs: LoadAgentSpec[] = devices.devices.map((credentials, index) => ({ index, credentials, localAddress: sourceAddressOf(index % sources) }));
    const watched: Watched[] = [
      { name: 'proxy', pid: proxy.pid },
      { name: 'echo', pid: echo.child.pid },
      ...processes.map((p) => ({ name: p.name, pid: p.child.pid })),
    ];
    const connect = await watchCpu(watched, () =>
      guarded(
        Promise.all(
          processes.map((p, w) =>
            p.call<ConnectReply>({ kind: 'connect', app: input.streamApp ?? APP, agents: specs.filter((s) => s.index % workers === w), concurrency: CONNECT_CONCURRENCY, timeoutMs: STEP_TIMEOUT_MS }),
          ),
        ),
      ),
    );
    const tunnelsConnected = connect.result.reduce((sum, r) => sum + r.connected, 0);
    await sleep(SETTLE_MS);
    const holdTunnels = await watchCpu(watched, () => sleep(HOLD_WATCH_MS));
    const tunnels = await readProxy(proxy.pid, metricsUrl, caPem);
    progress(`load: ${tunnelsConnected} tunnels up in ${connect.seconds.toFixed(1)} s, RSS ${tunnels.memory.rss ?? '?'} MiB; opening ${plan.streamsPerAgent} streams per agent (${streamsWanted} in all), each echoed once, then held`);

    const open = await watchCpu(watched, () =>
      guarded(Promise.all(processes.map((p) => p.call<OpenReply>({ kind: 'open', perAgent: plan.streamsPerAgent, concurrency: OPEN_CONCURRENCY, timeoutMs: STEP_TIMEOUT_MS })))),
    );
    const streamsHeld = open.result.reduce((sum, r) => sum + r.streams, 0);
    await sleep(SETTLE_MS);
    const hold = await watchCpu(watched, () => sleep(HOLD_WATCH_MS));
    const loaded = await readProxy(proxy.pid, metricsUrl, caPem);
    const echoConnections = await echo.connections();
    progress(`load: ${streamsHeld} streams held (opened in ${open.seconds.toFixed(1)} s), RSS ${loaded.memory.rss ?? '?'} MiB, heap ${loaded.memory.heapUsed ?? '?'} MiB; proxy ${hold.cores.proxy ?? '?'} cores busy holding them`);

    const perWorker = Math.floor(plan.latencyOpens / workers);
    progress(`load: ${plan.latencyOpens} more streams opened, echoed and closed at ${plan.latencyRatePerSecond}/s while all are held (latency)`);
    // This scrape restarts the proxy's event-loop delay histogram; the next one covers the run.
    const gcBefore = gcTotals(await getText(metricsUrl, caPem));
    const latency = await watchCpu(watched, () =>
      guarded(
        Promise.all(
          processes.map((p, w) =>
            p.call<LatencyReply>({
              kind: 'latency',
              count: perWorker + (w < plan.latencyOpens - perWorker * workers ? 1 : 0),
              ratePerSecond: plan.latencyRatePerSecond / workers,
              timeoutMs: STEP_TIMEOUT_MS,
            }),
          ),
        ),
      ),
    );
    const afterLatency = await getText(metricsUrl, caPem);
    const gcAfter = gcTotals(afterLatency);
    const lagMax = metric(afterLatency, 'zerogate_nodejs_eventloop_lag_max_seconds');
    const lagP99 = metric(afterLatency, 'zerogate_nodejs_eventloop_lag_p99_seconds');
    const gcMs = Object.fromEntries(Object.entries(gcAfter.seconds).map(([kind, sec]) => [kind, round((sec - (gcBefore.seconds[kind] ?? 0)) * 1000, 1)]));
    const openMs = latency.result.flatMap((r) => r.openMs);
    const echoMs = latency.result.flatMap((r) => r.echoMs);

    const verify = await watchCpu(watched, () => guarded(Promise.all(processes.map((p) => p.call<VerifyReply>({ kind: 'verify', concurrency: VERIFY_CONCURRENCY, timeoutMs: STEP_TIMEOUT_MS })))));
    const census = await guarded(Promise.all(processes.map((p) => p.call<CensusReply>({ kind: 'census' }))));
    const end = await readProxy(proxy.pid, metricsUrl, caPem);
    const errors = mergeErrors(census.map((c) => c.errors));
    const heldAtEnd = census.reduce((sum, c) => sum + c.heldStreams, 0);
    const connectedAtEnd = census.reduce((sum, c) => sum + c.connectedTunnels, 0);

    if (tunnelsConnected !== plan.agents) anomalies.push(`only ${tunnelsConnected} of ${plan.agents} tunnels came up`);
    if (connectedAtEnd < tunnelsConnected) anomalies.push(`${tunnelsConnected - connectedAtEnd} tunnels were down at the end`);
    if (connectedAtEnd > tunnelsConnected) anomalies.push(`${connectedAtEnd - tunnelsConnected} tunnels came up only after the connect phase (without a posture report)`);
    if (streamsHeld !== streamsWanted) anomalies.push(`only ${streamsHeld} of ${streamsWanted} streams were held`);
    if (heldAtEnd !== streamsHeld) anomalies.push(`${streamsHeld - heldAtEnd} held streams were gone at the end`);
    if (loaded.streams !== null && loaded.streams !== streamsHeld) anomalies.push(`the proxy's zerogate_streams gauge said ${loaded.streams} with ${streamsHeld} streams held`);
    if (loaded.sessions !== null && loaded.sessions !== tunnelsConnected) anomalies.push(`the proxy's zerogate_sessions gauge said ${loaded.sessions} with ${tunnelsConnected} tunnels up`);
    if (echoConnections !== null && echoConnections !== streamsHeld) anomalies.push(`the echo app had ${echoConnections} connections with ${streamsHeld} streams held`);
    if (errors.total > 0) anomalies.push(`${errors.total} errors (must be 0): ${errors.first[0] ?? ''}`);

    progress('load: stopping agents, proxy and echo app');
    await Promise.all(processes.map((p) => p.call<CensusReply>({ kind: 'stop' }).catch(() => undefined)));
    await Promise.all(processes.map((p) => p.stop()));
    await proxy.stop();
    await stopForked(echo.child);
    const tunnelSources = distinctTunnelSources(join(dir, 'audit.jsonl'));
    if (tunnelSources !== null && tunnelSources !== Math.min(sources, tunnelsConnected)) anomalies.push(`the tunnels came from ${tunnelSources} source addresses, not ${Math.min(sources, tunnelsConnected)}`);

    const mem = { idle: idle.memory, tunnels: tunnels.memory, streams: loaded.memory, end: end.memory };
    return {
      plan,
      setup: {
        agents: plan.agents,
        streams: streamsHeld,
        workers,
        sourceAddresses: `${sources === plan.agents ? 'one per agent' : `${sources} shared round-robin`}: ${sourceAddressOf(0)} to ${sourceAddressOf(sources - 1)} (the proxy allows 600 tunnel upgrades per minute per source address)`,
        devices: `created in the data dir before the proxy starts (load-devices.ts): own certificate, store record and session token per device; ${Math.min(plan.keyPool, plan.agents)} RSA 2048 keys shared between them`,
        policy: `app ${APP}: policy ${POLICY}, allow users [${USER}], require posture { maxAge: 5m, diskEncryption: true }; every agent reports a compliant posture; default limits`,
        latencyMethod: 'open: TunnelClient.open (OPEN sent) to OPEN_OK; echo: to the first echoed byte of an 8-byte probe sent at OPEN_OK; each stream then closed cleanly both ways',
        proxyFdLimit: proxyFdLimit === Number.POSITIVE_INFINITY ? null : proxyFdLimit,
        echoFdLimit: echoFdLimit === Number.POSITIVE_INFINITY ? null : echoFdLimit,
        fdsNeeded,
      },
      figures: {
        proxyMemoryMiB: mem,
        perAgentKiB: { rss: perUnitKiB(mem.tunnels.rss, mem.idle.rss, tunnelsConnected), heap: perUnitKiB(mem.tunnels.heapUsed, mem.idle.heapUsed, tunnelsConnected) },
        perStreamKiB: { rss: perUnitKiB(mem.streams.rss, mem.tunnels.rss, streamsHeld), heap: perUnitKiB(mem.streams.heapUsed, mem.tunnels.heapUsed, streamsHeld) },
        perStreamAllInKiB: { rss: perUnitKiB(mem.streams.rss, mem.idle.rss, streamsHeld), heap: perUnitKiB(mem.streams.heapUsed, mem.idle.heapUsed, streamsHeld) },
        openLatency: latencyFigure(openMs),
        echoLatency: latencyFigure(echoMs),
        cores: { connect: connect.cores, holdTunnels: holdTunnels.cores, open: open.cores, holdIdle: hold.cores, latency: latency.cores },
        proxyDuringLatency: {
          eventLoopDelayMaxMs: lagMax === null ? null : round(Math.max(0, lagMax * 1000 - LOOP_SAMPLING_MS), 1),
          eventLoopDelayP99Ms: lagP99 === null ? null : round(Math.max(0, lagP99 * 1000 - LOOP_SAMPLING_MS), 1),
          gcMs: Object.keys(gcMs).length === 0 ? null : gcMs,
          gcCount: Object.keys(gcMs).length === 0 ? null : gcAfter.count - gcBefore.count,
        },
        opensPerSecond: open.seconds > 0 ? Math.round(streamsHeld / open.seconds) : 0,
      },
      errors,
      checks: {
        tunnelsConnected,
        streamsHeld,
        streamsEchoedAtEnd: verify.result.reduce((sum, r) => sum + r.echoed, 0),
        latencyOpensCompleted: latency.result.reduce((sum, r) => sum + r.completed, 0),
        proxySessions: loaded.sessions,
        proxyStreams: loaded.streams,
        echoConnections,
        tunnelSources,
      },
      durations: {
        devicesSeconds: round(devices.seconds, 1),
        proxyStartSeconds: round(proxyStartSeconds, 1),
        connectSeconds: round(connect.seconds, 1),
        openSeconds: round(open.seconds, 1),
        latencySeconds: round(latency.seconds, 1),
        verifySeconds: round(verify.seconds, 1),
        sectionSeconds: Math.round((Date.now() - started) / 1000),
      },
      anomalies,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n${proxy.tail()}`);
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await proxy.stop();
    await stopForked(echo.child);
  }
}

const mib = (v: number | null) => (v === null ? '?' : v.toFixed(1));
const kib = (v: number | null) => (v === null ? '?' : v.toFixed(1));

/** The section as text lines for the bench's summary. */
export function formatLoad(section: LoadSection): string {
  const { setup, figures, errors, checks, durations } = section;
  const m = figures.proxyMemoryMiB;
  const row = (label: string, s: MemorySample) => `  ${label.padEnd(34)}${mib(s.rss).padStart(9)}${mib(s.peak).padStart(9)}${mib(s.heapUsed).padStart(11)}${mib(s.external).padStart(10)}`;
  const lat = (f: LatencyFigure | null) => (f === null ? 'none' : `p50 ${f.p50Ms.toFixed(2)}  p99 ${f.p99Ms.toFixed(2)}  max ${f.maxMs.toFixed(2)} ms (n ${f.n})`);
  const kinds = Object.entries(errors.byKind).map(([k, n]) => `${k} ${n}`).join(', ');
  const c = (v: number | null) => (v === null ? '?' : v.toFixed(2));
  const cores = (p: PhaseCores) => `${c(p.proxy)} / ${c(p.loadProcesses)} / ${c(p.echo)} / ${c(p.other)}`;
  const during = figures.proxyDuringLatency;
  const gc = during.gcMs === null ? '?' : Object.entries(during.gcMs).filter(([, ms]) => ms > 0).map(([kind, ms]) => `${kind} ${ms} ms`).join(', ') || 'none';
  return [
    `load: ${setup.agents} agents (separate mTLS WebSockets, ${setup.workers} load processes, source addresses: ${setup.sourceAddresses.split(':')[0]}) holding ${setup.streams} streams on one \`zerogate-proxy serve\``,
    '',
    `  proxy memory (MiB)                     RSS     peak  heap used  external`,
    row('idle, after start', m.idle),
    row(`${checks.tunnelsConnected} tunnels, posture reported`, m.tunnels),
    row(`${checks.streamsHeld} streams held`, m.streams),
    row('end (after the latency run)', m.end),
    `  per agent ${kib(figures.perAgentKiB.rss)} KiB RSS, ${kib(figures.perAgentKiB.heap)} KiB heap; per stream ${kib(figures.perStreamKiB.rss)} KiB RSS, ${kib(figures.perStreamKiB.heap)} KiB heap; all in (streams - idle) / streams ${kib(figures.perStreamAllInKiB.rss)} KiB RSS`,
    '',
    `  stream-open latency under load, ${section.plan.latencyOpens} opens at ${section.plan.latencyRatePerSecond}/s:`,
    `    OPEN sent to OPEN_OK      ${lat(figures.openLatency)}`,
    `    to first echoed byte      ${lat(figures.echoLatency)}`,
    `    proxy during the run: event-loop delay max ${during.eventLoopDelayMaxMs ?? '?'} ms, p99 ${during.eventLoopDelayP99Ms ?? '?'} ms; GC at least ${gc} (${during.gcCount ?? '?'} pauses seen)`,
    `  cores busy (proxy / load processes / echo app / other): connecting ${cores(figures.cores.connect)}; holding the tunnels alone ${cores(figures.cores.holdTunnels)}; opening ${cores(figures.cores.open)} (${figures.opensPerSecond} opens/s); holding the streams, idle ${cores(figures.cores.holdIdle)}; latency run ${cores(figures.cores.latency)}`,
    `  errors: ${errors.total}${kinds === '' ? '' : ` (${kinds})`}${errors.total === 0 ? '' : `; first: ${errors.first[0] ?? ''}`}`,
    `  checks: ${checks.tunnelsConnected} of ${setup.agents} tunnels up; ${checks.streamsHeld} of ${setup.agents * section.plan.streamsPerAgent} streams held, ${checks.streamsEchoedAtEnd} echoed again at the end; ${checks.latencyOpensCompleted} of ${section.plan.latencyOpens} timed opens completed; proxy gauges ${checks.proxySessions ?? '?'} sessions, ${checks.proxyStreams ?? '?'} streams; echo app ${checks.echoConnections ?? '?'} connections; tunnels from ${checks.tunnelSources ?? '?'} source addresses (proxy audit)`,
    `  durations: devices ${durations.devicesSeconds} s, proxy start ${durations.proxyStartSeconds} s, connect ${durations.connectSeconds} s, open ${durations.openSeconds} s, latency run ${durations.latencySeconds} s, final echo ${durations.verifySeconds} s; section ${durations.sectionSeconds} s`,
    `  open-file limits: proxy ${setup.proxyFdLimit ?? '?'} (needs about ${setup.fdsNeeded.proxy}), echo app ${setup.echoFdLimit ?? '?'} (about ${setup.fdsNeeded.echo})`,
  ].join('\n');
}
