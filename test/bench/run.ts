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
 * Then the continuous-verification section (verification.ts): revocation and posture-failure
 * latency with 100 agents holding 1,000 live streams, policy evaluation time, proxy memory.
 * Then the load section (load-run.ts): 1,000 agents holding 10,000 streams on one proxy, its
 * memory per stream, stream-open latency under that load, and errors (must be 0).
 * Then the HTTP section (http-run.ts): an http:// app's requests per second and latency through
 * the agent and proxy versus direct, for a small and a large answer, and errors (must be 0).
 * `--only dataplane`, `--only verification`, `--only load` or `--only http` runs one section.
 * Prints a table to stdout (progress to stderr) and writes bench-results/<timestamp>.json and
 * bench-results/latest.json. Missed targets never fail the run; a broken path, or any error in
 * the load or HTTP section, does.
 * See docs/bench.md.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup } from './cleanup.ts';
import { machineBusySeconds, memoryMiB, type Watched } from './cpu.ts';
import { gitInfo, machineInfo } from './environment.ts';
import { LoadGenerator } from './jobs.ts';
import { measureAll, smokeTest, type PathSamples, type PathUnderTest } from './measure.ts';
import { parseOptions, PATHS, USAGE, type Options, type PathName } from './options.ts';
import { forkTs } from './processes.ts';
import { formatProfile, profilesIn, readProfile, summarizeProfile } from './profile.ts';
import {
  checkTargets,
  checkVerificationTargets,
  cpuReport,
  figuresOf,
  findAnomalies,
  formatTable,
  formatVerification,
  ratiosOf,
  rounded,
  samplesSummary,
  writeJson,
  type CpuReport,
  type Figures,
} from './report.ts';
import { round } from './stats.ts';
import { findStunnel, startStunnel, STUNNEL_INSTALL_HINT, type RunningStunnel } from './stunnel.ts';
import { formatHttp, runHttp } from './http-run.ts';
import { formatLoad, runLoad } from './load-run.ts';
import { runVerification } from './verification.ts';
import { startZerogate, type RunningZerogate } from './zerogate.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CHILD_START_TIMEOUT_MS = 30_000;
/** How long the machine is watched before the run, and the load above which the run warns it is not quiet. */
const QUIET_CHECK_MS = 1_000;
const BUSY_WARNING_CORES = 0.25;
/** Recorded in the JSON: which process does what, so figures are read with the layout in mind. */
const PROCESS_LAYOUT = {
  load: 'load generator (test/bench/load.ts), one Node process',
  upstream: 'TCP source / one-byte responder (test/bench/upstream.ts), one Node process',
  stunnel: 'stunnel-client and stunnel-server, one process each (threads per connection)',
  zerogate: 'agent (bin/zerogate.js connect) and proxy (bin/zerogate-proxy.js serve), one Node process each',
};

const cleanup = new Cleanup();
const progress = (line: string) => {
  if (!cleanup.interrupted) process.stderr.write(`bench: ${line}\n`);
};

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
  const dataplane = options.sections.includes('dataplane');
  progress(`${plan.mode} run: ${dataplane ? `paths ${options.paths.join(', ')}` : 'data plane skipped'}${options.sections.includes('verification') ? ', then continuous verification' : ''}${options.sections.includes('load') ? `, then load (${plan.load.agents} agents x ${plan.load.streamsPerAgent} streams)` : ''}${options.sections.includes('http') ? `, then HTTP apps (${plan.http.connections} connections, ${plan.http.durationMs / 1000} s x ${plan.http.runs} runs per path and endpoint)` : ''}; ${machine.cpus} cores, node ${machine.node}; temp dir ${dir}`);
  const busyBefore = await busyCores(QUIET_CHECK_MS);
  if (busyBefore !== undefined && busyBefore >= BUSY_WARNING_CORES) {
    progress(`warning: other processes keep ${busyBefore.toFixed(2)} cores busy: figures will be low and noisy (see "other" in the CPU lines)`);
  }

  if (!dataplane) {
    // `--only verification`, `--only load` or `--only http`: those sections alone, with the same header fields in their JSON.
    const verification = options.sections.includes('verification') ? await verificationSection(join(dir, 'verification'), options, cleanup) : undefined;
    const loadRun = options.sections.includes('load') ? await loadSection(join(dir, 'load'), options, cleanup, profileDir) : undefined;
    const httpRun = options.sections.includes('http') ? await httpSection(join(dir, 'http'), options, cleanup, profileDir) : undefined;
    const anomalies = [...(verification?.anomalies ?? []), ...(loadRun?.anomalies ?? []), ...(httpRun?.anomalies ?? [])];
    if (busyBefore !== undefined && busyBefore >= BUSY_WARNING_CORES) {
      anomalies.unshift(`before the run other processes kept ${busyBefore.toFixed(2)} cores busy: the machine was not quiet`);
    }
    const document = {
      schema: 'zerogate-bench/1',
      date: started.toISOString(),
      durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
      mode: plan.mode,
      git,
      machine: { ...machine, busyCoresBeforeStart: busyBefore === undefined ? null : Math.round(busyBefore * 100) / 100 },
      config: { plan, sections: options.sections },
      ...(verification === undefined ? {} : { verification: verification.json }),
      ...(loadRun === undefined ? {} : { load: loadRun.json }),
      ...(httpRun === undefined ? {} : { http: httpRun.json }),
      anomalies,
    };
    const file = writeJson(outDir, timestamp, document);
    const names = options.sections.map((s) => (s === 'verification' ? 'continuous verification' : s === 'http' ? 'HTTP apps' : s)).join(' and ');
    const title = `Zerogate bench, ${names} only: ${plan.mode} run, ${started.toISOString()}, commit ${git.commit?.slice(0, 12) ?? 'unknown'}${git.dirty ? ` + ${git.changedFiles.length} uncommitted file(s)` : ''}`;
    const context = `machine: ${machine.cpuModel}, ${machine.cpus} cores, ${machine.os} ${machine.kernel}; node ${machine.node} (OpenSSL ${machine.openssl})`;
    const texts = [verification?.text, loadRun?.text, httpRun?.text].filter((t): t is string => t !== undefined).join('\n\n');
    const tail = anomalies.length === 0 ? '' : `\n\nanomalies\n${anomalies.map((a) => `  - ${a}`).join('\n')}`;
    process.stdout.write(`\n${title}\n${context}\n\n${texts}${tail}\n\nJSON: ${file} (and ${join(outDir, 'latest.json')})\n`);
    failOnSectionErrors(verification, loadRun, httpRun);
    return;
  }

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
        const path: PathUnderTest = {
          name: 'stunnel',
          port: stunnel.port,
          processes: [{ name: 'stunnel-client', pid: stunnel.client.pid }, { name: 'stunnel-server', pid: stunnel.server.pid }, ...common],
        };
        await smokeTest(load, path);
        paths.push(path);
        stunnelInfo = { ...stunnelInfo, available: true, version: stunnel.version, settings: stunnel.settings };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        progress(`stunnel did not start or does not work, its figures will be null:\n${message}`);
        pathNotes.stunnel = 'failed to start or to carry test connections';
        stunnel = undefined;
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
        : { nodeFlags: (name) => ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] }),
    });
    progress(`zerogate: proxy ${zerogate.proxyUrl}, agent listening on 127.0.0.1:${zerogate.port}; limits.maxOpensPerSecond = ${String(zerogate.settings.maxOpensPerSecond)}`);
    paths.push({
      name: 'zerogate',
      port: zerogate.port,
      processes: [{ name: 'agent', pid: zerogate.agent.pid }, { name: 'proxy', pid: zerogate.proxy.pid }, ...common],
    });
  }

  for (const path of paths) if (path.name !== 'stunnel') await smokeTest(load, path);
  progress(`every path works; measuring (${plan.runs} runs of each throughput figure, interleaved)`);

  const { samples, windows } = await measureAll(load, paths, plan, progress);
  const memory: Record<string, { rss: number; peak: number } | undefined> = {};
  if (zerogate !== undefined) {
    memory.proxy = memoryMiB(zerogate.proxy.pid);
    memory.agent = memoryMiB(zerogate.agent.pid);
  }
  if (stunnel !== undefined) {
    memory['stunnel-client'] = memoryMiB(stunnel.client.pid);
    memory['stunnel-server'] = memoryMiB(stunnel.server.pid);
  }

  const verification = options.sections.includes('verification') ? await verificationSection(join(dir, 'verification'), options, cleanup) : undefined;
  const loadRun = options.sections.includes('load') ? await loadSection(join(dir, 'load'), options, cleanup, profileDir) : undefined;
  const httpRun = options.sections.includes('http') ? await httpSection(join(dir, 'http'), options, cleanup, profileDir) : undefined;

  const figures = Object.fromEntries(PATHS.map((p) => [p, figuresOf(samples.get(p))])) as Record<PathName, Figures>;
  const ratios = ratiosOf(figures);
  const targets = checkTargets(ratios);
  const cpu: Partial<Record<PathName, CpuReport>> = {};
  for (const [name, s] of samples) cpu[name] = cpuReport(s);
  const samplesByPath = Object.fromEntries(samples) as Partial<Record<PathName, PathSamples>>;
  const anomalies = findAnomalies(samplesByPath, figures, cpu);
  if (busyBefore !== undefined && busyBefore >= BUSY_WARNING_CORES) {
    anomalies.unshift(`before the run other processes kept ${busyBefore.toFixed(2)} cores busy: the machine was not quiet`);
  }
  if (options.profile) anomalies.unshift('--profile was on: proxy and agent ran under the CPU profiler, so their figures are lower than usual');
  for (const [path, note] of Object.entries(pathNotes)) anomalies.push(`${path}: ${note}, its figures are null`);
  if (verification !== undefined) anomalies.push(...verification.anomalies);
  if (loadRun !== undefined) anomalies.push(...loadRun.anomalies);
  if (httpRun !== undefined) anomalies.push(...httpRun.anomalies);

  const finished = new Date();
  const document = {
    schema: 'zerogate-bench/1',
    date: started.toISOString(),
    durationSeconds: Math.round((finished.getTime() - started.getTime()) / 1000),
    mode: plan.mode,
    git,
    machine: { ...machine, busyCoresBeforeStart: busyBefore === undefined ? null : Math.round(busyBefore * 100) / 100 },
    config: {
      plan,
      paths: options.paths,
      sections: options.sections,
      units: { throughput: 'MB/s, 1 MB = 10^6 bytes', latency: 'ms, connect() to the first byte of the answer', opens: 'completed connections per second' },
      processes: PROCESS_LAYOUT,
      zerogate: zerogate?.settings ?? null,
      stunnel: stunnelInfo,
    },
    figures: rounded(figures),
    ratios: rounded(ratios),
    targets: targets.map((t) => ({ ...t, value: t.value === null ? null : round(t.value, 3) })),
    samples: Object.fromEntries([...samples].map(([p, s]) => [p, samplesSummary(s)])),
    cpu,
    memoryMiB: memory,
    ...(verification === undefined ? {} : { verification: verification.json }),
    ...(loadRun === undefined ? {} : { load: loadRun.json }),
    ...(httpRun === undefined ? {} : { http: httpRun.json }),
    anomalies,
  };
  const file = writeJson(outDir, timestamp, document);

  const stunnelLine = stunnel !== undefined ? stunnel.version : `stunnel: ${pathNotes.stunnel ?? 'not requested'}`;
  const table = formatTable({
    title: `Zerogate data-plane bench: ${plan.mode} run, ${started.toISOString()}, commit ${git.commit?.slice(0, 12) ?? 'unknown'}${git.dirty ? ` + ${git.changedFiles.length} uncommitted file(s)` : ''}`,
    context: [
      `machine: ${machine.cpuModel}, ${machine.cpus} cores, ${machine.os} ${machine.kernel}; node ${machine.node} (OpenSSL ${machine.openssl}); ${stunnelLine}`,
      ...(zerogate === undefined
        ? []
        : [`zerogate config: limits.maxOpensPerSecond = ${String(zerogate.settings.maxOpensPerSecond)} (raised from the default 100 so the open-rate limiter does not cap opens/s); other limits default`]),
      `throughput: median of ${plan.runs} runs, ${describeBytes(plan.throughput1.bytesPerStream)} on 1 stream, 8 x ${describeBytes(plan.throughput8.bytesPerStream)} on 8; latency: ${plan.latency.count} sequential connections after ${plan.latency.warmup} warm-up; opens: ${plan.opens.concurrency} concurrent loops for ${plan.opens.durationMs / 1000} s`,
    ],
    figures,
    ratios,
    targets,
    cpu,
    anomalies,
  });
  const verificationText = verification === undefined ? '' : `\n\n${verification.text}`;
  const loadText = loadRun === undefined ? '' : `\n\n${loadRun.text}`;
  const httpText = httpRun === undefined ? '' : `\n\n${httpRun.text}`;
  process.stdout.write(`\n${table}${verificationText}${loadText}${httpText}\n\nJSON: ${file} (and ${join(outDir, 'latest.json')})\n`);

  if (profileDir !== undefined && zerogate !== undefined) {
    // V8 writes the profiles when the processes exit.
    await zerogate.agent.stop();
    await zerogate.proxy.stop();
    process.stdout.write(`\nCPU profiles of the zerogate processes (self time, idle excluded; files in ${profileDir})\n`);
    const profiles = (['proxy', 'agent'] as const).flatMap((name) => {
      // One profile per thread (tsx runs its module loader on a worker thread): keep the busiest.
      const busiest = profilesIn(join(profileDir, name))
        .map((f) => readProfile(f))
        .map((p) => ({ p, busy: summarizeProfile(p).busyMs }))
        .sort((a, b) => b.busy - a.busy)[0];
      return busiest === undefined ? [] : [{ name, profile: busiest.p }];
    });
    for (const [phase, label] of PHASE_LABELS) {
      const phaseWindows = windows.filter((w) => w.path === 'zerogate' && w.phase === phase);
      if (phaseWindows.length === 0) continue;
      process.stdout.write(`${label}\n`);
      for (const { name, profile } of profiles) process.stdout.write(`${formatProfile(name, summarizeProfile(profile, phaseWindows))}\n`);
    }
  }
  failOnSectionErrors(verification, loadRun, httpRun);
}

/** After the JSON is written: a broken section, or a load or HTTP run with errors, fails the run. */
function failOnSectionErrors(verification: { error?: string } | undefined, load: { error?: string } | undefined, http?: { error?: string }): void {
  const failures = [
    ...(verification?.error === undefined ? [] : [`continuous verification: ${verification.error}`]),
    ...(load?.error === undefined ? [] : [`load: ${load.error}`]),
    ...(http?.error === undefined ? [] : [`http: ${http.error}`]),
  ];
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

/**
 * The load section (load-run.ts): its JSON, its text and its anomalies. Like the verification
 * section, a broken run is reported rather than thrown; `error` is also set when the run
 * completed with errors, which must be 0.
 */
async function loadSection(
  dir: string,
  options: Options,
  cleanup: Cleanup,
  profileDir: string | undefined,
): Promise<{ json: Record<string, unknown>; text: string; anomalies: string[]; error?: string }> {
  const plan = options.plan.load;
  progress(`load: ${plan.agents} agents x ${plan.streamsPerAgent} streams over ${plan.workers} load processes, one proxy`);
  // `--profile`: the load proxy under the CPU profiler too; its whole run is summarised below the figures.
  const loadProfileDir = profileDir === undefined ? undefined : join(profileDir, 'load-proxy');
  try {
    const section = await runLoad({
      dir,
      plan,
      cleanup,
      progress,
      ...(loadProfileDir === undefined ? {} : { proxyNodeFlags: ['--cpu-prof', `--cpu-prof-dir=${loadProfileDir}`] }),
    });
    const failed = section.errors.total > 0 ? { error: `${section.errors.total} errors during the load run (must be 0); first: ${section.errors.first[0] ?? ''}` } : {};
    const busiest = loadProfileDir === undefined ? undefined : profilesIn(loadProfileDir).map((f) => summarizeProfile(readProfile(f))).sort((a, b) => b.busyMs - a.busyMs)[0];
    const profileText = busiest === undefined ? '' : `\n\nCPU profile of the load proxy, whole section (files in ${loadProfileDir})\n${formatProfile('proxy', busiest)}`;
    return {
      json: { ...section },
      text: `${formatLoad(section)}${profileText}`,
      anomalies: section.anomalies.map((a) => `load: ${a}`),
      ...failed,
    };
  } catch (error) {
    if (cleanup.interrupted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    progress(`load failed: ${message}`);
    return {
      json: { plan, error: message },
      text: `load: FAILED: ${message.split('\n')[0] ?? ''}`,
      anomalies: [`load: the section failed: ${message.split('\n')[0] ?? ''}`],
      error: message,
    };
  }
}

/**
 * The HTTP section (http-run.ts): its JSON, its text and its anomalies. Like the load section, a
 * broken run is reported rather than thrown; `error` is also set when the run counted errors,
 * which must be 0.
 */
async function httpSection(
  dir: string,
  options: Options,
  cleanup: Cleanup,
  profileDir: string | undefined,
): Promise<{ json: Record<string, unknown>; text: string; anomalies: string[]; error?: string }> {
  const plan = options.plan.http;
  // `--profile`: the HTTP section's proxy and agent under the CPU profiler; summarised over its proxied runs.
  const httpProfileDir = profileDir === undefined ? undefined : join(profileDir, 'http');
  progress(`http: an http:// app direct and through agent and proxy, ${plan.connections} keep-alive connections, ${plan.durationMs / 1000} s per measurement`);
  try {
    const { profileText, ...section } = await runHttp({ dir, plan, cleanup, progress, ...(httpProfileDir === undefined ? {} : { profileDir: httpProfileDir }) });
    const failed = section.errors.total > 0 ? { error: `${section.errors.total} errors during the HTTP run (must be 0); first: ${section.errors.first[0] ?? ''}` } : {};
    const anomalies = [...(httpProfileDir === undefined ? [] : ['--profile was on: the proxy and agent ran under the CPU profiler, so their figures are lower than usual']), ...section.anomalies];
    return {
      json: { ...section, anomalies },
      text: `${formatHttp({ ...section, anomalies })}${profileText === undefined ? '' : `\n\n${profileText}`}`,
      anomalies: anomalies.map((a) => `http: ${a}`),
      ...failed,
    };
  } catch (error) {
    if (cleanup.interrupted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    progress(`http failed: ${message}`);
    return {
      json: { plan, error: message },
      text: `HTTP apps: FAILED: ${message.split('\n')[0] ?? ''}`,
      anomalies: [`http: the section failed: ${message.split('\n')[0] ?? ''}`],
      error: message,
    };
  }
}

/**
 * The continuous-verification section (verification.ts), its targets checked: its JSON, its
 * table lines and its anomalies. A broken section is reported, not thrown, so the data-plane
 * figures are still written; `error` then makes the run fail after writing.
 */
async function verificationSection(
  dir: string,
  options: Options,
  cleanup: Cleanup,
): Promise<{ json: Record<string, unknown>; text: string; anomalies: string[]; error?: string }> {
  progress('continuous verification: proxy, echo app, agents');
  try {
    const section = await runVerification({ dir, plan: options.plan.verification, cleanup, progress });
    const targets = checkVerificationTargets(section.figures);
    return {
      json: { ...section, targets },
      text: formatVerification(section, targets),
      anomalies: section.anomalies.map((a) => `verification: ${a}`),
    };
  } catch (error) {
    if (cleanup.interrupted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    progress(`continuous verification failed: ${message}`);
    return {
      json: { plan: options.plan.verification, error: message, targets: checkVerificationTargets(undefined) },
      text: `continuous verification: FAILED: ${message.split('\n')[0] ?? ''}`,
      anomalies: [`verification: the section failed: ${message.split('\n')[0] ?? ''}`],
      error: message,
    };
  }
}

const PHASE_LABELS = [
  ['throughput1', 'throughput, 1 stream'],
  ['throughput8', 'throughput, 8 streams'],
  ['latency', 'new connection latency'],
  ['opens', 'opens per second'],
] as const;

/** Cores the machine keeps busy over `ms` (before the bench starts anything heavy). */
async function busyCores(ms: number): Promise<number | undefined> {
  const before = machineBusySeconds();
  await new Promise((done) => setTimeout(done, ms));
  const after = machineBusySeconds();
  return before === undefined || after === undefined ? undefined : (after - before) / (ms / 1000);
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
  cleanup.install();
  try {
    await bench(options, cleanup);
  } catch (error) {
    if (cleanup.interrupted) return;
    process.stderr.write(`\nbench: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}

await main();
