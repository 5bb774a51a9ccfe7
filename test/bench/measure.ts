/**
 * Runs the measurements of one bench against every path, through the load-generator child, and
 * records with each the CPU time every process of that path used. Throughput repetitions are
 * interleaved across paths (direct, stunnel, zerogate, direct, ...) so that a slow drift of the
 * machine spreads over all paths instead of biasing one.
 */
import { performance } from 'node:perf_hooks';
import { CpuMeter, type Watched } from './cpu.ts';
import type { Job, JobResult, LatencyResult, LoadGenerator, OpensResult } from './jobs.ts';
import type { PathName, Plan } from './options.ts';
import { summarize } from './stats.ts';

/** A path ready to measure: where the load generator connects and which processes carry it. */
export interface PathUnderTest {
  name: PathName;
  port: number;
  processes: Watched[];
}

export interface Usage {
  wallSeconds: number;
  /** CPU seconds per process name during the measurement. */
  cpuSeconds: Record<string, number>;
}

export interface ThroughputSample extends Usage {
  MBps: number;
  bytes: number;
  seconds: number;
  /** Slowest stream / fastest stream (1 for a single stream): how evenly streams shared the path. */
  streamSkew: number;
}

/** When a job ran, on the CLOCK_MONOTONIC microsecond scale V8 uses in .cpuprofile files. */
export interface JobWindow {
  path: PathName;
  phase: 'throughput1' | 'throughput8' | 'latency' | 'opens';
  fromUs: number;
  toUs: number;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export interface PathSamples {
  throughput1: ThroughputSample[];
  throughput8: ThroughputSample[];
  latency?: LatencyResult & Usage;
  opens?: OpensResult & Usage;
}

/** Pause between measurements so closing sockets and GC of the previous one do not overlap. */
const SETTLE_MS = 300;

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

export type Progress = (line: string) => void;

async function measured<J extends Job>(
  load: LoadGenerator,
  path: PathUnderTest,
  job: J,
  phase: JobWindow['phase'],
  windows: JobWindow[],
): Promise<{ result: JobResult<J>; usage: Usage }> {
  const meter = new CpuMeter(path.processes);
  meter.start();
  const fromUs = monotonicUs();
  const start = performance.now();
  const result = await load.run(job);
  const wallSeconds = (performance.now() - start) / 1000;
  windows.push({ path: path.name, phase, fromUs, toUs: monotonicUs() });
  return { result, usage: { wallSeconds, cpuSeconds: meter.stop() } };
}

/** A short functional check of a path before it is measured: one ping and a 4 MiB download. */
export async function smokeTest(load: LoadGenerator, path: PathUnderTest): Promise<void> {
  const ping = await load.run({ kind: 'latency', port: path.port, count: 20, warmup: 0 });
  if (ping.errors > 0) throw new Error(`${path.name}: ${ping.errors} of 20 test connections failed (${ping.firstError ?? 'no detail'})`);
  await load.run({ kind: 'throughput', port: path.port, streams: 2, bytesPerStream: 4 * 1024 * 1024 });
}

export interface Measurements {
  samples: Map<PathName, PathSamples>;
  windows: JobWindow[];
}

export async function measureAll(load: LoadGenerator, paths: readonly PathUnderTest[], plan: Plan, progress: Progress): Promise<Measurements> {
  const samples = new Map<PathName, PathSamples>(paths.map((p) => [p.name, { throughput1: [], throughput8: [] }]));
  const windows: JobWindow[] = [];
  const get = (name: PathName) => samples.get(name) as PathSamples;

  for (const path of paths) {
    await load.run({ kind: 'throughput', port: path.port, streams: 1, bytesPerStream: plan.warmupBytes / 2 });
    await load.run({ kind: 'throughput', port: path.port, streams: 8, bytesPerStream: plan.warmupBytes / 16 });
  }
  progress(`warm-up done (${plan.warmupBytes / 2 ** 20} MiB through each path)`);

  for (const [key, shape, label] of [
    ['throughput1', plan.throughput1, '1 stream'],
    ['throughput8', plan.throughput8, '8 streams'],
  ] as const) {
    for (let run = 1; run <= plan.runs; run++) {
      const parts: string[] = [];
      for (const path of paths) {
        await settle();
        const job = { kind: 'throughput', port: path.port, streams: shape.streams, bytesPerStream: shape.bytesPerStream } as const;
        const { result, usage } = await measured(load, path, job, key, windows);
        const MBps = result.bytes / 1e6 / result.seconds;
        get(path.name)[key].push({
          MBps,
          bytes: result.bytes,
          seconds: result.seconds,
          streamSkew: Math.max(...result.streamSeconds) / Math.min(...result.streamSeconds),
          ...usage,
        });
        parts.push(`${path.name} ${MBps.toFixed(0)} MB/s`);
      }
      progress(`throughput ${label}, run ${run}/${plan.runs}: ${parts.join(', ')}`);
    }
  }

  for (const path of paths) {
    await settle();
    const { result, usage } = await measured(load, path, { kind: 'latency', port: path.port, ...plan.latency } as const, 'latency', windows);
    get(path.name).latency = { ...result, ...usage };
    const p50 = result.samplesMs.length > 0 ? summarize(result.samplesMs).p50 : Number.NaN;
    progress(`latency ${path.name}: p50 ${p50.toFixed(3)} ms over ${result.samplesMs.length} connections${result.errors ? `, ${result.errors} errors` : ''}`);
  }

  for (const path of paths) {
    await settle();
    const { result, usage } = await measured(load, path, { kind: 'opens', port: path.port, ...plan.opens } as const, 'opens', windows);
    get(path.name).opens = { ...result, ...usage };
    progress(`opens ${path.name}: ${(result.completed / result.seconds).toFixed(0)}/s${result.errors ? `, ${result.errors} errors (${result.firstError ?? ''})` : ''}`);
  }
  return { samples, windows };
}
