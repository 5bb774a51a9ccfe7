/**
 * A load process of the load section (load-run.ts): a child that runs a few hundred agents, each
 * a real `TunnelClient` (agent/core/tunnel) with its own device certificate, session token and
 * mutually authenticated TLS WebSocket to the proxy, from a loopback source address of its own.
 *
 * Streams are opened with `TunnelClient.open`, the call the agent's local listener makes for each
 * accepted connection, on an in-memory socket ({@link MemorySocket}) instead of a local TCP
 * connection: the proxy sees exactly what it sees from `zerogate connect` (OPEN, DATA, FIN on the
 * tunnel; one upstream TCP connection per stream), while the load processes, which share the two
 * cores with the proxy, are spared two loopback sockets per stream.
 *
 * The child answers one request at a time from load-run.ts over IPC (`LoadRequest` in,
 * `LoadReplyMessage` out) and counts every error it sees: a tunnel that does not come up or
 * drops, an OPEN_FAIL, a held stream that ends, an echo that is wrong or late.
 *
 * Source addresses: by default each agent connects from its own loopback address, as agents
 * spread over many networks do (`--source-addresses 1` puts them behind one). `TunnelClient` has no
 * option for a local address, so this process wraps `tls.connect` (through which every `wss:`
 * connection of `ws` and of the agent's endpoint connector goes) to add the `localAddress` of the
 * agent whose certificate the connection carries.
 * Linux routes all of 127.0.0.0/8 to loopback.
 */
import { EventEmitter } from 'node:events';
import { syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { TunnelClient, type TunnelState } from '../../agent/core/tunnel/index.ts';
import type { ByteSocket, MuxStream } from '../../shared/mux/index.ts';
import type { Problem } from '../../shared/wire/index.ts';
import { compliantReport } from '../helpers/posture.ts';

export interface LoadAgentSpec {
  index: number;
  credentials: DeviceCredentials;
  /** Loopback source address of this agent's TLS connection (see the file comment). */
  localAddress: string;
}

export type LoadRequest =
  /** Start every agent (at most `concurrency` handshakes at a time), then send a compliant posture report on each. */
  | { kind: 'connect'; app: string; agents: LoadAgentSpec[]; concurrency: number; timeoutMs: number }
  /** Open `perAgent` streams on every agent, each echoed once, and hold them. */
  | { kind: 'open'; perAgent: number; concurrency: number; timeoutMs: number }
  /** Open, echo and close `count` extra streams round-robin over the agents, `ratePerSecond` started per second. */
  | { kind: 'latency'; count: number; ratePerSecond: number; timeoutMs: number }
  /** Echo once more on every held stream (they are all still live). */
  | { kind: 'verify'; concurrency: number; timeoutMs: number }
  /** Held streams, connected tunnels and errors so far. */
  | { kind: 'census' }
  /** Stop every agent (the tunnels close cleanly). */
  | { kind: 'stop' };

export type LoadErrorKind = 'upgrade' | 'disconnect' | 'open-fail' | 'reset' | 'timeout' | 'echo-mismatch';

export interface LoadErrors {
  total: number;
  byKind: Partial<Record<LoadErrorKind, number>>;
  /** The first few, with details. */
  first: string[];
}

export interface ConnectReply {
  connected: number;
  seconds: number;
}

export interface OpenReply {
  streams: number;
  seconds: number;
}

export interface LatencyReply {
  /** From `TunnelClient.open` (OPEN sent) to OPEN_OK, ms, one per successful open. */
  openMs: number[];
  /** From `TunnelClient.open` to the first echoed byte of the 8-byte probe sent at OPEN_OK, ms. */
  echoMs: number[];
  /** Opens that completed the whole cycle (OPEN_OK, echo, clean close both ways). */
  completed: number;
  seconds: number;
}

export interface VerifyReply {
  echoed: number;
  seconds: number;
}

export interface CensusReply {
  agents: number;
  connectedTunnels: number;
  heldStreams: number;
  errors: LoadErrors;
}

export type LoadRequestMessage = { id: number; request: LoadRequest };
export type LoadReplyMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

const FIRST_ERRORS_KEPT = 20;
const PROBE_BYTES = 8;

// --- the tls.connect wrapper (see the file comment) ---

const sourceByCert = new Map<string, string>();
const originalConnect = tls.connect;
(tls as { connect: typeof tls.connect }).connect = function connectFromAgentAddress(this: unknown, ...args: unknown[]) {
  // tls.connect passes `localAddress` on to the TCP connect, though its option type omits it.
  const options = args[0] as { cert?: unknown; localAddress?: string } | null | undefined;
  if (typeof options === 'object' && options !== null && typeof options.cert === 'string') {
    const local = sourceByCert.get(options.cert);
    if (local !== undefined) options.localAddress = local;
  }
  return (originalConnect as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
} as typeof tls.connect;
// Modules that took `connect` as a named ES import (`import { connect } from 'node:tls'`) see it too.
syncBuiltinESMExports();

// --- errors ---

const errors: LoadErrors = { total: 0, byKind: {}, first: [] };

function fail(kind: LoadErrorKind, detail: string): void {
  errors.total++;
  errors.byKind[kind] = (errors.byKind[kind] ?? 0) + 1;
  if (errors.first.length < FIRST_ERRORS_KEPT) errors.first.push(`${kind}: ${detail}`);
}

function describeProblem(problem: Problem | undefined): string {
  return problem === undefined ? 'no reason given' : `${problem.code} [${problem.reasons.join(', ')}] ${problem.message}`;
}

/**
 * The application end of one stream, in memory. The mux writes what the proxy sends (here: the
 * echo) with `write` and ends it with `end`; the "application" sends with {@link send} and
 * half-closes with {@link finish}. A clean finish needs no `close` event (the mux ends the
 * stream once FIN went both ways); `destroy` (a reset) emits one, as a TCP socket would.
 */
class MemorySocket extends EventEmitter implements ByteSocket {
  destroyed = false;
  readonly writableLength = 0;
  readonly writableNeedDrain = false;
  /** Called with every chunk the proxy sent. */
  onReceive: ((chunk: Uint8Array) => void) | undefined;

  write(chunk: Uint8Array): boolean {
    this.onReceive?.(chunk);
    return true;
  }

  end(): void {
    // The proxy's FIN: nothing to flush in memory.
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.nextTick(() => this.emit('close'));
  }

  pause(): void {}
  resume(): void {}

  send(bytes: Uint8Array): void {
    this.emit('data', bytes);
  }

  finish(): void {
    this.emit('end');
  }
}

interface HeldStream {
  socket: MemorySocket;
  stream: MuxStream;
  probe: Buffer;
}

interface Agent {
  index: number;
  deviceId: string;
  client: TunnelClient;
  held: Set<HeldStream>;
  /** Streams opened so far on this agent, for distinct probes. */
  opened: number;
  /** True once the tunnel first came up: a later state other than `connected` is a drop. */
  up: boolean;
  stopping: boolean;
}

const agents: Agent[] = [];
let stopping = false;

function probeFor(agent: Agent, n: number): Buffer {
  // 8 bytes: 4 of agent index, 4 of stream number, so a crossed stream shows as a mismatch.
  const probe = Buffer.alloc(PROBE_BYTES);
  probe.writeUInt32BE(agent.index >>> 0, 0);
  probe.writeUInt32BE(n >>> 0, 4);
  return probe;
}

/** Resolves once `expected` came back on `socket`; rejects on a mismatch or after `timeoutMs`. */
function awaitEcho(socket: MemorySocket, expected: Buffer, timeoutMs: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let length = 0;
    let firstAt = 0;
    const timer = setTimeout(() => {
      socket.onReceive = undefined;
      reject(new LoadError('timeout', `${what}: ${length} of ${expected.length} echoed bytes after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.onReceive = (chunk) => {
      if (firstAt === 0) firstAt = performance.now();
      got.push(Buffer.from(chunk));
      length += chunk.length;
      if (length < expected.length) return;
      clearTimeout(timer);
      socket.onReceive = undefined;
      const echoed = Buffer.concat(got);
      if (!echoed.equals(expected)) reject(new LoadError('echo-mismatch', `${what}: sent ${expected.toString('hex')}, got back ${echoed.toString('hex')}`));
      else resolve(firstAt);
    };
    socket.send(expected);
  });
}

class LoadError extends Error {
  constructor(
    readonly kind: LoadErrorKind,
    message: string,
  ) {
    super(message);
  }
}

function record(error: unknown, fallback: LoadErrorKind): void {
  if (error instanceof LoadError) fail(error.kind, error.message);
  else fail(fallback, error instanceof Error ? error.message : String(error));
}

/**
 * Opens one stream: resolves at OPEN_OK with the time it took, rejects on OPEN_FAIL or timeout.
 * `onEnd` runs when the stream ends afterwards (cleanly or by a reset).
 */
function openStream(
  agent: Agent,
  app: string,
  socket: MemorySocket,
  timeoutMs: number,
  onEnd: (problem: Problem | undefined) => void,
): Promise<{ stream: MuxStream; startedAt: number; openOkAt: number }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    // Only a stream that reached OPEN_OK can "end": a refused or timed-out open is counted once, there.
    let accepted = false;
    const startedAt = performance.now();
    const timer = setTimeout(() => {
      settled = true;
      socket.destroy();
      reject(new LoadError('timeout', `agent ${agent.index}: no OPEN_OK within ${timeoutMs} ms`));
    }, timeoutMs);
    let stream: MuxStream | undefined;
    agent.client
      .open({ app }, socket, {
        onOpenOk: () => {
          if (settled) return;
          settled = true;
          accepted = true;
          clearTimeout(timer);
          resolve({ stream: stream as MuxStream, startedAt, openOkAt: performance.now() });
        },
        onOpenFail: (problem) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(new LoadError('open-fail', `agent ${agent.index}: OPEN_FAIL ${describeProblem(problem)}`));
        },
        onClose: (problem) => {
          if (accepted) onEnd(problem);
        },
      })
      .then(
        (s) => {
          stream = s;
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(new LoadError('open-fail', `agent ${agent.index}: ${error instanceof Error ? error.message : String(error)}`));
        },
      );
  });
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}

async function startAgent(spec: LoadAgentSpec, timeoutMs: number): Promise<void> {
  sourceByCert.set(spec.credentials.certPem, spec.localAddress);
  let agent: Agent | undefined;
  const client = new TunnelClient({
    credentials: spec.credentials,
    onState: (state: TunnelState, detail) => {
      if (agent === undefined || agent.stopping || stopping) return;
      if (state === 'connected') {
        agent.up = true;
        return;
      }
      // Every failed attempt (refused, reset, timed out) and every drop ends in a scheduled
      // reconnect, reported once with its attempt number: count each of those.
      if (detail?.attempt === undefined) return;
      const why = describeProblem(client.lastProblem);
      if (agent.up) fail('disconnect', `agent ${spec.index}: the tunnel dropped (${state}): ${why}`);
      else fail('upgrade', `agent ${spec.index} from ${spec.localAddress}: attempt ${detail.attempt} failed (${state}): ${why}`);
    },
  });
  agent = { index: spec.index, deviceId: spec.credentials.enrollment.deviceId, client, held: new Set(), opened: 0, up: false, stopping: false };
  agents.push(agent);
  client.start();
  try {
    await client.waitConnected(timeoutMs);
  } catch (error) {
    fail('upgrade', `agent ${spec.index} from ${spec.localAddress}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const report = compliantReport({ hostname: `load-agent-${spec.index}`, hardwareId: `load-hw-${spec.index}` });
  if (!client.sendControl({ type: 'posture', report })) fail('disconnect', `agent ${spec.index}: the tunnel dropped before the posture report`);
}

let appId = '';

async function connectAll(request: Extract<LoadRequest, { kind: 'connect' }>): Promise<ConnectReply> {
  const started = performance.now();
  appId = request.app;
  await pool(request.agents, request.concurrency, (spec) => startAgent(spec, request.timeoutMs));
  return { connected: agents.filter((a) => a.client.state === 'connected').length, seconds: (performance.now() - started) / 1000 };
}

async function openHeld(agent: Agent, timeoutMs: number): Promise<void> {
  const n = agent.opened++;
  const socket = new MemorySocket();
  const probe = probeFor(agent, n);
  let held: HeldStream | undefined;
  try {
    const { stream } = await openStream(agent, appId, socket, timeoutMs, (problem) => {
      if (held !== undefined) agent.held.delete(held);
      if (!agent.stopping && !stopping) fail('reset', `agent ${agent.index}: held stream ${n} ended: ${describeProblem(problem)}`);
    });
    held = { socket, stream, probe };
    agent.held.add(held);
    await awaitEcho(socket, probe, timeoutMs, `agent ${agent.index} stream ${n}`);
  } catch (error) {
    record(error, 'open-fail');
  }
}

async function openAll(request: Extract<LoadRequest, { kind: 'open' }>): Promise<OpenReply> {
  const started = performance.now();
  const live = agents.filter((a) => a.client.state === 'connected');
  // Agent by agent, its streams together: each device stays far below its open-rate budget.
  await pool(live, request.concurrency, (agent) => Promise.all(Array.from({ length: request.perAgent }, () => openHeld(agent, request.timeoutMs))).then(() => undefined));
  return { streams: heldStreams(), seconds: (performance.now() - started) / 1000 };
}

/** One timed open: OPEN → OPEN_OK, a probe echoed, then a clean close both ways. */
async function timedOpen(agent: Agent, timeoutMs: number, out: LatencyReply): Promise<void> {
  const n = agent.opened++;
  const socket = new MemorySocket();
  const probe = probeFor(agent, n);
  let ended: ((problem: Problem | undefined) => void) | undefined;
  const endedPromise = new Promise<Problem | undefined>((resolve) => (ended = resolve));
  try {
    const { startedAt, openOkAt } = await openStream(agent, appId, socket, timeoutMs, (problem) => ended?.(problem));
    const echoAt = await awaitEcho(socket, probe, timeoutMs, `agent ${agent.index} timed stream ${n}`);
    socket.finish();
    let timer: NodeJS.Timeout | undefined;
    const problem = await Promise.race([
      endedPromise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new LoadError('timeout', `agent ${agent.index}: timed stream ${n} did not close within ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    if (problem !== undefined) throw new LoadError('reset', `agent ${agent.index}: timed stream ${n} was reset on close: ${describeProblem(problem)}`);
    out.openMs.push(openOkAt - startedAt);
    out.echoMs.push(echoAt - startedAt);
    out.completed++;
  } catch (error) {
    record(error, 'open-fail');
  }
}

async function latency(request: Extract<LoadRequest, { kind: 'latency' }>): Promise<LatencyReply> {
  const out: LatencyReply = { openMs: [], echoMs: [], completed: 0, seconds: 0 };
  const live = agents.filter((a) => a.client.state === 'connected');
  if (live.length === 0 || request.count === 0) return out;
  const started = performance.now();
  const interval = 1000 / request.ratePerSecond;
  const running: Promise<void>[] = [];
  // Open loop: open k starts at k x interval whatever the others do, so a slow answer shows as
  // latency instead of lowering the rate. Round-robin over the agents.
  for (let k = 0; k < request.count; k++) {
    const wait = started + k * interval - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(timedOpen(live[k % live.length] as Agent, request.timeoutMs, out));
  }
  await Promise.all(running);
  out.seconds = (performance.now() - started) / 1000;
  return out;
}

async function verify(request: Extract<LoadRequest, { kind: 'verify' }>): Promise<VerifyReply> {
  const started = performance.now();
  const all = agents.flatMap((agent) => [...agent.held].map((held) => ({ agent, held })));
  let echoed = 0;
  await pool(all, request.concurrency, async ({ agent, held }) => {
    try {
      await awaitEcho(held.socket, held.probe, request.timeoutMs, `agent ${agent.index} held stream ${held.stream.id} (second echo)`);
      echoed++;
    } catch (error) {
      record(error, 'timeout');
    }
  });
  return { echoed, seconds: (performance.now() - started) / 1000 };
}

function heldStreams(): number {
  return agents.reduce((sum, a) => sum + a.held.size, 0);
}

function census(): CensusReply {
  return {
    agents: agents.length,
    connectedTunnels: agents.filter((a) => a.client.state === 'connected').length,
    heldStreams: heldStreams(),
    errors,
  };
}

async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    agents.map((agent) => {
      agent.stopping = true;
      return agent.client.stop();
    }),
  );
}

async function handle(request: LoadRequest): Promise<unknown> {
  switch (request.kind) {
    case 'connect':
      return connectAll(request);
    case 'open':
      return openAll(request);
    case 'latency':
      return latency(request);
    case 'verify':
      return verify(request);
    case 'census':
      return census();
    case 'stop':
      await stopAll();
      return census();
  }
}

process.on('message', (message: LoadRequestMessage) => {
  handle(message.request).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies LoadReplyMessage),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies LoadReplyMessage),
  );
});
process.on('disconnect', () => process.exit(0));
