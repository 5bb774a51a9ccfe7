/**
 * Agents for the continuous-verification section (verification.ts), in a child process of their
 * own so that the proxy and the bench process do not share an event loop with them. Each agent is
 * what `zerogate connect` runs, built from the same parts: an enrolled device (its own key,
 * certificate and session token), a `TunnelClient` that sends the session as the bearer, a
 * compliant posture report over CONTROL, and a local listener (`listenApp`) on 127.0.0.1. Its
 * streams are real TCP connections to that listener, each carried through the tunnel to the echo
 * app, echoed once to prove it is live, then held open.
 *
 * The child answers one request at a time from verification.ts over IPC (`AgentRequest` in,
 * `AgentReply` out) and records the wall-clock time each held stream closes, so the parent can
 * time a revocation made in another process against it.
 *
 * Enrolment goes to the proxy's real `POST /v1/enroll` with a one-time token, exactly as
 * `enrollWithToken` (agent/core/enroll) does it, with one difference: the request leaves from a
 * chosen loopback source address (127.0.0.x). The proxy allows 20 enrolments per minute per
 * source address, and 100 devices from 127.0.0.1 alone would take five minutes.
 */
import { generateKeyPair } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { checkIssuedCertificate, createCsr, sessionStateOf, type EnrollResult } from '../../agent/core/enroll/index.ts';
import { DEVICE_KEY_BITS } from '../../agent/core/enroll/keys.ts';
import { parseJsonResponse } from '../../agent/core/http/request.ts';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { listenApp, TunnelClient, type AppListener } from '../../agent/core/tunnel/index.ts';
import type { ControlMessage } from '../../shared/wire/index.ts';
import { compliantReport, unencryptedReport } from '../helpers/posture.ts';

export interface AgentSpec {
  index: number;
  /** A one-time enrolment token for this agent's device. */
  token: string;
  /** Loopback source address of the enrolment request (see the file comment). */
  localAddress: string;
}

export type AgentRequest =
  /** Enrol every agent, connect its tunnel, report compliant posture, open its listener. */
  | { kind: 'enrol'; proxyUrl: string; caPem: string; caFingerprint: string; app: string; agents: AgentSpec[]; concurrency: number }
  /** Open `perAgent` streams on every agent of this process, each echoed once, and hold them. */
  | { kind: 'open'; perAgent: number }
  /** Wait until every stream of `deviceId` has closed; then stop that agent (it was revoked). */
  | { kind: 'await-closed'; deviceId: string; timeoutMs: number }
  /** Send a failing posture report (disk encryption off) from `deviceId`; time until its streams are reset. */
  | { kind: 'posture-fail'; deviceId: string; timeoutMs: number }
  /** Streams still open and tunnels still connected. */
  | { kind: 'census' };

export interface EnrolReply {
  agents: { index: number; deviceId: string }[];
  /** Seconds from the request to the last agent connected and reporting. */
  seconds: number;
}

export interface OpenReply {
  streams: number;
  seconds: number;
}

export interface ClosedReply {
  streams: number;
  /** Wall-clock ms (performance.timeOrigin + performance.now()) of the first and last close. */
  firstCloseAt: number;
  lastCloseAt: number;
}

export interface PostureFailReply {
  streams: number;
  /** From just before the report was sent to the last stream closed, ms. */
  ms: number;
  /** The reasons of the proxy's notice about the cut, when it arrived within a second. */
  noticeReasons: string[] | undefined;
  /** The tunnel's state afterwards: a posture failure cuts streams, not the tunnel. */
  tunnelState: string;
}

export interface CensusReply {
  openStreams: number;
  connectedTunnels: number;
  agents: number;
}

export type AgentRequestMessage = { id: number; request: AgentRequest };
export type AgentReplyMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

const HOST = '127.0.0.1';
const ECHO_TIMEOUT_MS = 10_000;
const NOTICE_WAIT_MS = 1_000;

interface Agent {
  index: number;
  deviceId: string;
  client: TunnelClient;
  listener: AppListener;
  /** Held streams still open. */
  open: Set<Socket>;
  /** Wall-clock close time of every held stream that closed. */
  closedAt: number[];
  /** Streams opened so far (open + closed). */
  opened: number;
  notices: ControlMessage[];
  /** Wakes whoever waits on this agent's streams or notices. */
  wake: (() => void) | undefined;
}

const agents = new Map<string, Agent>();

function generateKey(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  // The same key as generateDeviceKey() makes, generated on the thread pool so that several
  // enrolments of this process proceed in parallel.
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: DEVICE_KEY_BITS,
        publicExponent: 0x10001,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      },
      (error, publicKeyPem, privateKeyPem) => (error === null ? resolve({ privateKeyPem, publicKeyPem }) : reject(error)),
    );
  });
}

function postJson(url: URL, body: unknown, caPem: string, localAddress: string): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        ca: caPem,
        minVersion: 'TLSv1.2',
        agent: false,
        localAddress,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.pathname} in time`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `enrollWithToken` (agent/core/enroll), from a chosen source address, keeping the result in memory. */
async function enrol(spec: AgentSpec, proxyUrl: string, caPem: string, caFingerprint: string): Promise<DeviceCredentials> {
  const key = await generateKey();
  const hostname = `bench-agent-${String(spec.index).padStart(3, '0')}`;
  const csr = createCsr(key.privateKeyPem, { commonName: hostname });
  const proxy = new URL(proxyUrl);
  let result: EnrollResult;
  try {
    const response = await postJson(new URL('/v1/enroll', proxy), { token: spec.token, csr, hostname }, caPem, spec.localAddress);
    result = parseJsonResponse<EnrollResult>(response, 'enrolment');
    checkIssuedCertificate(result.certificate, caPem, key.publicKeyPem);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`agent ${spec.index}: enrolment from ${spec.localAddress} failed: ${typeof code === 'string' ? `${code} ` : ''}${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    enrollment: {
      proxyUrl: proxy.origin,
      deviceId: result.deviceId,
      user: result.user,
      caFingerprint,
      certNotAfter: result.notAfter,
      enrolledAt: new Date().toISOString(),
    },
    keyPem: key.privateKeyPem,
    certPem: result.certificate,
    caPem,
    session: sessionStateOf(result.session),
  };
}

async function startAgent(spec: AgentSpec, request: Extract<AgentRequest, { kind: 'enrol' }>): Promise<Agent> {
  const credentials = await enrol(spec, request.proxyUrl, request.caPem, request.caFingerprint);
  const deviceId = credentials.enrollment.deviceId;
  const notices: ControlMessage[] = [];
  let agent: Agent | undefined;
  const client = new TunnelClient({
    credentials,
    onControl: (message) => {
      notices.push(message);
      agent?.wake?.();
    },
  });
  client.start();
  await client.waitConnected(30_000);
  // Compliant posture first: the app's policy refuses streams of a device that has not reported.
  const report = compliantReport({ hostname: `bench-agent-${spec.index}`, hardwareId: `bench-hw-${spec.index}` });
  if (!client.sendControl({ type: 'posture', report })) throw new Error(`agent ${spec.index}: the tunnel dropped before the posture report`);
  const listener = await listenApp(client, request.app, { host: HOST, port: 0 });
  agent = { index: spec.index, deviceId, client, listener, open: new Set(), closedAt: [], opened: 0, notices, wake: undefined };
  return agent;
}

async function enrolAll(request: Extract<AgentRequest, { kind: 'enrol' }>): Promise<EnrolReply> {
  const started = performance.now();
  const queue = [...request.agents];
  const out: EnrolReply['agents'] = [];
  const worker = async () => {
    for (let spec = queue.shift(); spec !== undefined; spec = queue.shift()) {
      const agent = await startAgent(spec, request);
      agents.set(agent.deviceId, agent);
      out.push({ index: agent.index, deviceId: agent.deviceId });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, request.concurrency) }, worker));
  return { agents: out.sort((a, b) => a.index - b.index), seconds: (performance.now() - started) / 1000 };
}

/** One held stream: connect to the agent's listener, echo 8 bytes through the tunnel, keep it open. */
function openStream(agent: Agent, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = Buffer.from(`zg${String(agent.index).padStart(3, '0')}${String(n).padStart(3, '0')}`);
    const socket = connect({ port: agent.listener.address.port, host: HOST, noDelay: true });
    let echoed = 0;
    let live = false;
    const timer = setTimeout(() => socket.destroy(new Error(`agent ${agent.index}: no echo on stream ${n} within ${ECHO_TIMEOUT_MS} ms`)), ECHO_TIMEOUT_MS);
    socket.on('error', (error) => {
      if (!live) reject(error);
    });
    socket.on('data', (chunk: Buffer) => {
      if (live) return;
      echoed += chunk.length;
      if (echoed >= probe.length) {
        live = true;
        clearTimeout(timer);
        agent.open.add(socket);
        agent.opened++;
        resolve();
      }
    });
    socket.once('close', () => {
      clearTimeout(timer);
      if (!live) {
        reject(new Error(`agent ${agent.index}: stream ${n} closed before its echo (the proxy refused it?)`));
        return;
      }
      agent.open.delete(socket);
      agent.closedAt.push(wallNow());
      agent.wake?.();
    });
    socket.once('connect', () => socket.write(probe));
  });
}

async function openAll(perAgent: number): Promise<OpenReply> {
  const started = performance.now();
  // Agent by agent, its streams together: keeps each device well under its open-rate budget.
  for (const agent of agents.values()) {
    await Promise.all(Array.from({ length: perAgent }, (_, n) => openStream(agent, n)));
  }
  let streams = 0;
  for (const agent of agents.values()) streams += agent.open.size;
  return { streams, seconds: (performance.now() - started) / 1000 };
}

/** Resolves once `done()` holds, re-checked whenever the agent wakes; rejects after `timeoutMs`. */
function until(agent: Agent, done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      agent.wake = undefined;
      reject(new Error(what()));
    }, timeoutMs);
    agent.wake = () => {
      if (!done()) return;
      clearTimeout(timer);
      agent.wake = undefined;
      resolve();
    };
  });
}

function agentOf(deviceId: string): Agent {
  const agent = agents.get(deviceId);
  if (agent === undefined) throw new Error(`no agent with device ${deviceId} in this process`);
  return agent;
}

async function awaitClosed(deviceId: string, timeoutMs: number): Promise<ClosedReply> {
  const agent = agentOf(deviceId);
  await until(agent, () => agent.open.size === 0, timeoutMs, () => `device ${deviceId}: ${agent.open.size} of ${agent.opened} streams still open ${timeoutMs} ms after its revocation`);
  // Revoked: stop it, so it does not keep knocking at the proxy.
  await agent.client.stop();
  await agent.listener.close();
  return { streams: agent.closedAt.length, firstCloseAt: Math.min(...agent.closedAt), lastCloseAt: Math.max(...agent.closedAt) };
}

async function postureFail(deviceId: string, timeoutMs: number): Promise<PostureFailReply> {
  const agent = agentOf(deviceId);
  const streams = agent.open.size;
  const noticesBefore = agent.notices.length;
  const report = unencryptedReport();
  const started = wallNow();
  if (!agent.client.sendControl({ type: 'posture', report: { ...report, hostname: `bench-agent-${agent.index}`, hardwareId: `bench-hw-${agent.index}` } })) {
    throw new Error(`device ${deviceId}: the tunnel is not connected, cannot send the failing report`);
  }
  await until(agent, () => agent.open.size === 0, timeoutMs, () => `device ${deviceId}: ${agent.open.size} of ${streams} streams still open ${timeoutMs} ms after its failing posture report`);
  const ms = Math.max(...agent.closedAt) - started;
  // The notice follows the resets on the wire; it is not part of the timing.
  const cut = () => agent.notices.slice(noticesBefore).find((n) => n.type === 'notice');
  await until(agent, () => cut() !== undefined, NOTICE_WAIT_MS, () => 'no notice').catch(() => undefined);
  const reasons = cut()?.reasons;
  return {
    streams,
    ms,
    noticeReasons: Array.isArray(reasons) ? reasons.filter((r): r is string => typeof r === 'string') : undefined,
    tunnelState: agent.client.state,
  };
}

function census(): CensusReply {
  let openStreams = 0;
  let connectedTunnels = 0;
  for (const agent of agents.values()) {
    openStreams += agent.open.size;
    if (agent.client.state === 'connected') connectedTunnels++;
  }
  return { openStreams, connectedTunnels, agents: agents.size };
}

async function handle(request: AgentRequest): Promise<unknown> {
  switch (request.kind) {
    case 'enrol':
      return enrolAll(request);
    case 'open':
      return openAll(request.perAgent);
    case 'await-closed':
      return awaitClosed(request.deviceId, request.timeoutMs);
    case 'posture-fail':
      return postureFail(request.deviceId, request.timeoutMs);
    case 'census':
      return census();
  }
}

process.on('message', (message: AgentRequestMessage) => {
  handle(message.request).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies AgentReplyMessage),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies AgentReplyMessage),
  );
});
process.on('disconnect', () => process.exit(0));
