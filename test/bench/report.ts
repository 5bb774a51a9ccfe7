/**
 * Turns samples into the reported figures, their ratios, the PASS/FAIL check against the two
 * targets, automatic anomaly notes, the readable table, and the JSON document.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PathSamples, ThroughputSample, Usage } from './measure.ts';
import { PATHS, type PathName } from './options.ts';
import { median, round, summarize, type Summary } from './stats.ts';
import { OTHER } from './cpu.ts';
import type { VerificationFigures, VerificationSection } from './verification.ts';

/** CPU used outside the path under test (cores) above which a figure is flagged as taken on a busy machine. */
const OTHER_BUSY_WARNING = 0.25;

export const FIGURES = [
  { key: 'throughput1MBps', label: 'throughput, 1 stream (MB/s)', better: 'higher' },
  { key: 'throughput8MBps', label: 'throughput, 8 streams (MB/s)', better: 'higher' },
  { key: 'latencyP50Ms', label: 'new connection p50 (ms)', better: 'lower' },
  { key: 'latencyP99Ms', label: 'new connection p99 (ms)', better: 'lower' },
  { key: 'opensPerSecond', label: 'opens per second', better: 'higher' },
] as const;

export type FigureKey = (typeof FIGURES)[number]['key'];
export type Figures = Record<FigureKey, number | null>;

export const RATIOS = [
  ['zerogate', 'stunnel'],
  ['zerogate', 'direct'],
  ['stunnel', 'direct'],
] as const satisfies readonly (readonly [PathName, PathName])[];

export type RatioName = `${(typeof RATIOS)[number][0]}/${(typeof RATIOS)[number][1]}`;

/** The two targets (DESIGN.md §11): throughput within 80% of stunnel, p50 latency at most half of stunnel's. */
export const TARGETS = [
  { figure: 'throughput1MBps', label: 'throughput, 1 stream', op: '>=', threshold: 0.8 },
  { figure: 'throughput8MBps', label: 'throughput, 8 streams', op: '>=', threshold: 0.8 },
  { figure: 'latencyP50Ms', label: 'new connection p50', op: '<=', threshold: 0.5 },
] as const;

export interface TargetResult {
  figure: FigureKey;
  label: string;
  ratio: 'zerogate/stunnel';
  op: '>=' | '<=';
  threshold: number;
  value: number | null;
  status: 'PASS' | 'FAIL' | 'n/a';
}

const empty = (): Figures => ({ throughput1MBps: null, throughput8MBps: null, latencyP50Ms: null, latencyP99Ms: null, opensPerSecond: null });

export function figuresOf(samples: PathSamples | undefined): Figures {
  const f = empty();
  if (samples === undefined) return f;
  if (samples.throughput1.length > 0) f.throughput1MBps = median(samples.throughput1.map((s) => s.MBps));
  if (samples.throughput8.length > 0) f.throughput8MBps = median(samples.throughput8.map((s) => s.MBps));
  if (samples.latency !== undefined && samples.latency.samplesMs.length > 0) {
    const s = summarize(samples.latency.samplesMs);
    f.latencyP50Ms = s.p50;
    f.latencyP99Ms = s.p99;
  }
  if (samples.opens !== undefined) f.opensPerSecond = samples.opens.completed / samples.opens.seconds;
  return f;
}

export function ratiosOf(figures: Record<PathName, Figures>): Record<RatioName, Figures> {
  const out = {} as Record<RatioName, Figures>;
  for (const [a, b] of RATIOS) {
    const r = empty();
    for (const { key } of FIGURES) {
      const x = figures[a][key];
      const y = figures[b][key];
      r[key] = x !== null && y !== null && y > 0 ? x / y : null;
    }
    out[`${a}/${b}`] = r;
  }
  return out;
}

/** The same figures rounded for the JSON: 3 decimals are well below the noise of any of them. */
export function rounded<K extends string>(table: Record<K, Figures>): Record<K, Figures> {
  const out = {} as Record<K, Figures>;
  for (const [name, figures] of Object.entries(table) as [K, Figures][]) {
    out[name] = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, v === null ? null : round(v as number, 3)])) as Figures;
  }
  return out;
}

export function checkTargets(ratios: Record<RatioName, Figures>): TargetResult[] {
  return TARGETS.map((t) => {
    const value = ratios['zerogate/stunnel'][t.figure];
    const status = value === null ? 'n/a' : (t.op === '>=' ? value >= t.threshold : value <= t.threshold) ? 'PASS' : 'FAIL';
    return { figure: t.figure, label: t.label, ratio: 'zerogate/stunnel', op: t.op, threshold: t.threshold, value, status };
  });
}

/** CPU per process: cores kept busy (CPU s / wall s) and the cost per unit of work. */
export interface CpuFigure {
  cores: Record<string, number>;
  /** s per GiB (throughput) or ms per connection (latency, opens). */
  perUnit: Record<string, number>;
  unit: 's/GiB' | 'ms/connection';
}

function cpuOf(usages: readonly Usage[], units: number, unit: CpuFigure['unit']): CpuFigure {
  const wall = usages.reduce((sum, u) => sum + u.wallSeconds, 0);
  const cpu: Record<string, number> = {};
  for (const u of usages) for (const [name, s] of Object.entries(u.cpuSeconds)) cpu[name] = (cpu[name] ?? 0) + s;
  const cores: Record<string, number> = {};
  const perUnit: Record<string, number> = {};
  for (const [name, s] of Object.entries(cpu)) {
    cores[name] = round(s / wall, 2);
    perUnit[name] = round(unit === 's/GiB' ? s / units : (s * 1000) / units, 3);
  }
  return { cores, perUnit, unit };
}

export type CpuReport = Partial<Record<'throughput1' | 'throughput8' | 'latency' | 'opens', CpuFigure>>;

export function cpuReport(samples: PathSamples): CpuReport {
  const out: CpuReport = {};
  const gib = (list: ThroughputSample[]) => list.reduce((sum, s) => sum + s.bytes, 0) / 2 ** 30;
  if (samples.throughput1.length > 0) out.throughput1 = cpuOf(samples.throughput1, gib(samples.throughput1), 's/GiB');
  if (samples.throughput8.length > 0) out.throughput8 = cpuOf(samples.throughput8, gib(samples.throughput8), 's/GiB');
  const latency = samples.latency;
  if (latency !== undefined) out.latency = cpuOf([latency], Math.max(1, latency.samplesMs.length), 'ms/connection');
  const opens = samples.opens;
  if (opens !== undefined) out.opens = cpuOf([opens], Math.max(1, opens.total), 'ms/connection');
  return out;
}

/** The raw-sample summary kept in the JSON (individual latency samples are summarised, not kept). */
export function samplesSummary(samples: PathSamples): Record<string, unknown> {
  const runs = (list: ThroughputSample[]) =>
    list.map((s) => ({ MBps: round(s.MBps, 1), seconds: round(s.seconds), bytes: s.bytes, streamSkew: round(s.streamSkew, 2) }));
  const ms = (s: Summary) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v, 4)]));
  return {
    throughput1: runs(samples.throughput1),
    throughput8: runs(samples.throughput8),
    ...(samples.latency === undefined
      ? {}
      : {
          latencyMs: {
            ...(samples.latency.samplesMs.length > 0 ? ms(summarize(samples.latency.samplesMs)) : {}),
            errors: samples.latency.errors,
            ...(samples.latency.firstError === undefined ? {} : { firstError: samples.latency.firstError }),
          },
        }),
    ...(samples.opens === undefined
      ? {}
      : {
          opens: {
            completed: samples.opens.completed,
            seconds: samples.opens.seconds,
            errors: samples.opens.errors,
            ...(samples.opens.firstError === undefined ? {} : { firstError: samples.opens.firstError }),
            latencyUnderLoadMs: samples.opens.samplesMs.length > 0 ? ms(summarize(samples.opens.samplesMs)) : null,
          },
        }),
  };
}

/** Things a reader should not miss: errors, noisy repetitions, a saturated process, impossible ratios. */
export function findAnomalies(samples: Partial<Record<PathName, PathSamples>>, figures: Record<PathName, Figures>, cpus: Partial<Record<PathName, CpuReport>>): string[] {
  const notes: string[] = [];
  for (const path of PATHS) {
    const s = samples[path];
    if (s === undefined) continue;
    for (const [key, label] of [
      ['throughput1', '1-stream throughput'],
      ['throughput8', '8-stream throughput'],
    ] as const) {
      const values = s[key].map((x) => x.MBps);
      if (values.length > 1) {
        const spread = (Math.max(...values) - Math.min(...values)) / median(values);
        if (spread > 0.2) notes.push(`${path}: ${label} varied by ${(spread * 100).toFixed(0)}% across runs (${values.map((v) => v.toFixed(0)).join(', ')} MB/s)`);
      }
      const cores = cpus[path]?.[key]?.cores ?? {};
      for (const [name, c] of Object.entries(cores)) {
        if (name === OTHER) {
          if (c >= OTHER_BUSY_WARNING) notes.push(`${path}: during ${label} processes outside this path used ${c.toFixed(2)} cores: the machine was not quiet, the figure may be low`);
        } else if (c >= 0.9) {
          const why = path === 'direct' ? ' (expected: direct TCP is bounded by the Node load generator and upstream)' : '';
          notes.push(`${path}: during ${label} the ${name} process kept ${c.toFixed(2)} of a core busy: it is the likely limit of that figure${why}`);
        }
      }
    }
    for (const key of ['latency', 'opens'] as const) {
      const other = cpus[path]?.[key]?.cores[OTHER];
      if (other !== undefined && other >= OTHER_BUSY_WARNING) {
        notes.push(`${path}: during ${key === 'latency' ? 'the latency test' : 'the opens test'} processes outside this path used ${other.toFixed(2)} cores: the machine was not quiet`);
      }
    }
    if (s.latency !== undefined && s.latency.errors > 0) notes.push(`${path}: ${s.latency.errors} latency connections failed (${s.latency.firstError ?? ''})`);
    if (s.opens !== undefined && s.opens.errors > 0) notes.push(`${path}: ${s.opens.errors} opens failed (${s.opens.firstError ?? ''})`);
  }
  for (const { key, label, better } of FIGURES) {
    const z = figures.zerogate[key];
    const d = figures.direct[key];
    if (z !== null && d !== null && (better === 'higher' ? z > d * 1.05 : z < d * 0.95)) {
      notes.push(`zerogate beat direct TCP on ${label}: a measurement problem, not a result`);
    }
  }
  return notes;
}

// --- text output ---

function fmt(value: number | null, digits: number): string {
  return value === null ? 'null' : value.toFixed(digits);
}

function figureDigits(key: FigureKey): number {
  return key === 'latencyP50Ms' || key === 'latencyP99Ms' ? 3 : key === 'opensPerSecond' ? 0 : 1;
}

export interface TableInput {
  title: string;
  context: string[];
  figures: Record<PathName, Figures>;
  ratios: Record<RatioName, Figures>;
  targets: TargetResult[];
  cpu: Partial<Record<PathName, CpuReport>>;
  anomalies: string[];
}

export function formatTable(input: TableInput): string {
  const lines: string[] = [input.title, ...input.context, ''];
  const head = ['figure'.padEnd(30), ...PATHS.map((p) => p.padStart(10)), ...RATIOS.map(([a, b]) => `${a === 'zerogate' ? 'zg' : a}/${b}`.padStart(15))];
  lines.push(head.join(''));
  for (const { key, label } of FIGURES) {
    const cells = [label.padEnd(30)];
    for (const p of PATHS) cells.push(fmt(input.figures[p][key], figureDigits(key)).padStart(10));
    for (const [a, b] of RATIOS) cells.push(fmt(input.ratios[`${a}/${b}`][key], 2).padStart(15));
    lines.push(cells.join(''));
  }
  lines.push('', 'targets (zerogate/stunnel; a missed target does not fail the run)');
  for (const t of input.targets) {
    lines.push(`  ${t.label.padEnd(24)}${t.op} ${t.threshold.toFixed(2)}   ${fmt(t.value, 2).padStart(6)}   ${t.status}`);
  }
  lines.push('', 'CPU busy per process while measuring (cores; 2 available, ~1.00 = one process saturated a core)');
  for (const [key, label] of [
    ['throughput1', 'throughput, 1 stream'],
    ['throughput8', 'throughput, 8 streams'],
    ['latency', 'new connection'],
    ['opens', 'opens'],
  ] as const) {
    const parts = PATHS.flatMap((p) => {
      const c = input.cpu[p]?.[key];
      if (c === undefined) return [];
      return [`${p}: ${Object.entries(c.cores).map(([n, v]) => `${n} ${v.toFixed(2)}`).join(' ')}`];
    });
    if (parts.length > 0) lines.push(`  ${label.padEnd(22)}${parts.join(' | ')}`);
  }
  if (input.anomalies.length > 0) {
    lines.push('', 'anomalies');
    for (const a of input.anomalies) lines.push(`  - ${a}`);
  }
  return lines.join('\n');
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.json`; returns the first path. */
export function writeJson(dir: string, timestamp: string, document: unknown): string {
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const file = join(dir, `${timestamp}.json`);
  writeFileSync(file, text);
  writeFileSync(join(dir, 'latest.json'), text);
  return file;
}

// --- continuous verification (verification.ts) ---

/** The targets of the continuous-verification section (DESIGN.md §3, §11): absolute, not ratios. */
export const VERIFICATION_TARGETS = [
  { figure: 'revocation', label: 'revocation to streams reset, p99', unit: 'ms', threshold: 1000 },
  { figure: 'postureFailure', label: 'posture failure to streams reset, p99', unit: 'ms', threshold: 1000 },
  { figure: 'policyEvaluation', label: 'policy evaluation, p99', unit: 'µs', threshold: 50 },
] as const;

export interface VerificationTargetResult {
  figure: (typeof VERIFICATION_TARGETS)[number]['figure'];
  label: string;
  op: '<';
  threshold: number;
  unit: string;
  value: number | null;
  status: 'PASS' | 'FAIL' | 'n/a';
}

export function checkVerificationTargets(figures: VerificationFigures | undefined): VerificationTargetResult[] {
  return VERIFICATION_TARGETS.map((t) => {
    const value =
      figures === undefined ? null : t.figure === 'policyEvaluation' ? figures.policyEvaluation.p99Us : figures[t.figure].p99Ms;
    const status = value === null ? 'n/a' : value < t.threshold ? 'PASS' : 'FAIL';
    return { figure: t.figure, label: t.label, op: '<', threshold: t.threshold, unit: t.unit, value, status };
  });
}

/** The section's lines of the printed table. */
export function formatVerification(section: VerificationSection, targets: VerificationTargetResult[]): string {
  const { setup, figures, checks } = section;
  const lines = [
    `continuous verification: ${setup.agents} agents (${setup.agentProcesses} processes) holding ${setup.streams} live streams through \`zerogate-proxy serve\`; the proxy polls its store for revocations every ${setup.watcherPollMs} ms`,
    '',
    `${'figure'.padEnd(42)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}${'n'.padStart(9)}   target`,
  ];
  const row = (label: string, p50: number, p99: number, max: number | null, n: number, target: VerificationTargetResult | undefined, digits: number) =>
    `${label.padEnd(42)}${p50.toFixed(digits).padStart(10)}${p99.toFixed(digits).padStart(10)}${(max === null ? '' : max.toFixed(digits)).padStart(10)}${String(n).padStart(9)}   ${
      target === undefined ? '' : `p99 ${target.op} ${target.threshold} ${target.unit}  ${target.status}`
    }`;
  const target = (figure: VerificationTargetResult['figure']) => targets.find((t) => t.figure === figure);
  lines.push(row('revocation to streams reset (ms)', figures.revocation.p50Ms, figures.revocation.p99Ms, figures.revocation.maxMs, figures.revocation.n, target('revocation'), 1));
  lines.push(row('posture failure to streams reset (ms)', figures.postureFailure.p50Ms, figures.postureFailure.p99Ms, figures.postureFailure.maxMs, figures.postureFailure.n, target('postureFailure'), 1));
  lines.push(row('policy evaluation (µs)', figures.policyEvaluation.p50Us, figures.policyEvaluation.p99Us, null, figures.policyEvaluation.iterations, target('policyEvaluation'), 2));
  const m = figures.proxyMemoryMiB;
  lines.push(
    '',
    `proxy memory (RSS): ${fmt(m.withStreams, 1)} MiB with ${setup.agents} tunnels and ${setup.streams} streams; ${fmt(m.tunnelsOnly, 1)} MiB with the tunnels alone (${fmt(m.perStreamKiB, 1)} KiB per stream); peak ${fmt(m.peak, 1)} MiB`,
    `checks: ${checks.untouchedStreamsOpen} of ${checks.untouchedStreamsExpected} streams of untouched devices still open; ${checks.postureTunnelsKeptUp} of ${section.plan.postureFailures} posture-failed tunnels kept up; ${checks.postureNoticesWithReason} notices named disk-unencrypted`,
    `setup: enrolment, tunnels and posture ${setup.enrolSeconds} s, ${setup.streams} streams opened in ${setup.openSeconds} s; section ${section.durationSeconds} s`,
  );
  return lines.join('\n');
}
