/** Command-line options of `npm run bench` and the two run plans (default and `--quick`). */
import { parseArgs } from 'node:util';

export const PATHS = ['direct', 'stunnel', 'zerogate'] as const;
export type PathName = (typeof PATHS)[number];

/** The parts of a run: the data plane side by side, and continuous verification (verification.ts). */
export const SECTIONS = ['dataplane', 'verification'] as const;
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
}

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
  --runs N           repetitions of each throughput figure (default 3; the median is reported)
  --paths LIST       comma-separated subset of direct,stunnel,zerogate (default: all)
  --only SECTION     run one section: dataplane (the paths above) or verification (revocation and
                     posture-failure latency with 100 agents and 1,000 live streams, policy
                     evaluation time, proxy memory); default: both
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
    if (!(SECTIONS as readonly string[]).includes(only)) throw new TypeError(`--only: unknown section "${only}" (dataplane, verification)`);
    sections = [only as SectionName];
  }
  return { help: values.help, plan: { ...base, runs }, paths, sections, outDir: values.out, profile: values.profile };
}
