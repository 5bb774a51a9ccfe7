import type { ClientRequestArgs, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { ZerogateError } from '../../../shared/errors.ts';
import { attachFrameReader, Mux, wsTransport, type ByteSocket, type MuxStream, type OpenRequest, type StreamEvents } from '../../../shared/mux/index.ts';
import { HEADER_SIZE, LIMITS_HEADER, MAX_MISSED_PONGS, PING_INTERVAL_MS, parseLimitsHeader, type ControlMessage, type Problem, type WireLimits } from '../../../shared/wire/index.ts';
import { endpointConnector, isEndpointFailure } from '../http/connect.ts';
import { describeEndpoint, endpointsFor, ProxyEndpoints, type ProxyEndpoint } from '../http/endpoints.ts';
import { proxyUrlsOf, type DeviceCredentials } from '../state/index.ts';

/** Reconnect backoff (full jitter): the delay before attempt n is random in [0, min(max, initial·2ⁿ)]. */
export const BACKOFF_INITIAL_MS = 250;
export const BACKOFF_MAX_MS = 30_000;
/** How long a new local connection waits for the tunnel to come (back) up before it is refused. */
export const OPEN_WAIT_MS = 10_000;
export const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_TRANSPORT_MESSAGE = 1024 * 1024 + HEADER_SIZE;

export type TunnelState = 'connecting' | 'connected' | 'disconnected' | 'denied' | 'stopped';

export interface TunnelStateDetail {
  problem?: Problem;
  attempt?: number;
  delayMs?: number;
  /** The endpoint connected to (`connected`), or the one that failed (`connecting`: moving on to the next). */
  endpoint?: ProxyEndpoint;
}

export interface TunnelClientOptions {
  credentials: DeviceCredentials;
  /** Override the proxy origin (tests); defaults to the enrolment's. */
  proxyUrl?: string;
  /**
   * The endpoints to use (docs/failover.md). Default: the enrolment's proxy URLs, shared with
   * the agent's HTTPS calls in this process ({@link endpointsFor}); `proxyUrl` gives one of its own.
   */
  endpoints?: ProxyEndpoints;
  /** Deadline for TCP and TLS to one endpoint before the next is tried (default ENDPOINT_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /**
   * The agent pings the proxy this often and presumes the connection dead after
   * MAX_MISSED_PONGS unanswered pings (a dropped network sends no FIN). Default 15 s.
   */
  keepaliveMs?: number;
  onState?: (state: TunnelState, detail?: TunnelStateDetail) => void;
  onControl?: (message: ControlMessage) => void;
  /** The session token sent as `Authorization: Bearer` at each upgrade (DESIGN.md §3). */
  bearer?: () => string | undefined;
  /**
   * Runs before each connection attempt, e.g. to renew an expired session token over HTTP.
   * Its failure does not stop the attempt (the proxy then says why it refuses).
   */
  beforeConnect?: () => Promise<void>;
}

/**
 * The agent's end of the tunnel: one mutually authenticated WebSocket to the proxy that carries
 * every stream, re-established whenever it drops. With several proxy endpoints a reconnection
 * is a round: each endpoint in turn, starting after the one that dropped, without waiting
 * between them; jittered backoff separates rounds in which none could be reached.
 */
export class TunnelClient {
  readonly #options: TunnelClientOptions;
  readonly #endpoints: ProxyEndpoints;
  #ws: WebSocket | undefined;
  #mux: Mux | undefined;
  #state: TunnelState = 'disconnected';
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  #missedPongs = 0;
  #waiters = new Set<() => void>();
  #lastProblem: Problem | undefined;
  /** The endpoint of the live tunnel, or of the last one (a reconnection starts after it). */
  #endpoint: ProxyEndpoint | undefined;
  #dropped = false;

  constructor(options: TunnelClientOptions) {
    this.#options = options;
    this.#endpoints =
      options.endpoints ?? (options.proxyUrl === undefined ? endpointsFor(proxyUrlsOf(options.credentials.enrollment)) : new ProxyEndpoints([options.proxyUrl]));
  }

  /** The endpoints this client uses (shared with the agent's HTTPS calls). */
  get endpoints(): ProxyEndpoints {
    return this.#endpoints;
  }

  /** The endpoint of the live tunnel (undefined while not connected). */
  get endpoint(): ProxyEndpoint | undefined {
    return this.#state === 'connected' ? this.#endpoint : undefined;
  }

  get state(): TunnelState {
    return this.#state;
  }

  /** Why the last connection attempt was refused, if it was. */
  get lastProblem(): Problem | undefined {
    return this.#lastProblem;
  }

  get mux(): Mux | undefined {
    return this.#mux;
  }

  start(): void {
    if (this.#state === 'stopped') throw new TypeError('a stopped tunnel client cannot restart');
    if (this.#ws === undefined && this.#retryTimer === undefined) this.#connect();
  }

  /** Resolves once connected, or rejects after `timeoutMs`. */
  waitConnected(timeoutMs = OPEN_WAIT_MS): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(done);
        const why = this.#lastProblem === undefined ? '' : `: ${this.#lastProblem.message}`;
        reject(new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `the tunnel to the proxy is not up${why}`, { reasons: this.#lastProblem?.reasons ?? [] }));
      }, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** Opens a stream for `socket`, waiting for the tunnel if it is reconnecting. */
  async open(request: OpenRequest, socket: ByteSocket, events: StreamEvents = {}): Promise<MuxStream> {
    try {
      await this.waitConnected();
      // The application may have given up while the tunnel was coming up.
      if (socket.destroyed) throw new ZerogateError('ZG_ERR_TUNNEL_CLOSED', 'the connection closed before the tunnel was up');
      const mux = this.#mux;
      if (mux === undefined || mux.closed) throw new ZerogateError('ZG_ERR_TUNNEL_CLOSED', 'the tunnel closed');
      return mux.open(request, socket, events);
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.#setState('stopped');
    clearTimeout(this.#retryTimer);
    clearInterval(this.#keepaliveTimer);
    const ws = this.#ws;
    this.#mux?.close();
    if (ws !== undefined && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close(1000, 'agent stopping');
        setTimeout(() => {
          ws.terminate();
          resolve();
        }, 2000).unref();
      });
    }
  }

  /** Sends a CONTROL message on the live tunnel; false when there is none. */
  sendControl(message: ControlMessage): boolean {
    const mux = this.#mux;
    if (mux === undefined || mux.closed || this.#state !== 'connected') return false;
    mux.sendControl(message);
    return true;
  }

  #connect(): void {
    this.#retryTimer = undefined;
    if (this.#state === 'stopped') return;
    this.#setState('connecting');
    // Mark the round as pending so start() does not dial twice while it is prepared.
    this.#retryTimer = setTimeout(() => undefined, 0);
    const before = this.#options.beforeConnect?.().catch(() => undefined) ?? Promise.resolve();
    const after = this.#dropped ? this.#endpoint : undefined;
    this.#dropped = false;
    void before
      .then(() => this.#endpoints.round(after === undefined ? {} : { after }))
      .then(
        (round) => {
          this.#retryTimer = undefined;
          if (this.#state !== 'stopped') this.#dial(round, 0);
        },
        (error: unknown) => {
          this.#retryTimer = undefined;
          if (this.#state === 'stopped') return;
          this.#lastProblem = { code: 'ZG_ERR_TUNNEL_CONNECT', reasons: [], message: error instanceof Error ? error.message : String(error) };
          this.#setState('disconnected');
          this.#scheduleReconnect();
        },
      );
  }

  /** Dials `round[index]`; on a connection failure, the next endpoint of the round at once. */
  #dial(round: ProxyEndpoint[], index: number): void {
    const endpoint = round[index]!;
    const { credentials } = this.#options;
    const bearer = this.#options.bearer === undefined ? credentials.session?.token : this.#options.bearer();
    const url = new URL('/v1/tunnel', endpoint.origin).toString().replace(/^https:/, 'wss:');
    let transportFailure = false;
    // Set once the node answered the upgrade with an HTTP status: what follows is not a transport failure.
    let answered = false;
    const ws = new WebSocket(url, {
      createConnection: endpointConnector(endpoint, this.#options.connectTimeoutMs === undefined ? {} : { timeoutMs: this.#options.connectTimeoutMs }) as unknown as ClientRequestArgs['createConnection'],
      ...(bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } }),
      cert: credentials.certPem,
      key: credentials.keyPem,
      ca: credentials.caPem,
      minVersion: 'TLSv1.2',
      perMessageDeflate: false,
      maxPayload: MAX_TRANSPORT_MESSAGE,
      skipUTF8Validation: true,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      // Masking protects HTTP intermediaries from client-chosen bytes; inside TLS none can read them,
      // and an all-zero mask lets ws skip rewriting every payload (RFC 6455 §5.3, DESIGN.md §12).
      generateMask: (mask: Buffer) => void mask.fill(0),
    });
    this.#ws = ws;
    let mux: Mux | undefined;
    let socket: Socket | undefined;
    ws.on('upgrade', (response) => {
      socket = response.socket;
      socket.setNoDelay(true);
      let limits: WireLimits;
      try {
        limits = parseLimitsHeader(headerValue(response.headers[LIMITS_HEADER]));
      } catch {
        this.#lastProblem = { code: 'ZG_ERR_TUNNEL_CONNECT', reasons: [], message: 'the proxy announced invalid tunnel limits' };
        ws.terminate();
        return;
      }
      mux = new Mux(
        wsTransport(ws, socket, 'agent'),
        {
          role: 'agent',
          allocate: (size) => Buffer.allocUnsafe(size),
          limits,
          ...(this.#options.onControl === undefined ? {} : { onControl: this.#options.onControl }),
        },
      );
    });
    ws.on('open', () => {
      if (mux === undefined) {
        ws.terminate();
        return;
      }
      attachFrameReader(socket!, mux, MAX_TRANSPORT_MESSAGE, asNodeBuffer);
      this.#mux = mux;
      this.#endpoint = endpoint;
      this.#endpoints.markWorking(endpoint);
      this.#attempt = 0;
      this.#lastProblem = undefined;
      this.#missedPongs = 0;
      this.#keepaliveTimer = setInterval(() => {
        if (++this.#missedPongs > MAX_MISSED_PONGS) {
          this.#lastProblem = { code: 'ZG_ERR_TUNNEL_CLOSED', reasons: [], message: 'the proxy stopped answering' };
          ws.terminate();
          return;
        }
        ws.ping();
      }, this.#options.keepaliveMs ?? PING_INTERVAL_MS);
      this.#keepaliveTimer.unref();
      this.#setState('connected', { endpoint });
      for (const wake of [...this.#waiters]) wake();
    });
    // Any sign of life from the proxy resets the count.
    const alive = (): void => {
      this.#missedPongs = 0;
    };
    ws.on('ping', alive);
    ws.on('pong', alive);
    ws.on('message', (data, isBinary) => {
      this.#missedPongs = 0;
      if (isBinary) mux?.receive(data as Buffer);
      else ws.close(1002, 'ZG_ERR_WIRE_BAD_PAYLOAD');
    });
    ws.on('unexpected-response', (_request, response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      answered = true;
      void readRefusal(response).then((problem) => {
        this.#lastProblem = problem;
        // A node that answers 5xx is broken or overloaded: another may serve. A 4xx (revoked,
        // expired, not allowed) is the deployment's answer, the same on every node.
        if (status >= 500) transportFailure = true;
        else {
          this.#endpoint = endpoint;
          this.#endpoints.markWorking(endpoint);
          this.#setState('denied', { problem });
        }
        ws.terminate();
      });
    });
    ws.on('error', (error) => {
      if (answered) return;
      if (mux === undefined && isEndpointFailure(error)) transportFailure = true;
      this.#lastProblem = { code: 'ZG_ERR_TUNNEL_CONNECT', reasons: [], message: `cannot reach the proxy at ${describeEndpoint(endpoint)} (${(error as NodeJS.ErrnoException).code ?? error.message})` };
    });
    ws.on('close', () => {
      clearInterval(this.#keepaliveTimer);
      const wasOpen = this.#mux === mux && mux !== undefined;
      mux?.close();
      if (this.#ws === ws) this.#ws = undefined;
      if (this.#mux === mux) this.#mux = undefined;
      if (this.#state === 'stopped') return;
      if (wasOpen) {
        // The live tunnel dropped: the next round starts after this endpoint.
        this.#dropped = true;
        this.#endpoint = endpoint;
      } else if (transportFailure && index + 1 < round.length) {
        // This endpoint could not be reached: the next one now, no backoff inside a round.
        this.#options.onState?.('connecting', { endpoint, ...(this.#lastProblem === undefined ? {} : { problem: this.#lastProblem }) });
        this.#dial(round, index + 1);
        return;
      } else if (transportFailure) {
        this.#endpoints.invalidate();
      }
      if (this.#state !== 'denied') this.#setState('disconnected');
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    const initial = this.#options.backoff?.initialMs ?? BACKOFF_INITIAL_MS;
    const max = this.#options.backoff?.maxMs ?? BACKOFF_MAX_MS;
    const ceiling = Math.min(max, initial * 2 ** Math.min(this.#attempt, 20));
    const delayMs = Math.round(Math.random() * ceiling);
    this.#attempt++;
    this.#options.onState?.(this.#state, { attempt: this.#attempt, delayMs });
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs);
  }

  #setState(state: TunnelState, detail?: TunnelStateDetail): void {
    if (this.#state === state && detail === undefined) return;
    this.#state = state;
    this.#options.onState?.(state, detail);
  }
}

/** The ws receiver reads Buffer methods off what it is given. */
function asNodeBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Reads the proxy's JSON refusal `{code, reasons, message}` from a failed upgrade, bounded. */
function readRefusal(response: IncomingMessage): Promise<Problem> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fallback: Problem = { code: 'ZG_ERR_TUNNEL_CONNECT', reasons: [], message: `the proxy refused the tunnel (HTTP ${response.statusCode})` };
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 16 * 1024) chunks.push(chunk);
    });
    response.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Problem>;
        resolve({
          code: typeof body.code === 'string' ? body.code : fallback.code,
          reasons: Array.isArray(body.reasons) ? body.reasons.filter((r) => typeof r === 'string') : [],
          message: typeof body.message === 'string' ? body.message : fallback.message,
        });
      } catch {
        resolve(fallback);
      }
    });
    response.on('error', () => resolve(fallback));
  });
}
