/**
 * A latency probe of {@link evaluate} for the benchmark harness (`npm run bench`, DESIGN.md §11),
 * not a test: it times single evaluations over realistic inputs (a full DESIGN.md §6 policy,
 * fresh and stale posture, admitted and refused users, IPv4 and IPv4-mapped sources) and
 * reports percentiles in microseconds.
 */

import type { PostureReport } from '../../shared/posture/report.ts';
import type { PolicyConfig } from '../config/index.ts';
import { parseCidr } from './cidr.ts';
import { evaluate } from './evaluate.ts';
import type { DecisionApp, DecisionInput } from './types.ts';

export interface BenchResult {
  iterations: number;
  p50Us: number;
  p99Us: number;
}

const NOW = Date.parse('2025-06-01T12:00:00Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function block(text: string) {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new TypeError(`bench: bad CIDR ${text}`);
  return parsed.value;
}

/** The DESIGN.md §6 example policy, resolved. */
const POLICY: PolicyConfig = {
  mode: 'enforce',
  allow: [{ groups: ['engineering'] }, { emails: ['cto@example.com'] }],
  require: {
    mfa: true,
    maxAuthAgeMs: 12 * 60 * MINUTE,
    posture: {
      maxAgeMs: 5 * MINUTE,
      osMinVersion: { darwin: '14.6', win32: '10.0.22631', linux: '6.1' },
      maxPatchAgeDays: 30,
      diskEncryption: true,
      edr: ['crowdstrike', 'sentinelone', 'defender'],
      firewall: true,
      screenLock: { maxTimeoutMs: 10 * MINUTE },
    },
    sourceCidrs: [block('10.0.0.0/8'), block('192.168.0.0/16'), block('fd00::/8')],
  },
};

const APP: DecisionApp = { id: 'wiki', users: ['ops@example.com', 'alice@example.com'] };

function report(platform: 'darwin' | 'linux' | 'win32', good: boolean): PostureReport {
  return {
    version: 1,
    collectedAt: new Date(NOW - MINUTE).toISOString(),
    agentVersion: '0.1.0',
    hostname: 'laptop-1',
    hardwareId: undefined,
    os: {
      status: 'pass',
      platform,
      name: platform,
      version: platform === 'darwin' ? (good ? '14.10.1' : '14.5') : platform === 'win32' ? '10.0.22631' : '24.04',
      build: undefined,
      kernel: platform === 'linux' ? (good ? '6.8.0-45-generic' : '5.15.0-1-amd64') : undefined,
    },
    patch: { status: 'pass', lastUpdateAt: new Date(NOW - (good ? 3 : 45) * DAY).toISOString(), pendingSecurityUpdates: good ? 0 : 2 },
    diskEncryption: { status: good ? 'pass' : 'fail', volumes: [{ volume: '/', state: good ? 'on' : 'off', method: 'LUKS2' }] },
    edr: { status: 'pass', agents: [{ vendor: good ? 'crowdstrike' : 'sophos', running: true }] },
    firewall: { status: good ? 'pass' : 'unknown' },
    screenLock: { status: 'pass', timeoutSeconds: good ? 300 : 3600 },
  };
}

function inputs(): DecisionInput[] {
  const out: DecisionInput[] = [];
  for (const platform of ['darwin', 'linux', 'win32'] as const) {
    for (const good of [true, false]) {
      for (const [user, groups] of [['alice@example.com', ['engineering', 'staff']], ['mallory@example.com', ['staff']]] as const) {
        out.push({
          identity: { user, groups: [...groups], amr: ['pwd', 'otp', 'mfa'], authTime: NOW - 2 * 60 * MINUTE },
          device: { id: `dev-${platform}`, platform, posture: { report: report(platform, good), receivedAt: NOW - (good ? 30_000 : 10 * MINUTE) } },
          context: { source: good ? '::ffff:10.1.2.3' : '203.0.113.9', now: NOW },
        });
      }
    }
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

/**
 * Times `iterations` evaluations (after a warm-up), each with `process.hrtime.bigint`, cycling
 * through the sample inputs. Returns p50 and p99 in microseconds (rounded to 0.01 µs).
 *
 * @throws TypeError when `iterations` is not a positive safe integer.
 */
export function benchEvaluate(iterations: number): BenchResult {
  if (!Number.isSafeInteger(iterations) || iterations <= 0) throw new TypeError('benchEvaluate: iterations must be a positive integer');
  const samples = inputs();
  const warmup = Math.min(iterations, 1000);
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += evaluate(samples[i % samples.length] as DecisionInput, POLICY, APP).reasons.length;
  const timings = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const input = samples[i % samples.length] as DecisionInput;
    const started = process.hrtime.bigint();
    const decision = evaluate(input, POLICY, APP);
    timings[i] = Number(process.hrtime.bigint() - started) / 1000;
    sink += decision.reasons.length;
  }
  // Keeps the evaluations observable so no engine can drop them.
  if (sink < 0) throw new Error('unreachable');
  const sorted = Array.from(timings).sort((a, b) => a - b);
  const round = (us: number): number => Math.round(us * 100) / 100;
  return { iterations, p50Us: round(percentile(sorted, 50)), p99Us: round(percentile(sorted, 99)) };
}
