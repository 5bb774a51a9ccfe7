/**
 * Keeps the agent's session token fresh (DESIGN.md §3, step 4): before it expires, get a fresh
 * ID token with the IdP refresh token and renew in-band over the tunnel (CONTROL `reauth`), or
 * over HTTP when no tunnel is up. When the IdP or the proxy refuses, access ends when the token
 * does, and the user is told beforehand to sign in again.
 */
import { ERROR_CODES, isZerogateError, ZerogateError, type ErrorCode } from '../../../shared/errors.ts';
import type { ControlMessage } from '../../../shared/wire/index.ts';
import { refreshTokens, type OidcClient } from '../auth/index.ts';
import { sessionStateOf } from '../enroll/index.ts';
import { endpointsFor, type ProxyEndpoints } from '../http/endpoints.ts';
import { parseJsonResponse, proxyRequest } from '../http/request.ts';
import { proxyUrlsOf, type AgentHome, type DeviceCredentials, type SessionState } from '../state/index.ts';
import { clientFor } from './sign-in.ts';

/** The least lead time before expiry at which a renewal starts. */
export const RENEW_MIN_LEAD_MS = 5_000;
/** The most lead time: a 10-minute token renews about 2 minutes before it expires. */
export const RENEW_MAX_LEAD_MS = 120_000;
/** Retry delay after a renewal failed for a reason that may pass (network, IdP down). */
export const RENEW_RETRY_MS = 15_000;
/** How long an in-band renewal waits for the proxy's answer. */
export const REAUTH_REPLY_TIMEOUT_MS = 15_000;
/** How long before the session's hard end the user is asked to sign in again. */
export const SIGN_IN_WARNING_MS = 10 * 60_000;
/** setTimeout's largest delay (2^31 - 1 ms); a longer wait wakes early and schedules again. */
const MAX_TIMER_MS = 2_147_483_647;

/** Refusals after which retrying is pointless: the user must sign in again. */
const FINAL_CODES = new Set([
  'ZG_ERR_AUTH_REAUTH_REQUIRED',
  'ZG_ERR_AUTH_SESSION_REVOKED',
  'ZG_ERR_AUTH_SESSION_INVALID',
  'ZG_ERR_AUTH_SESSION_EXPIRED',
  'ZG_ERR_AUTH_USER_MISMATCH',
  'ZG_ERR_AUTH_TOO_OLD',
  'ZG_ERR_AUTH_MFA_REQUIRED',
  'ZG_ERR_AUTH_ID_TOKEN_INVALID',
  'ZG_ERR_AUTH_DEVICE_REVOKED',
]);

/** The part of the tunnel client the keeper uses. */
export interface ControlChannel {
  sendControl(message: ControlMessage): boolean;
}

export interface SessionKeeperOptions {
  home: AgentHome;
  credentials: DeviceCredentials;
  /** Tells the user something about their session (renewal refused, sign in again). */
  warn: (message: string) => void;
  now?: () => number;
  /** The proxy endpoints for renewals over HTTPS; default: the enrolment's, shared with the tunnel. */
  endpoints?: ProxyEndpoints;
}

export class SessionKeeper {
  readonly #home: AgentHome;
  readonly #creds: DeviceCredentials;
  readonly #warn: (message: string) => void;
  readonly #now: () => number;
  readonly #endpoints: ProxyEndpoints;
  #session: SessionState | undefined;
  #channel: ControlChannel | undefined;
  #timer: NodeJS.Timeout | undefined;
  #client: OidcClient | undefined;
  #inFlight: Promise<void> | undefined;
  #pendingReply: { resolve: (m: ControlMessage) => void; reject: (e: Error) => void } | undefined;
  /** Set once renewal is known to be impossible: no more attempts, one warning. */
  #final: ZerogateError | undefined;
  #warnedSessionEnd = false;
  #stopped = false;

  constructor(options: SessionKeeperOptions) {
    this.#home = options.home;
    this.#creds = options.credentials;
    this.#warn = options.warn;
    this.#now = options.now ?? Date.now;
    this.#endpoints = options.endpoints ?? endpointsFor(proxyUrlsOf(options.credentials.enrollment));
    this.#session = options.home.loadSession();
  }

  /** The current session token (for `Authorization: Bearer`). */
  bearer(): string | undefined {
    return this.#session?.token;
  }

  get session(): SessionState | undefined {
    return this.#session;
  }

  /** Renewals go in-band over this channel when it is up. */
  attach(channel: ControlChannel): void {
    this.#channel = channel;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#pendingReply?.reject(new ZerogateError('ZG_ERR_TUNNEL_CLOSED', 'stopped'));
  }

  /**
   * Handles CONTROL messages about the session: `reauth` answers. Returns true when the message
   * was the keeper's.
   */
  handleControl(message: ControlMessage): boolean {
    if (message.type !== 'reauth') return false;
    const pending = this.#pendingReply;
    this.#pendingReply = undefined;
    pending?.resolve(message);
    return true;
  }

  /** Before connecting: renew over HTTP when the token has expired or is about to. */
  async ensureFresh(): Promise<void> {
    const session = this.#session;
    if (session === undefined || this.#final !== undefined) return;
    if (Date.parse(session.expiresAt) - this.#now() > RENEW_MIN_LEAD_MS) return;
    await this.renewNow({ inBand: false }).catch(() => undefined);
  }

  /** Renews now (in-band when a tunnel is up unless told otherwise); at most one at a time. */
  renewNow(options: { inBand?: boolean } = {}): Promise<void> {
    this.#inFlight ??= this.#renew(options.inBand !== false).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #renew(inBand: boolean): Promise<void> {
    const session = this.#session;
    if (session === undefined) throw new ZerogateError('ZG_ERR_AUTH_SESSION_REQUIRED', 'no session: sign in with `zerogate login`');
    try {
      const idToken = await this.#freshIdToken();
      const issued = inBand && this.#channel !== undefined ? await this.#renewInBand(idToken) : undefined;
      const next = issued ?? (await this.#renewOverHttp(session, idToken));
      this.#session = next;
      this.#home.saveSession(next);
      this.#schedule();
    } catch (error) {
      const coded = isZerogateError(error) ? error : new ZerogateError('ZG_ERR_INTERNAL', error instanceof Error ? error.message : String(error));
      if (FINAL_CODES.has(coded.code)) {
        this.#final = coded;
        const ends = new Date(Date.parse(session.expiresAt)).toLocaleTimeString();
        this.#warn(`your session could not be renewed (${coded.code}: ${coded.message}); access ends at ${ends}: sign in again with \`zerogate login\``);
      } else {
        this.#schedule(RENEW_RETRY_MS);
      }
      throw coded;
    }
  }

  async #freshIdToken(): Promise<string | undefined> {
    const oidc = this.#home.loadOidc();
    // A device enrolled with a one-time token renews with its certificate alone.
    if (oidc === undefined) return undefined;
    if (oidc.refreshToken === undefined) {
      throw new ZerogateError('ZG_ERR_AUTH_REAUTH_REQUIRED', 'the identity provider gave no refresh token (offline_access): sign in again');
    }
    this.#client ??= await clientFor(oidc, this.#creds.caPem);
    const tokens = await refreshTokens(this.#client, oidc.refreshToken);
    if (tokens.refreshToken !== undefined && tokens.refreshToken !== oidc.refreshToken) this.#home.saveOidc({ ...oidc, refreshToken: tokens.refreshToken });
    return tokens.idToken;
  }

  async #renewInBand(idToken: string | undefined): Promise<SessionState | undefined> {
    const channel = this.#channel;
    if (channel === undefined) return undefined;
    const reply = new Promise<ControlMessage>((resolve, reject) => {
      this.#pendingReply = { resolve, reject };
    });
    if (!channel.sendControl({ type: 'reauth', ...(idToken === undefined ? {} : { idToken }) })) {
      this.#pendingReply = undefined;
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ZerogateError('ZG_ERR_TUNNEL_CLOSED', 'the proxy did not answer the renewal')), REAUTH_REPLY_TIMEOUT_MS);
    });
    let message: ControlMessage;
    try {
      message = await Promise.race([reply, timeout]);
    } finally {
      clearTimeout(timer);
      this.#pendingReply = undefined;
    }
    if (message.ok !== true) {
      const code = typeof message.code === 'string' ? message.code : 'ZG_ERR_INTERNAL';
      const text = typeof message.message === 'string' ? message.message.slice(0, 300) : 'the proxy refused the renewal';
      const reasons = Array.isArray(message.reasons) ? message.reasons.filter((r): r is string => typeof r === 'string') : [];
      throw new ZerogateError(isKnownCode(code) ? code : 'ZG_ERR_INTERNAL', text, { reasons });
    }
    const current = this.#session;
    return sessionStateOf({ sessionId: current?.sessionId, user: current?.user, token: message.token, expiresAt: message.expiresAt, sessionExpiresAt: message.sessionExpiresAt });
  }

  async #renewOverHttp(session: SessionState, idToken: string | undefined): Promise<SessionState> {
    const creds = this.#creds;
    // A renewal that reached a node which then died is not sent again elsewhere (not idempotent):
    // it is retried after RENEW_RETRY_MS, or in-band once the tunnel is back.
    const response = await proxyRequest(new URL('/v1/session/renew', this.#endpoints.origins[0]), {
      endpoints: this.#endpoints,
      method: 'POST',
      body: idToken === undefined ? {} : { idToken },
      bearer: session.token,
      tls: { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem },
    });
    return sessionStateOf(parseJsonResponse<unknown>(response, 'session renewal'));
  }

  #schedule(delayOverride?: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const session = this.#session;
    if (this.#stopped || session === undefined || this.#final !== undefined) return;
    const now = this.#now();
    const expiresAt = Date.parse(session.expiresAt);
    const sessionEnd = Date.parse(session.sessionExpiresAt);
    if (!this.#warnedSessionEnd && sessionEnd - now <= SIGN_IN_WARNING_MS) {
      this.#warnedSessionEnd = true;
      this.#warn(`your session ends at ${new Date(sessionEnd).toLocaleTimeString()}: sign in again with \`zerogate login\` to keep access`);
    }
    // Nothing to renew into when the token already runs to the session's end.
    let renewIn: number | undefined;
    if (expiresAt < sessionEnd) {
      const remaining = expiresAt - now;
      const lead = Math.min(Math.max(remaining / 4, RENEW_MIN_LEAD_MS), RENEW_MAX_LEAD_MS);
      renewIn = delayOverride ?? Math.max(0, remaining - lead);
    }
    // The session-end warning is due before the next renewal (or there is none): wake for it,
    // then schedule again with what is left of the renewal delay.
    const warnIn = this.#warnedSessionEnd ? undefined : sessionEnd - SIGN_IN_WARNING_MS - now;
    if (warnIn !== undefined && (renewIn === undefined || warnIn < renewIn)) {
      const renewAt = renewIn === undefined ? undefined : now + renewIn;
      this.#timer = setTimeout(() => this.#schedule(renewAt === undefined ? undefined : Math.max(0, renewAt - this.#now())), Math.min(warnIn, MAX_TIMER_MS));
    } else if (renewIn !== undefined) {
      this.#timer = setTimeout(() => void this.renewNow().catch(() => undefined), Math.min(renewIn, MAX_TIMER_MS));
    }
    this.#timer?.unref();
  }
}

function isKnownCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
