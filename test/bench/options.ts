/** Command-line options of `npm run bench` and the two run plans (default and `--quick`). */
import { parseArgs } from 'node:util';

export const PATHS = ['direct', 'stunnel', 'zerogate'] as const;
export type PathName = (typeof PATHS)[number];

/**
 * The parts of a run: the data plane side by side, continuous verification (verification.ts),
 * the load run (load-run.ts: many agents and streams on one proxy), and HTTP apps (http-run.ts:
 * requests per second and latency of an http:// app through the agent and proxy versus direct).
 */
export const SECTIONS = ['dataplane', 'verification', 'load', 'http'] as const;
export type SectionName = (typeof SECTIONS)[number];

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface Plan {
  mode: 'default' | 'quick';
  /** Repetitions of each throughput measurement; the figure is their median. */
  runs: number;
  /** Untimed bytes each path moves first (half on 1 stream, half on 8), so JIT and buffers are warm. */
  warmupBytes: number;
  throughput1: { streams: 1; bytesPerStream: number };
  throughput8: { streams: 8; bytesPerStream: number };
  latency: { count: number; warmup: number };
  opens: { concurrency: number; durationMs: number; warmupMs: number };
  verification: VerificationPlan;
  load: LoadPlan;
  http: HttpPlan;
}

/** The HTTP section (http-run.ts, docs/bench.md). */
export interface HttpPlan {
  /** Keep-alive connections of the closed-loop client, each with one request in flight. */
  connections: number;
  /** Length of each measurement. */
  durationMs: number;
  /** Untimed load on each path and endpoint before its first measurement. */
  warmupMs: number;
  /** Measurements of each path and endpoint, interleaved (direct, proxied, direct, ...); figures are their medians. */
  runs: number;
}

/** About 2.5 minutes: 2 endpoints x 2 paths x 3 runs x 10 s, plus warm-up and set-up. */
export const HTTP_PLAN: HttpPlan = { connections: 16, durationMs: 10_000, warmupMs: 2_000, runs: 3 };

/** A smoke configuration of the same harness (test/bench/http-run.test.ts): seconds. */
export const HTTP_SMOKE_PLAN: HttpPlan = { connections: 2, durationMs: 1_000, warmupMs: 200, runs: 1 };

/** The continuous-verification section (verification.ts, docs/bench.md). */
export interface VerificationPlan {
  /** Enrolled devices, one tunnel each. */
  agents: number;
  /** Streams each agent holds open (agents x streamsPerAgent live streams in all). */
  streamsPerAgent: number;
  /** Child processes the agents are spread over. */
  agentProcesses: number;
  /** Devices revoked one at a time, each a revocation-latency sample. */
  revocations: number;
  /** Devices that send a failing posture report, one at a time, each a sample. */
  postureFailures: number;
  /** Timed policy evaluations (proxy/policy/bench.ts). */
  policyIterations: number;
}

/** The load section (load-run.ts, docs/bench.md). */
export interface LoadPlan {
  /** Enrolled devices, one agent (one mTLS WebSocket) each. */
  agents: number;
  /** Streams each agent opens and holds (agents x streamsPerAgent in all). */
  streamsPerAgent: number;
  /** Load processes the agents are spread over. */
  workers: number;
  /** Extra streams opened, echoed and closed while every stream is held: the latency samples. */
  latencyOpens: number;
  /** Rate at which those are started, per second, over all load processes. */
  latencyRatePerSecond: number;
  /** RSA keys the devices share (each device still has its own certificate; see load-devices.ts). */
  keyPool: number;
  /**
   * Loopback source addresses the agents connect from, shared round-robin; 0: one per agent.
   * Fewer than agents / 600 hits the proxy's per-source upgrade limit (agents behind one NAT).
   */
  sourceAddresses: number;
}

/** The full load run: 1,000 agents holding 10,000 streams; about 1-2 minutes on 2 cores. */
export const LOAD_PLAN: LoadPlan = {
  agents: 1000,
  streamsPerAgent: 10,
  workers: 4,
  latencyOpens: 2000,
  latencyRatePerSecond: 200,
  keyPool: 16,
  sourceAddresses: 0,
};

/** A smoke configuration of the same harness (test/bench/load-run.test.ts): seconds. */
export const LOAD_SMOKE_PLAN: LoadPlan = {
  agents: 20,
  streamsPerAgent: 5,
  workers: 2,
  latencyOpens: 100,
  latencyRatePerSecond: 100,
  keyPool: 2,
  sourceAddresses: 0,
};

/** The same in both modes: the figures need the full 1,000 streams; this takes about 40 s. */
const VERIFICATION_PLAN: VerificationPlan = {
  agents: 100,
  streamsPerAgent: 10,
  agentProcesses: 2,
  revocations: 30,
  postureFailures: 30,
  policyIterations: 200_000,
};

/** About 2-4 minutes on 2 cores. */
export const DEFAULT_PLAN: Plan = {
  mode: 'default',
  runs: 3,
  warmupBytes: 256 * MiB,
  throughput1: { streams: 1, bytesPerStream: 1 * GiB },
  throughput8: { streams: 8, bytesPerStream: 256 * MiB },
  latency: { count: 2000, warmup: 200 },
  opens: { concurrency: 64, durationMs: 10_000, warmupMs: 2_000 },
  verification: VERIFICATION_PLAN,
  load: LOAD_PLAN,
  http: HTTP_PLAN,
};

/** About half a minute: the same figures with fewer bytes, connections and seconds. */
export const QUICK_PLAN: Plan = {
  mode: 'quick',
  runs: 3,
  warmupBytes: 64 * MiB,
  throughput1: { streams: 1, bytesPerStream: 128 * MiB },
  throughput8: { streams: 8, bytesPerStream: 16 * MiB },
  latency: { count: 300, warmup: 50 },
  opens: { concurrency: 64, durationMs: 1_500, warmupMs: 500 },
  verification: VERIFICATION_PLAN,
  load: LOAD_PLAN,
  http: { ...HTTP_PLAN, durationMs: 3_000, warmupMs: 1_000 },
};

export interface Options {
  help: boolean;
  plan: Plan;
  paths: PathName[];
  /** What runs: both sections by default, one with `--only`. */
  sections: SectionName[];
  outDir: string;
  profile: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

  --quick            a short data-plane run (~30 s instead of 2-4 min): fewer bytes, connections
                     and seconds (the verification section, ~40 s, is the same in both modes)
  --runs N           repetitions of each throughput figure and of each HTTP measurement (default
                     3; the median is reported)
  --paths LIST       comma-separated subset of direct,stunnel,zerogate (default: all)
  --only SECTION     run one section: dataplane (the paths above), verification (revocation and
                     posture-failure latency with 100 agents and 1,000 live streams, policy
                     evaluation time, proxy memory), load (1,000 agents holding 10,000 streams
                     on one proxy: memory per stream, stream-open latency, errors) or http
                     (an http:// app: requests/s and latency through agent and proxy versus
                     direct); default: all
  --agents N         load: agents, one mTLS WebSocket each (default 1000)
  --streams-per-agent N
                     load: streams each agent holds (default 10)
  --workers N        load: load processes the agents are spread over (default 4)
  --load-opens N     load: streams opened and closed under load for the latency figure (default 2000)
  --source-addresses N
                     load: loopback addresses the agents share (default: one per agent; fewer
                     shows the proxy's limit of 600 tunnel upgrades per minute per address)
  --http-connections N
                     http: keep-alive connections of the closed-loop client (default 16)
  --http-duration S  http: seconds per measurement (default 10, 3 with --quick); --runs sets
                     how many measurements of each path and endpoint (default 3)
  --profile          run the proxy and agent with --cpu-prof and print where their CPU time goes
                     (slows them down: use for diagnosis, not for figures)
  --out DIR          where JSON results go (default bench-results)
  -h, --help         this text

See docs/bench.md for what each figure means.`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      paths: { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench-results' },
      agents: { type: 'string' },
      'streams-per-agent': { type: 'string' },
      workers: { type: 'string' },
      'load-opens': { type: 'string' },
      'source-addresses': { type: 'string' },
      'http-connections': { type: 'string' },
      'http-duration': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const base = values.quick ? QUICK_PLAN : DEFAULT_PLAN;
  let runs = base.runs;
  if (values.runs !== undefined) {
    runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new TypeError('--runs must be an integer from 1 to 20');
  }
  let paths: PathName[] = [...PATHS];
  if (values.paths !== undefined) {
    const asked = values.paths.split(',').map((p) => p.trim()).filter((p) => p !== '');
    for (const p of asked) {
      if (!(PATHS as readonly string[]).includes(p)) throw new TypeError(`--paths: unknown path "${p}" (direct, stunnel, zerogate)`);
    }
    paths = PATHS.filter((p) => asked.includes(p));
    if (paths.length === 0) throw new TypeError('--paths needs at least one of direct, stunnel, zerogate');
  }
  let sections: SectionName[] = [...SECTIONS];
  if (values.only !== undefined) {
    const only = values.only.trim();
    if (!(SECTIONS as readonly string[]).includes(only)) throw new TypeError(`--only: unknown section "${only}" (${SECTIONS.join(', ')})`);
    sections = [only as SectionName];
  }
  const load: LoadPlan = {
    ...base.load,
    agents: integerOption(values.agents, '--agents', 1, 20_000) ?? base.load.agents,
    streamsPerAgent: integerOption(values['streams-per-agent'], '--streams-per-agent', 1, 1000) ?? base.load.streamsPerAgent,
    workers: integerOption(values.workers, '--workers', 1, 32) ?? base.load.workers,
    latencyOpens: integerOption(values['load-opens'], '--load-opens', 0, 100_000) ?? base.load.latencyOpens,
    sourceAddresses: integerOption(values['source-addresses'], '--source-addresses', 1, 50_000) ?? base.load.sourceAddresses,
  };
  if (load.workers > load.agents) load.workers = load.agents;
  const httpSeconds = numberOption(values['http-duration'], '--http-duration', 0.2, 600);
  const http: HttpPlan = {
    ...base.http,
    runs: values.runs === undefined ? base.http.runs : runs,
    connections: integerOption(values['http-connections'], '--http-connections', 1, 1000) ?? base.http.connections,
    ...(httpSeconds === undefined ? {} : { durationMs: Math.round(httpSeconds * 1000) }),
  };
  return { help: values.help, plan: { ...base, runs, load, http }, paths, sections, outDir: values.out, profile: values.profile };
}

/** A number option within [min, max], or undefined when not given. */
function numberOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new TypeError(`${name} must be a number from ${min} to ${max}`);
  return n;
}

/** An integer option within [min, max], or undefined when not given. */
function integerOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new TypeError(`${name} must be an integer from ${min} to ${max}`);
  return n;
}
