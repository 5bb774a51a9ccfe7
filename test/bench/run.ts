/**
 * `npm run bench`: the data plane side by side in one run (DESIGN.md §11), on loopback, every
 * component in its own process:
 *
 *   direct    load → upstream
 *   stunnel   load → stunnel (client mode) → stunnel (server mode, mTLS) → upstream
 *   zerogate  load → agent listener (`zerogate connect`) → proxy (mTLS WebSocket) → upstream
 *
 * Figures: download throughput with 1 and 8 streams (median of N runs), connect-to-first-byte
 * latency (p50, p99), and opens per second; each also as a ratio to stunnel and to direct TCP.
 * Prints a table to stdout (progress to stderr) and writes bench-results/<timestamp>.json and
 * bench-results/latest.json. Missed targets never fail the run; a broken path does.
 * See docs/bench.md.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup } from './cleanup.ts';
import { memoryMiB, type Watched } from './cpu.ts';
import { gitInfo, machineInfo } from './environment.ts';
import { LoadGenerator } from './jobs.ts';
import { measureAll, smokeTest, type PathSamples, type PathUnderTest } from './measure.ts';
import { parseOptions, PATHS, USAGE, type Options, type PathName } from './options.ts';
import { formatProfile, profilesIn, summarizeProfile } from './profile.ts';
import {
  checkTargets,
  cpuReport,
  figuresOf,
  findAnomalies,
  formatTable,
  ratiosOf,
  samplesSummary,
  writeJson,
  type CpuReport,
  type Figures,
} from './report.ts';
import { findStunnel, startStunnel, STUNNEL_INSTALL_HINT, type RunningStunnel } from './stunnel.ts';
import { forkTs } from './processes.ts';
import { startZerogate, type RunningZerogate } from './zerogate.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CHILD_START_TIMEOUT_MS = 30_000;
/** Recorded in the JSON: which process does what, so figures are read with the layout in mind. */
const PROCESS_LAYOUT = {
  load: 'load generator (test/bench/load.ts), one Node process',
  upstream: 'TCP source / one-byte responder (test/bench/upstream.ts), one Node process',
  stunnel: 'stunnel-client and stunnel-server, one process each (threads per connection)',
  zerogate: 'agent (bin/zerogate.js connect) and proxy (bin/zerogate-proxy.js serve), one Node process each',
};

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

function timestampOf(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Forks the upstream and waits for its port. */
async function startUpstream(cleanup: Cleanup): Promise<{ child: ChildProcess; port: number }> {
  const child = forkTs(new URL('./upstream.ts', import.meta.url), [], cleanup);
  cleanup.add('upstream', () => stopChild(child));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the upstream did not start')), CHILD_START_TIMEOUT_MS);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      done(message.port);
    });
    child.once('exit', (code) => fail(new Error(`the upstream exited (${code}) before listening`)));
  });
  return { child, port };
}

/** Disconnecting the IPC channel makes a forked child exit; SIGKILL if it does not. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  if (child.connected) child.disconnect();
  else child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

async function bench(options: Options, cleanup: Cleanup): Promise<void> {
  const started = new Date();
  const timestamp = timestampOf(started);
  const { plan } = options;
  const outDir = resolve(REPO, options.outDir);
  const dir = mkdtempSync(join(tmpdir(), 'zerogate-bench-'));
  cleanup.trackDir(dir);
  const profileDir = options.profile ? join(outDir, 'profiles', timestamp) : undefined;
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });

  const machine = machineInfo();
  const git = gitInfo(REPO);
  progress(`${plan.mode} run: paths ${options.paths.join(', ')}; ${machine.cpus} cores, node ${machine.node}; temp dir ${dir}`);

  const upstream = await startUpstream(cleanup);
  const load = new LoadGenerator(cleanup);
  cleanup.add('load generator', () => stopChild(load.child));
  const common: Watched[] = [
    { name: 'load', pid: load.pid },
    { name: 'upstream', pid: upstream.child.pid },
  ];

  const paths: PathUnderTest[] = [];
  const pathNotes: Partial<Record<PathName, string>> = {};
  let stunnel: RunningStunnel | undefined;
  let zerogate: RunningZerogate | undefined;
  let stunnelInfo: Record<string, unknown> = { requested: options.paths.includes('stunnel') };

  if (options.paths.includes('direct')) paths.push({ name: 'direct', port: upstream.port, processes: common });

  if (options.paths.includes('stunnel')) {
    const bin = findStunnel();
    if (bin === undefined) {
      progress(STUNNEL_INSTALL_HINT);
      progress('stunnel figures and every ratio to stunnel will be null');
      pathNotes.stunnel = 'not installed';
      stunnelInfo = { ...stunnelInfo, available: false, hint: STUNNEL_INSTALL_HINT };
    } else {
      progress(`starting stunnel (${bin}): certificates, server and client`);
      const stunnelDir = join(dir, 'stunnel');
      mkdirSync(stunnelDir);
      try {
        stunnel = await startStunnel(bin, stunnelDir, upstream.port, cleanup);
        paths.push({
          name: 'stunnel',
          port: stunnel.port,
          processes: [{ name: 'stunnel-client', pid: stunnel.client.pid }, { name: 'stunnel-server', pid: stunnel.server.pid }, ...common],
        });
        stunnelInfo = { ...stunnelInfo, available: true, version: stunnel.version, settings: stunnel.settings };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        progress(`stunnel did not start, its figures will be null:\n${message}`);
        pathNotes.stunnel = 'failed to start';
        stunnelInfo = { ...stunnelInfo, available: true, error: message };
      }
    }
  }

  if (options.paths.includes('zerogate')) {
    progress('starting zerogate: proxy, token, login, agent');
    const zgDir = join(dir, 'zerogate');
    mkdirSync(zgDir);
    zerogate = await startZerogate({
      dir: zgDir,
      upstreamPort: upstream.port,
      cleanup,
      ...(profileDir === undefined
        ? {}
        : { nodeFlags: (name) => ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] }),
    });
    progress(`zerogate: proxy ${zerogate.proxyUrl}, agent listening on 127.0.0.1:${zerogate.port}; limits.maxOpensPerSecond = ${String(zerogate.settings.maxOpensPerSecond)}`);
    paths.push({
      name: 'zerogate',
      port: zerogate.port,
      processes: [{ name: 'agent', pid: zerogate.agent.pid }, { name: 'proxy', pid: zerogate.proxy.pid }, ...common],
    });
  }

  for (const path of paths) await smokeTest(load, path);
  progress(`every path works; measuring (${plan.runs} runs of each throughput figure, interleaved)`);

  const samples = await measureAll(load, paths, plan, progress);
  const memory: Record<string, { rss: number; peak: number } | undefined> = {};
  if (zerogate !== undefined) {
    memory.proxy = memoryMiB(zerogate.proxy.pid);
    memory.agent = memoryMiB(zerogate.agent.pid);
  }
  if (stunnel !== undefined) {
    memory['stunnel-client'] = memoryMiB(stunnel.client.pid);
    memory['stunnel-server'] = memoryMiB(stunnel.server.pid);
  }

  const figures = Object.fromEntries(PATHS.map((p) => [p, figuresOf(samples.get(p))])) as Record<PathName, Figures>;
  const ratios = ratiosOf(figures);
  const targets = checkTargets(ratios);
  const cpu: Partial<Record<PathName, CpuReport>> = {};
  for (const [name, s] of samples) cpu[name] = cpuReport(s);
  const samplesByPath = Object.fromEntries(samples) as Partial<Record<PathName, PathSamples>>;
  const anomalies = findAnomalies(samplesByPath, figures, cpu);
  if (options.profile) anomalies.unshift('--profile was on: proxy and agent ran under the CPU profiler, so their figures are lower than usual');
  for (const [path, note] of Object.entries(pathNotes)) anomalies.push(`${path}: ${note}, its figures are null`);

  const finished = new Date();
  const document = {
    schema: 'zerogate-bench/1',
    date: started.toISOString(),
    durationSeconds: Math.round((finished.getTime() - started.getTime()) / 1000),
    mode: plan.mode,
    git,
    machine,
    config: {
      plan,
      paths: options.paths,
      units: { throughput: 'MB/s, 1 MB = 10^6 bytes', latency: 'ms, connect() to the first byte of the answer', opens: 'completed connections per second' },
      processes: PROCESS_LAYOUT,
      zerogate: zerogate?.settings ?? null,
      stunnel: stunnelInfo,
    },
    figures,
    ratios,
    targets,
    samples: Object.fromEntries([...samples].map(([p, s]) => [p, samplesSummary(s)])),
    cpu,
    memoryMiB: memory,
    anomalies,
  };
  const file = writeJson(outDir, timestamp, document);

  const stunnelLine = stunnel !== undefined ? stunnel.version : `stunnel: ${pathNotes.stunnel ?? 'not requested'}`;
  const table = formatTable({
    title: `Zerogate data-plane bench: ${plan.mode} run, ${started.toISOString()}, commit ${git.commit?.slice(0, 12) ?? 'unknown'}${git.dirty ? ` + ${git.changedFiles.length} uncommitted file(s)` : ''}`,
    context: [
      `machine: ${machine.cpuModel}, ${machine.cpus} cores, ${machine.os} ${machine.kernel}; node ${machine.node} (OpenSSL ${machine.openssl}); ${stunnelLine}`,
      `zerogate config: limits.maxOpensPerSecond = ${zerogate === undefined ? 'n/a' : String(zerogate.settings.maxOpensPerSecond)} (raised from the default 100 so the open-rate limiter does not cap opens/s)`,
      `throughput: median of ${plan.runs} runs, ${describeBytes(plan.throughput1.bytesPerStream)} on 1 stream, 8 x ${describeBytes(plan.throughput8.bytesPerStream)} on 8; latency: ${plan.latency.count} sequential connections after ${plan.latency.warmup} warm-up; opens: ${plan.opens.concurrency} concurrent loops for ${plan.opens.durationMs / 1000} s`,
    ],
    figures,
    ratios,
    targets,
    cpu,
    anomalies,
  });
  process.stdout.write(`\n${table}\n\nJSON: ${file} (and ${join(outDir, 'latest.json')})\n`);

  if (profileDir !== undefined && zerogate !== undefined) {
    // V8 writes the profiles when the processes exit.
    await zerogate.agent.stop();
    await zerogate.proxy.stop();
    for (const name of ['agent', 'proxy']) {
      for (const f of profilesIn(profileDir, name)) process.stdout.write(`\n${formatProfile(name, summarizeProfile(f))}\n`);
    }
  }
}

function describeBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`;
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const cleanup = new Cleanup();
  cleanup.install();
  try {
    await bench(options, cleanup);
  } catch (error) {
    process.stderr.write(`\nbench: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

await main();
