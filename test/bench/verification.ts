/**
 * The continuous-verification section of `npm run bench` (DESIGN.md §3 and §11, issue 4): how
 * fast the proxy cuts live streams when a device is revoked or its posture fails, with 100
 * agents holding 1,000 live streams, how long one policy evaluation takes, and the proxy's
 * memory with those streams held.
 *
 *   echo app (echo-upstream.ts) ◀── proxy (`zerogate-proxy serve`, SQLite store in its data dir)
 *        ◀══ 100 tunnels ══ agents (verification-agents.ts, in `agentProcesses` child processes)
 *
 * - Revocation: the bench process opens the proxy's store, as `zerogate-proxy device revoke`
 *   does, and calls `revokeDevice`; the proxy's watcher polls the store every 250 ms and ends the
 *   device's tunnels. The sample is the time from `revokeDevice` returning to the last of the
 *   device's 10 streams closing at the agent side (wall clock, compared across processes).
 * - Posture failure: the app's policy requires a fresh report with disk encryption on; an agent
 *   sends one with it off. The sample is the time from just before the report is sent to the
 *   last of its streams closing, all in the agent's process.
 * - Policy evaluation: `benchEvaluate` (proxy/policy/bench.ts) in the bench process.
 * - Proxy memory: resident set of the proxy with the tunnels alone and with the 1,000 streams.
 *
 * Revocations and posture failures are made one at a time, each after a random pause of up to
 * one watcher period, so they land at every phase of the watcher's poll.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { obtainPinnedCa } from '../../agent/core/enroll/index.ts';
import { createEnrollmentToken, REVOCATION_POLL_MS } from '../../proxy/devices/index.ts';
import { benchEvaluate } from '../../proxy/policy/index.ts';
import { SqliteStore } from '../../proxy/store/index.ts';
import type { Cleanup } from './cleanup.ts';
import { memoryMiB } from './cpu.ts';
import type { VerificationPlan } from './options.ts';
import { forkTs, freePort, Service } from './processes.ts';
import { round, summarize } from './stats.ts';
import {
  wallNow,
  type AgentReplyMessage,
  type AgentRequest,
  type AgentRequestMessage,
  type AgentSpec,
  type CensusReply,
  type ClosedReply,
  type EnrolReply,
  type OpenReply,
  type PostureFailReply,
} from './verification-agents.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_BIN = join(REPO, 'bin', 'zerogate-proxy.js');
const APP = 'managed';
const POLICY = 'managed-device';
const USER = 'bench@example.com';
/** The proxy's store file in its data dir (proxy/server/start.ts STORE_FILE). */
const STORE_FILE = 'zerogate.db';
const START_TIMEOUT_MS = 60_000;
/** Longer than any plausible cut: a device whose streams outlive this is a broken path. */
const CUT_TIMEOUT_MS = 10_000;
/** The proxy's enrolment limit is 20 per minute per source address (proxy/server/app.ts). */
const ENROLMENTS_PER_SOURCE = 15;
/** Parallel enrolments per agent process (key generation runs on the thread pool). */
const ENROL_CONCURRENCY = 4;
/** Pause after the tunnels come up and after the streams open, before memory is read. */
const SETTLE_MS = 1_000;
/** A close this long before the revocation cannot have been caused by it. */
const EARLY_CLOSE_TOLERANCE_MS = 50;

/** A latency distribution, ms; samples kept in the JSON (there are few). */
export interface LatencyFigure {
  n: number;
  p50Ms: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  samplesMs: number[];
}

export interface VerificationFigures {
  revocation: LatencyFigure;
  postureFailure: LatencyFigure;
  policyEvaluation: { iterations: number; p50Us: number; p99Us: number };
  /** Resident memory of the proxy process, MiB (null when /proc is not readable). */
  proxyMemoryMiB: {
    /** The tunnels up and reporting posture, no stream yet. */
    tunnelsOnly: number | null;
    /** With every stream held. */
    withStreams: number | null;
    /** Peak resident set of the proxy so far (VmHWM) at that point. */
    peak: number | null;
    /** (withStreams - tunnelsOnly) / streams, KiB. */
    perStreamKiB: number | null;
  };
}

export interface VerificationSection {
  plan: VerificationPlan;
  setup: {
    agents: number;
    streams: number;
    agentProcesses: number;
    enrolSeconds: number;
    openSeconds: number;
    watcherPollMs: number;
    policy: string;
    enrolment: string;
  };
  figures: VerificationFigures;
  checks: {
    /** Streams of untouched devices still open at the end, and how many there should be. */
    untouchedStreamsOpen: number;
    untouchedStreamsExpected: number;
    /** Posture failures whose tunnel stayed up (it should: only the streams are cut). */
    postureTunnelsKeptUp: number;
    /** Posture failures whose notice named `disk-unencrypted`. */
    postureNoticesWithReason: number;
  };
  durationSeconds: number;
  anomalies: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function latencyFigure(samples: number[]): LatencyFigure {
  const s = summarize(samples);
  return {
    n: s.n,
    p50Ms: round(s.p50, 1),
    p99Ms: round(s.p99, 1),
    minMs: round(s.min, 1),
    maxMs: round(s.max, 1),
    meanMs: round(s.mean, 1),
    samplesMs: samples.map((v) => round(v, 1)),
  };
}

/** One child process of agents, asked one request at a time. */
class AgentProcess {
  readonly child: ChildProcess;
  readonly name: string;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(name: string, cleanup: Cleanup) {
    this.name = name;
    this.child = forkTs(new URL('./verification-agents.ts', import.meta.url), [], cleanup);
    this.child.on('message', (message: AgentReplyMessage) => {
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

  call<T>(request: AgentRequest): Promise<T> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, request } satisfies AgentRequestMessage);
    });
  }

  /** Disconnecting makes the child exit (its tunnels drop with it); SIGKILL if it does not. */
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

async function startEcho(cleanup: Cleanup): Promise<{ child: ChildProcess; port: number }> {
  const child = forkTs(new URL('./echo-upstream.ts', import.meta.url), [], cleanup);
  cleanup.add('echo app', () => stopForked(child));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the echo app did not start')), START_TIMEOUT_MS);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      done(message.port);
    });
    child.once('exit', (code) => fail(new Error(`the echo app exited (${code}) before listening`)));
  });
  return { child, port };
}

function writeConfig(file: string, proxyPort: number, echoPort: number): void {
  writeFileSync(
    file,
    `# Written by test/bench/verification.ts for one bench run.
server:
  listen: "127.0.0.1:${proxyPort}"
  hostnames: [localhost, 127.0.0.1]
dataDir: ./data
audit:
  file: ./audit.jsonl
apps:
  - id: ${APP}
    name: Bench echo app (posture required)
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

export interface VerificationInput {
  dir: string;
  plan: VerificationPlan;
  cleanup: Cleanup;
  progress: (line: string) => void;
}

/**
 * Runs the section and tears its processes down. Throws when the path is broken (a process does
 * not start, an agent cannot enrol or open its streams, a cut does not happen within 10 s);
 * missed targets are for the caller to report.
 */
export async function runVerification(input: VerificationInput): Promise<VerificationSection> {
  const { dir, plan, cleanup, progress } = input;
  if (plan.revocations + plan.postureFailures > plan.agents) throw new TypeError('verification plan: more revocations and posture failures than agents');
  const started = Date.now();
  const anomalies: string[] = [];
  mkdirSync(dir, { recursive: true });

  const echo = await startEcho(cleanup);
  const configFile = join(dir, 'zerogate.yaml');
  writeConfig(configFile, await freePort(), echo.port);
  const proxy = new Service('verification proxy', process.execPath, [PROXY_BIN, 'serve', '--config', configFile], cleanup, { logFile: join(dir, 'proxy.log') });
  cleanup.add('verification proxy', () => proxy.stop());
  const processes = Array.from({ length: plan.agentProcesses }, (_, i) => new AgentProcess(`agent process ${i + 1}`, cleanup));
  for (const p of processes) cleanup.add(p.name, () => p.stop());
  let store: SqliteStore | undefined;
  try {
    const proxyUrl = (await proxy.waitFor(/listening on (https:\/\/\S+)/, START_TIMEOUT_MS, 'listening line'))[1] as string;
    const fingerprint = (await proxy.waitFor(/fingerprint \(SHA-256\): (\S+)/, START_TIMEOUT_MS, 'CA fingerprint'))[1] as string;
    const storeFile = join(dir, 'data', STORE_FILE);
    if (!existsSync(storeFile)) throw new Error(`the proxy's store is not at ${storeFile}`);
    store = SqliteStore.open(storeFile);

    // One one-time token per device, made as `zerogate-proxy token create` makes them.
    const specs: AgentSpec[] = [];
    for (let index = 0; index < plan.agents; index++) {
      const { token } = await createEnrollmentToken(store, USER, 60 * 60_000);
      specs.push({ index, token, localAddress: `127.0.0.${10 + Math.floor(index / ENROLMENTS_PER_SOURCE)}` });
    }
    const { caPem } = await obtainPinnedCa(new URL(proxyUrl), { caFingerprint: fingerprint });
    progress(`verification: enrolling ${plan.agents} devices over ${plan.agentProcesses} processes, connecting their tunnels, reporting compliant posture`);
    const enrolled = await Promise.all(
      processes.map((p, i) =>
        p.call<EnrolReply>({
          kind: 'enrol',
          proxyUrl,
          caPem,
          caFingerprint: fingerprint,
          app: APP,
          agents: specs.filter((s) => s.index % plan.agentProcesses === i),
          concurrency: ENROL_CONCURRENCY,
        }),
      ),
    );
    const devices = new Map<number, { deviceId: string; process: AgentProcess }>();
    enrolled.forEach((reply, i) => {
      for (const a of reply.agents) devices.set(a.index, { deviceId: a.deviceId, process: processes[i] as AgentProcess });
    });
    const enrolSeconds = Math.max(...enrolled.map((r) => r.seconds));
    await sleep(SETTLE_MS);
    const tunnelsOnly = memoryMiB(proxy.pid);

    progress(`verification: opening ${plan.streamsPerAgent} streams per agent (${plan.agents * plan.streamsPerAgent} in all), each echoed once, then held`);
    const opened = await Promise.all(processes.map((p) => p.call<OpenReply>({ kind: 'open', perAgent: plan.streamsPerAgent })));
    const streams = opened.reduce((sum, r) => sum + r.streams, 0);
    if (streams !== plan.agents * plan.streamsPerAgent) throw new Error(`only ${streams} of ${plan.agents * plan.streamsPerAgent} streams are live`);
    await sleep(SETTLE_MS);
    const withStreams = memoryMiB(proxy.pid);
    progress(`verification: ${streams} live streams; proxy resident memory ${withStreams?.rss.toFixed(1) ?? '?'} MiB (${tunnelsOnly?.rss.toFixed(1) ?? '?'} MiB with the tunnels alone)`);

    progress(`verification: revoking ${plan.revocations} devices one at a time (the proxy polls its store every ${REVOCATION_POLL_MS} ms)`);
    const revocationMs: number[] = [];
    for (let index = 0; index < plan.revocations; index++) {
      const device = devices.get(index);
      if (device === undefined) throw new Error(`agent ${index} did not enrol`);
      await sleep(Math.random() * REVOCATION_POLL_MS);
      if (!(await store.revokeDevice(device.deviceId, Date.now(), 'bench'))) throw new Error(`device ${device.deviceId} was not active`);
      const revokedAt = wallNow();
      const closed = await device.process.call<ClosedReply>({ kind: 'await-closed', deviceId: device.deviceId, timeoutMs: CUT_TIMEOUT_MS });
      if (closed.streams !== plan.streamsPerAgent) anomalies.push(`revocation: device ${index} closed ${closed.streams} streams, not ${plan.streamsPerAgent}`);
      if (closed.firstCloseAt < revokedAt - EARLY_CLOSE_TOLERANCE_MS) {
        anomalies.push(`revocation: a stream of device ${index} closed ${(revokedAt - closed.firstCloseAt).toFixed(0)} ms before its revocation`);
      }
      revocationMs.push(Math.max(0, closed.lastCloseAt - revokedAt));
    }

    progress(`verification: ${plan.postureFailures} devices send a failing posture report (disk encryption off), one at a time`);
    const postureMs: number[] = [];
    let postureTunnelsKeptUp = 0;
    let postureNoticesWithReason = 0;
    for (let index = plan.revocations; index < plan.revocations + plan.postureFailures; index++) {
      const device = devices.get(index);
      if (device === undefined) throw new Error(`agent ${index} did not enrol`);
      await sleep(Math.random() * REVOCATION_POLL_MS);
      const reply = await device.process.call<PostureFailReply>({ kind: 'posture-fail', deviceId: device.deviceId, timeoutMs: CUT_TIMEOUT_MS });
      if (reply.streams !== plan.streamsPerAgent) anomalies.push(`posture failure: device ${index} had ${reply.streams} streams open, not ${plan.streamsPerAgent}`);
      if (reply.tunnelState === 'connected') postureTunnelsKeptUp++;
      if (reply.noticeReasons?.includes('disk-unencrypted') === true) postureNoticesWithReason++;
      postureMs.push(reply.ms);
    }
    if (postureTunnelsKeptUp < plan.postureFailures) {
      anomalies.push(`posture failure: ${plan.postureFailures - postureTunnelsKeptUp} of ${plan.postureFailures} tunnels went down (only the streams should be cut)`);
    }
    if (postureNoticesWithReason < plan.postureFailures) {
      anomalies.push(`posture failure: ${plan.postureFailures - postureNoticesWithReason} of ${plan.postureFailures} cuts came without a notice naming disk-unencrypted`);
    }

    const census = await Promise.all(processes.map((p) => p.call<CensusReply>({ kind: 'census' })));
    const untouchedStreamsOpen = census.reduce((sum, c) => sum + c.openStreams, 0);
    const untouchedStreamsExpected = (plan.agents - plan.revocations - plan.postureFailures) * plan.streamsPerAgent;
    if (untouchedStreamsOpen !== untouchedStreamsExpected) {
      anomalies.push(`${untouchedStreamsExpected - untouchedStreamsOpen} streams of devices neither revoked nor failing posture were closed too`);
    }

    progress('verification: stopping agents and proxy; timing policy evaluation');
    await Promise.all(processes.map((p) => p.stop()));
    await proxy.stop();
    await stopForked(echo.child);
    const policyEvaluation = benchEvaluate(plan.policyIterations);

    const rss = (m: { rss: number } | undefined) => (m === undefined ? null : round(m.rss, 1));
    const perStream =
      tunnelsOnly === undefined || withStreams === undefined ? null : round(((withStreams.rss - tunnelsOnly.rss) * 1024) / streams, 1);
    return {
      plan,
      setup: {
        agents: plan.agents,
        streams,
        agentProcesses: plan.agentProcesses,
        enrolSeconds: round(enrolSeconds, 1),
        openSeconds: round(Math.max(...opened.map((r) => r.seconds)), 1),
        watcherPollMs: REVOCATION_POLL_MS,
        policy: `app ${APP}: policy ${POLICY}, allow users [${USER}], require posture { maxAge: 5m, diskEncryption: true }`,
        enrolment: `POST /v1/enroll with a one-time token per device (store createEnrollmentToken), from 127.0.0.10+ (${ENROLMENTS_PER_SOURCE} per source address: the proxy allows 20 per minute per address)`,
      },
      figures: {
        revocation: latencyFigure(revocationMs),
        postureFailure: latencyFigure(postureMs),
        policyEvaluation,
        proxyMemoryMiB: { tunnelsOnly: rss(tunnelsOnly), withStreams: rss(withStreams), peak: withStreams === undefined ? null : round(withStreams.peak, 1), perStreamKiB: perStream },
      },
      checks: { untouchedStreamsOpen, untouchedStreamsExpected, postureTunnelsKeptUp, postureNoticesWithReason },
      durationSeconds: Math.round((Date.now() - started) / 1000),
      anomalies,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The proxy's last lines say why it refused or stopped (its log file goes with the temp dir).
    throw new Error(`${message}\n${proxy.tail()}`);
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await proxy.stop();
    await stopForked(echo.child);
    await store?.close();
  }
}
