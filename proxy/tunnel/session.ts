import type { WebSocket } from 'ws';
import { attachFrameReader, Mux, wsTransport, type ByteSocket, type DataSocket, type MuxStream, type OpenRequest, type RawSocketLike } from '../../shared/mux/index.ts';
import { MAX_MISSED_PONGS, PING_INTERVAL_MS, validateLimits, type Problem, type WireLimits } from '../../shared/wire/index.ts';
import type { AuditLog } from '../audit/index.ts';
import { samePublication, type AppConfig, type TunnelLimitsConfig } from '../config/index.ts';
import type { Device, Store } from '../store/index.ts';
import { isZerogateError } from '../../shared/errors.ts';
import type { PresentedDevice, SessionIdentity, SessionService } from '../identity/index.ts';
import type { ProxyMetrics } from '../metrics/index.ts';
import { toProblem } from '../policy/index.ts';
import type { PolicyConfig } from '../config/index.ts';
import { decideAccess, type PostureState } from './access.ts';
import { PostureIntake } from './posture-intake.ts';
import { dialUpstream, type DialGuard } from './upstream.ts';
import { MAX_TRANSPORT_MESSAGE } from './limits.ts';
import type { HttpGateway } from '../http/gateway.ts';
import { duplexPair } from '../http/duplex-pair.ts';
import { postureVerdict, tunnelPrincipal } from '../http/principal.ts';

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
const TOKEN_EXPIRED: Problem = {
  code: 'ZG_ERR_AUTH_SESSION_EXPIRED',
  reasons: ['token-expired'],
  message: 'your session has expired and was not renewed: sign in again with `zerogate login`',
};

/** How long before its token expires an unrenewed session warns the agent (CONTROL notice). */
export const EXPIRY_WARNING_MS = 60_000;
/** Least time between two in-band renewals of one session. */
export const MIN_REAUTH_INTERVAL_MS = 2_000;

/** The credentials a tunnel was opened with. */
export interface TunnelAuth {
  device: Device;
  certNotAfter: number;
  identity: SessionIdentity;
  presented: PresentedDevice;
}

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
  /** Renews session tokens in-band (CONTROL `reauth`). */
  sessions: SessionService;
  /** The policies by name, looked up on every decision so changes apply at once. */
  policies: () => Readonly<Record<string, PolicyConfig>>;
  metrics: ProxyMetrics;
  /**
   * The SSRF guard of an app's upstream at dial time, or undefined when its upstream is dialled
   * as published (config apps; API apps with `allowRestrictedUpstream`).
   */
  upstreamGuard?: (app: AppConfig) => DialGuard | undefined;
  /**
   * Terminates HTTP for http:// and https:// apps (issue 8): their streams carry HTTP/1.1 to the
   * gateway instead of raw bytes to the upstream. Without it, they are raw TCP like tcp apps.
   */
  httpGateway?: HttpGateway;
}

/** How often every live stream is decided again for time-based triggers (DESIGN.md §3: < 1 s). */
export const REEVALUATE_INTERVAL_MS = 500;

export { MIN_POSTURE_INTERVAL_MS } from './posture-intake.ts';

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
  /** The session behind the tunnel; replaced by each in-band renewal. */
  #identity: SessionIdentity;
  readonly #presented: PresentedDevice;
  #tokenTimer: NodeJS.Timeout | undefined;
  #reauthInFlight = false;
  #lastReauthAt = 0;
  /** The device's posture: from the store at start, then from the agent's reports. */
  readonly #posture: PostureIntake;
  /** Live streams and the app each carries, for continuous re-evaluation. */
  readonly #live = new Map<MuxStream, AppConfig>();
  /** Per report-only app, the would-deny reasons last audited (audited when they change). */
  readonly #wouldDeny = new Map<string, string>();

  constructor(
    ws: WebSocket,
    rawSocket: RawSocketLike & DataSocket,
    auth: TunnelAuth,
    source: string,
    deps: SessionDeps,
    onEnd: (session: TunnelSession) => void,
  ) {
    const { device, certNotAfter } = auth;
    this.#ws = ws;
    this.device = device;
    this.source = source;
    this.#deps = deps;
    this.#onEnd = onEnd;
    this.#certNotAfter = certNotAfter;
    this.#identity = auth.identity;
    this.#presented = auth.presented;
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
        onControl: (message) => {
          if (message.type === 'reauth') void this.#reauth(message.idToken);
          else if (message.type === 'posture') void this.#posture.receive(message.report);
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
    this.#armTokenExpiry();
    this.#posture = new PostureIntake({
      store: deps.store,
      metrics: deps.metrics,
      deviceId: device.id,
      onReport: () => this.reevaluate('posture'),
      onReject: (code) => this.#audit('posture.reject', { decision: 'deny', detail: { code } }),
    });
    deps.metrics.sessions.inc();
    this.#audit('session.open', { decision: 'allow', detail: { session: this.sessionId } });
  }

  /** The device's posture as this tunnel knows it. */
  get posture(): PostureState | undefined {
    return this.#posture.state;
  }

  /**
   * Continuous verification (DESIGN.md §3): decides again for every live stream and resets
   * those now denied with RST carrying the reasons, then tells the agent once what it lost.
   * Returns how many streams were reset.
   */
  reevaluate(trigger: string, now = Date.now()): number {
    if (this.#closed || this.#terminating || this.#live.size === 0) return 0;
    const apps = this.#deps.apps();
    const policies = this.#deps.policies();
    const decided = new Map<string, ReturnType<typeof decideAccess> | undefined>();
    const lost = new Map<string, string[]>();
    let reset = 0;
    for (const [stream, app] of [...this.#live]) {
      const current = apps.get(app.id);
      if (current !== undefined && current !== app) {
        if (!samePublication(app, current)) {
          // Dialled (and its HTTP handling set) for the old publication: the next connection
          // gets the new one. Access is not lost, so no notice.
          this.#cut(stream, app.id, { code: 'ZG_ERR_STREAM_RESET', reasons: ['app-changed'], message: `app ${app.id} was changed by an administrator (its address or HTTP handling): connect again` }, trigger);
          reset++;
          continue;
        }
        this.#live.set(stream, current);
      }
      let decision = decided.get(app.id);
      if (!decided.has(app.id)) {
        decision = current === undefined ? undefined : decideAccess(current, policies, this.#subject(), this.#deps.metrics, now, 'denials');
        decided.set(app.id, decision);
        this.#noteWouldDeny(app.id, decision, trigger);
      }
      if (current !== undefined && decision !== undefined && decision.allow) continue;
      const problem =
        current === undefined || decision === undefined
          ? { code: 'ZG_ERR_POLICY_APP_NOT_FOUND', reasons: ['app-not-found'], message: `app ${app.id} is no longer published` }
          : toProblem(decision, app.id);
      this.#cut(stream, app.id, problem, trigger);
      reset++;
      lost.set(app.id, problem.reasons);
    }
    for (const [app, reasons] of lost) {
      this.#mux.sendControl({
        type: 'notice',
        level: 'error',
        code: 'ZG_ERR_POLICY_DENIED',
        app,
        reasons,
        message: `access to ${app} was cut: ${reasons.join(', ')}`,
      });
    }
    return reset;
  }

  /** Resets a live stream with `problem`, counted and audited as `stream.reset`. */
  #cut(stream: MuxStream, app: string, problem: { code: string; reasons: string[]; message: string }, trigger: string): void {
    this.#live.delete(stream);
    stream.reset(problem);
    for (const reason of problem.reasons) this.#deps.metrics.resets.inc({ reason });
    this.#audit('stream.reset', { app, decision: 'deny', reasons: problem.reasons, detail: { stream: stream.id, trigger, code: problem.code } });
  }

  #subject() {
    return { identity: this.#identity, deviceId: this.device.id, posture: this.#posture.state, source: this.source };
  }

  /** Audits and counts a report-only policy's would-deny when it starts or its reasons change, not on every pass. */
  #noteWouldDeny(app: string, decision: ReturnType<typeof decideAccess> | undefined, trigger: string): void {
    const key = decision?.wouldDeny === true ? decision.reasons.join(',') : '';
    if ((this.#wouldDeny.get(app) ?? '') === key) return;
    if (key === '') {
      this.#wouldDeny.delete(app);
      return;
    }
    this.#wouldDeny.set(app, key);
    this.#deps.metrics.decision(app, 'would-deny', decision?.reasons ?? []);
    this.#audit('stream.would-deny', { app, decision: 'allow', reasons: decision?.reasons ?? [], detail: { trigger, mode: 'report-only' } });
  }

  get mux(): Mux {
    return this.#mux;
  }

  /** The id of the signed-in session this tunnel carries. */
  get sessionId(): string {
    return this.#identity.session.id;
  }

  /** When the current session token expires (ms). */
  get tokenExpiresAt(): number {
    return this.#identity.claims.expiresAt;
  }

  /**
   * CONTROL `reauth` (DESIGN.md §3): the agent renews its session token in-band with a fresh ID
   * token; the answer is a `reauth` message with the new token, or with the refusal.
   */
  async #reauth(idToken: unknown): Promise<void> {
    const now = Date.now();
    if (this.#reauthInFlight || now - this.#lastReauthAt < MIN_REAUTH_INTERVAL_MS || this.#closed || this.#terminating) {
      this.#mux.sendControl({ type: 'reauth', ok: false, code: 'ZG_ERR_RATE_LIMITED', reasons: ['rate-limited'], message: 'a renewal is already in progress or was just made' });
      return;
    }
    this.#reauthInFlight = true;
    this.#lastReauthAt = now;
    try {
      const token = typeof idToken === 'string' ? idToken : undefined;
      const issued = await this.#deps.sessions.renew(this.#identity, this.#presented, token, this.source);
      // The tunnel may have ended while the renewal ran: nothing to re-arm or answer.
      if (this.#closed || this.#terminating) return;
      const expiresAt = Date.parse(issued.expiresAt);
      const session = { ...this.#identity.session, tokenExpiresAt: expiresAt };
      this.#identity = { session, claims: { ...this.#identity.claims, expiresAt } };
      this.#armTokenExpiry();
      if (!this.#closed) this.#mux.sendControl({ type: 'reauth', ok: true, token: issued.token, expiresAt: issued.expiresAt, sessionExpiresAt: issued.sessionExpiresAt });
    } catch (error) {
      const coded = isZerogateError(error)
        ? { code: error.code, reasons: [...error.reasons], message: error.message }
        : { code: 'ZG_ERR_INTERNAL', reasons: [], message: 'the renewal failed' };
      this.#audit('session.renew', { decision: 'deny', reasons: coded.reasons, detail: { code: coded.code, session: this.sessionId } });
      if (!this.#closed) this.#mux.sendControl({ type: 'reauth', ok: false, ...coded });
      // A revoked session ends now; any other refusal leaves the token to run out.
      if (isZerogateError(error, 'ZG_ERR_AUTH_SESSION_REVOKED')) this.terminate({ code: error.code, reasons: [...error.reasons], message: error.message }, CLOSE_POLICY);
    } finally {
      this.#reauthInFlight = false;
    }
  }

  /** Warns the agent shortly before its session token expires, and ends the tunnel at expiry. */
  #armTokenExpiry(): void {
    clearTimeout(this.#tokenTimer);
    const expiresAt = this.#identity.claims.expiresAt;
    // A token that lasts as long as the certificate ends with it: the certificate's timer says
    // why (certificate-invalid), not a second, racing one.
    if (expiresAt >= this.#certNotAfter - 1000) return;
    const delay = expiresAt - Date.now();
    if (delay <= 0) {
      queueMicrotask(() => this.terminate(TOKEN_EXPIRED, CLOSE_POLICY));
      return;
    }
    const warnIn = delay - EXPIRY_WARNING_MS;
    if (warnIn > 0) {
      this.#tokenTimer = setTimeout(() => {
        if (this.#closed || this.#identity.claims.expiresAt !== expiresAt) return;
        this.#mux.sendControl({
          type: 'notice',
          level: 'warning',
          code: 'ZG_ERR_AUTH_SESSION_EXPIRED',
          reasons: ['token-expired'],
          message: `your session ends at ${new Date(expiresAt).toISOString()} unless it is renewed: sign in again with \`zerogate login\``,
          expiresAt: new Date(expiresAt).toISOString(),
        });
        this.#armTokenTimer(expiresAt);
      }, Math.min(warnIn, MAX_TIMER_MS));
    } else {
      this.#armTokenTimer(expiresAt);
    }
    this.#tokenTimer?.unref();
  }

  #armTokenTimer(expiresAt: number): void {
    this.#tokenTimer = setTimeout(() => {
      if (this.#identity.claims.expiresAt === expiresAt) this.terminate(TOKEN_EXPIRED, CLOSE_POLICY);
    }, Math.max(0, Math.min(expiresAt - Date.now(), MAX_TIMER_MS)));
    this.#tokenTimer?.unref();
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
    // Fail closed while the audit trail cannot be stored (proxy/audit/audit-log.ts: backlog full).
    if (!this.#deps.audit.accepting) {
      return this.#deny(stream, { code: 'ZG_ERR_STORE_UNAVAILABLE', reasons: [], message: 'the audit trail cannot be stored right now: try again shortly' });
    }
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
    await this.#posture.loaded();
    const decision = decideAccess(app, this.#deps.policies(), this.#subject(), this.#deps.metrics);
    if (!decision.allow) return this.#deny(stream, toProblem(decision, app.id), decision.data);
    if (decision.wouldDeny === true) {
      this.#audit('stream.would-deny', { app: app.id, decision: 'allow', reasons: decision.reasons, detail: { stream: stream.id, mode: 'report-only', data: decision.data } });
      this.#wouldDeny.set(app.id, decision.reasons.join(','));
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
    const gateway = this.#deps.httpGateway;
    if (gateway !== undefined && app.upstream.protocol !== 'tcp') {
      // HTTP-aware app: the stream's bytes are HTTP requests for the gateway, which dials the
      // upstream per request (keep-alive pool); an unreachable app answers 502 per request.
      const [tunnelSide, httpSide] = duplexPair({ address: this.source });
      const policy = app.policy === undefined ? undefined : this.#deps.policies()[app.policy];
      const principal = tunnelPrincipal({
        user: this.#identity.session.user,
        groups: this.#identity.session.groups,
        deviceId: this.device.id,
        source: this.source,
        posture: postureVerdict(policy, decision.reasons),
      });
      gateway.serveStream(httpSide, app, principal);
      return this.#accept(stream, app, tunnelSide);
    }
    const dialed = await dialUpstream(app.id, app.upstream, this.#deps.limits.upstreamConnectTimeoutMs, this.#deps.upstreamGuard?.(app));
    if (!dialed.ok) {
      return this.#deny(stream, dialed.problem);
    }
    this.#accept(stream, app, dialed.socket);
  }

  /** The stream is allowed and its other end is ready: OPEN_OK, and it is watched until it closes. */
  #accept(stream: MuxStream, app: AppConfig, socket: ByteSocket): void {
    if (stream.state !== 'opening' || this.#closed) {
      socket.destroy();
      return;
    }
    this.#live.set(stream, app);
    this.#deps.metrics.streams.inc();
    stream.onClose = (problem) => {
      this.#live.delete(stream);
      this.#deps.metrics.streams.dec();
      this.#deps.metrics.bytes.inc({ direction: 'to-app' }, stream.bytesIn);
      this.#deps.metrics.bytes.inc({ direction: 'from-app' }, stream.bytesOut);
      this.#audit('stream.close', {
        app: app.id,
        detail: { stream: stream.id, bytesIn: stream.bytesIn, bytesOut: stream.bytesOut, ...(problem ? { code: problem.code, message: problem.message } : {}) },
      });
    };
    stream.accept(socket);
    this.#audit('stream.open', { app: app.id, decision: 'allow', detail: { stream: stream.id, ...(app.upstream.protocol === 'tcp' || this.#deps.httpGateway === undefined ? {} : { http: true }) } });
  }

  #deny(stream: MuxStream, problem: Problem, data?: Record<string, unknown>): void {
    stream.reject(problem);
    this.#audit('stream.deny', {
      app: stream.app,
      decision: 'deny',
      reasons: problem.reasons,
      detail: { stream: stream.id, code: problem.code, ...(data === undefined ? {} : { data }) },
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
    clearTimeout(this.#tokenTimer);
    this.#posture.close();
    this.#deps.metrics.sessions.dec();
    this.#live.clear();
    const stats = this.#mux.stats;
    this.#mux.close();
    this.#audit('session.close', { detail: { closeCode: code, streams: stats.streamsOpened, bytesIn: stats.bytesIn, bytesOut: stats.bytesOut } });
    this.#onEnd(this);
  }

  #audit(type: string, fields: { app?: string; decision?: 'allow' | 'deny'; reasons?: string[]; detail?: Record<string, unknown> }): void {
    this.#deps.audit.record({ type, user: this.device.user, device: this.device.id, source: this.source, ...fields });
  }
}
