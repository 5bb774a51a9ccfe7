import type { WebSocket } from 'ws';
import { attachFrameReader, Mux, wsTransport, type DataSocket, type MuxStream, type OpenRequest, type RawSocketLike } from '../../shared/mux/index.ts';
import { MAX_MISSED_PONGS, PING_INTERVAL_MS, validateLimits, type Problem, type WireLimits } from '../../shared/wire/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { AppConfig, TunnelLimitsConfig } from '../config/index.ts';
import type { Device, Store } from '../store/index.ts';
import { dialUpstream } from './upstream.ts';
import { MAX_TRANSPORT_MESSAGE } from './limits.ts';

/** The wire limits a proxy with tunnel config `limits` uses and announces. */
export function wireLimitsOf(limits: TunnelLimitsConfig): WireLimits {
  return validateLimits({ maxFramePayload: limits.maxFramePayload, maxStreams: limits.maxStreams, initialWindow: limits.initialWindow });
}

/** setTimeout's largest delay (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

const CERT_EXPIRED: Problem = {
  code: 'ZG_ERR_AUTH_CERT_INVALID',
  reasons: ['certificate-invalid'],
  message: 'the device certificate has expired: sign in again with `zerogate login`',
};
const SESSION_ENDING: Problem = { code: 'ZG_ERR_TUNNEL_CLOSED', reasons: [], message: 'this session is ending' };

/** WebSocket close code when the proxy ends a session for a policy reason (RFC 6455 §7.4.2 private range). */
export const CLOSE_POLICY = 4403;

export interface SessionDeps {
  store: Store;
  audit: AuditLog;
  limits: TunnelLimitsConfig;
  /** The wire limits derived from `limits`, announced to agents at the upgrade. */
  wireLimits: WireLimits;
  /** The published apps, looked up on every OPEN so config changes apply to new streams. */
  apps: () => ReadonlyMap<string, AppConfig>;
  /** Takes one open from the device's rate budget (shared by its sessions). */
  takeOpen: (deviceId: string) => boolean;
}

/**
 * One agent's tunnel: a WebSocket carrying multiplexed streams. Every OPEN is checked against
 * the app table and the device's current state before the proxy dials the app's published
 * upstream; nothing in the OPEN chooses where the proxy connects.
 */
export class TunnelSession {
  readonly device: Device;
  readonly source: string;
  readonly #ws: WebSocket;
  readonly #deps: SessionDeps;
  readonly #mux: Mux;
  readonly #pingTimer: NodeJS.Timeout;
  #missedPongs = 0;
  #closed = false;
  #terminating = false;
  /** The session's certificate expiry: no new stream after it, and the session ends then. */
  readonly #certNotAfter: number;
  #expiryTimer: NodeJS.Timeout | undefined;
  readonly #onEnd: (session: TunnelSession) => void;

  constructor(
    ws: WebSocket,
    rawSocket: RawSocketLike & DataSocket,
    certNotAfter: number,
    device: Device,
    source: string,
    deps: SessionDeps,
    onEnd: (session: TunnelSession) => void,
  ) {
    this.#ws = ws;
    this.device = device;
    this.source = source;
    this.#deps = deps;
    this.#onEnd = onEnd;
    this.#certNotAfter = certNotAfter;
    const limits = deps.limits;
    this.#mux = new Mux(
      wsTransport(ws, rawSocket, 'proxy'),
      {
        role: 'proxy',
        allocate: (size) => Buffer.allocUnsafe(size),
        limits: deps.wireLimits,
        admitOpen: () =>
          deps.takeOpen(device.id)
            ? undefined
            : { code: 'ZG_ERR_RATE_LIMITED', reasons: ['rate-limited'], message: 'too many new streams: slow down' },
        onOpen: (stream, request) => void this.#onOpen(stream, request),
        onControl: () => {
          // Posture reports and other control messages arrive with the posture issue.
        },
        onProtocolError: (error) => {
          this.#audit('session.violation', { decision: 'deny', detail: { code: error.code } });
        },
      },
    );
    // DATA from the agent goes to the streams as it arrives; `ws` keeps everything else.
    attachFrameReader(rawSocket, this.#mux, MAX_TRANSPORT_MESSAGE, (bytes) =>
      Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    );
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        this.#ws.close(1002, 'ZG_ERR_WIRE_BAD_PAYLOAD');
        this.#audit('session.violation', { decision: 'deny', detail: { code: 'ZG_ERR_WIRE_BAD_PAYLOAD' } });
        return;
      }
      this.#mux.receive(data as Buffer);
    });
    ws.on('pong', () => {
      this.#missedPongs = 0;
    });
    ws.on('close', (code) => this.#end(code));
    ws.on('error', () => ws.terminate());
    this.#pingTimer = setInterval(() => {
      if (++this.#missedPongs > MAX_MISSED_PONGS) {
        ws.terminate();
        return;
      }
      ws.ping();
    }, PING_INTERVAL_MS);
    this.#pingTimer.unref();
    this.#armExpiry();
    this.#audit('session.open', { decision: 'allow' });
  }

  get mux(): Mux {
    return this.#mux;
  }

  /**
   * Ends the session (revocation, shutdown), resetting every stream with `problem` and telling
   * the agent why. Returns false when the session was already ending.
   */
  terminate(problem: Problem, closeCode = CLOSE_POLICY): boolean {
    if (this.#terminating || this.#closed) return false;
    this.#terminating = true;
    for (const stream of [...this.#mux.streams()]) stream.reset(problem);
    this.#mux.sendControl({ type: 'notice', level: 'error', code: problem.code, reasons: problem.reasons, message: problem.message });
    this.#ws.close(closeCode, problem.code);
    return true;
  }

  async #onOpen(stream: MuxStream, request: OpenRequest): Promise<void> {
    if (this.#terminating || this.#closed) return this.#deny(stream, SESSION_ENDING);
    if (Date.now() >= this.#certNotAfter) {
      this.#deny(stream, CERT_EXPIRED);
      this.terminate(CERT_EXPIRED);
      return;
    }
    const app = this.#deps.apps().get(request.app);
    if (app === undefined) {
      return this.#deny(stream, { code: 'ZG_ERR_POLICY_APP_NOT_FOUND', reasons: ['app-not-found'], message: `no app "${request.app}" is published` });
    }
    if (request.target !== undefined) {
      return this.#deny(stream, {
        code: 'ZG_ERR_POLICY_BAD_TARGET',
        reasons: ['target-not-allowed'],
        message: `app ${app.id} publishes a single upstream; a target cannot be chosen`,
      });
    }
    if (!app.users.includes(this.device.user)) {
      return this.#deny(stream, { code: 'ZG_ERR_POLICY_DENIED', reasons: ['user-not-allowed'], message: `you are not allowed to use ${app.id}` });
    }
    let current: Device | undefined;
    try {
      current = await this.#deps.store.getDevice(this.device.id);
    } catch {
      // Fail closed: without the device registry nothing new is allowed, but nothing is revoked.
      return this.#deny(stream, { code: 'ZG_ERR_STORE_UNAVAILABLE', reasons: [], message: 'the proxy cannot check this device right now: try again shortly' });
    }
    if (current === undefined || current.status !== 'active') {
      const problem = { code: 'ZG_ERR_AUTH_DEVICE_REVOKED', reasons: ['device-revoked'], message: 'this device was revoked' };
      this.#deny(stream, problem);
      this.terminate(problem);
      return;
    }
    if (this.#terminating || this.#closed) return this.#deny(stream, SESSION_ENDING);
    const dialed = await dialUpstream(app.id, app.upstream, this.#deps.limits.upstreamConnectTimeoutMs);
    if (!dialed.ok) {
      return this.#deny(stream, dialed.problem);
    }
    if (stream.state !== 'opening' || this.#closed) {
      dialed.socket.destroy();
      return;
    }
    stream.onClose = (problem) => {
      this.#audit('stream.close', {
        app: app.id,
        detail: { stream: stream.id, bytesIn: stream.bytesIn, bytesOut: stream.bytesOut, ...(problem ? { code: problem.code, message: problem.message } : {}) },
      });
    };
    stream.accept(dialed.socket);
    this.#audit('stream.open', { app: app.id, decision: 'allow', detail: { stream: stream.id } });
  }

  #deny(stream: MuxStream, problem: Problem): void {
    stream.reject(problem);
    this.#audit('stream.deny', {
      app: stream.app,
      decision: 'deny',
      reasons: problem.reasons,
      detail: { stream: stream.id, code: problem.code },
    });
  }

  /** Ends the session when its certificate expires (timers cap at ~24.8 days: re-armed). */
  #armExpiry(): void {
    const delay = this.#certNotAfter - Date.now();
    if (delay <= 0) {
      queueMicrotask(() => this.terminate(CERT_EXPIRED));
      return;
    }
    this.#expiryTimer = setTimeout(() => (Date.now() >= this.#certNotAfter ? this.terminate(CERT_EXPIRED) : this.#armExpiry()), Math.min(delay, MAX_TIMER_MS));
    this.#expiryTimer.unref();
  }

  #end(code: number): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#expiryTimer);
    const stats = this.#mux.stats;
    this.#mux.close();
    this.#audit('session.close', { detail: { closeCode: code, streams: stats.streamsOpened, bytesIn: stats.bytesIn, bytesOut: stats.bytesOut } });
    this.#onEnd(this);
  }

  #audit(type: string, fields: { app?: string; decision?: 'allow' | 'deny'; reasons?: string[]; detail?: Record<string, unknown> }): void {
    this.#deps.audit.record({ type, user: this.device.user, device: this.device.id, source: this.source, ...fields });
  }
}
