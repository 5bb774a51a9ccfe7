/**
 * Sessions: one sign-in of one user on one device. The store keeps each session (so logout and
 * revocation are immediate, on every node); the session token carries it to the tunnel. A
 * session lives at most `maxAge`; each token at most `tokenTtl`, and never past the device
 * certificate. Renewal needs a fresh ID token from the IdP (for a sign-in) or only the device
 * certificate (for a device enrolled with a one-time token).
 */
import { createHash, randomUUID } from 'node:crypto';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Device, SessionRecord, Store } from '../store/index.ts';
import { ID_TOKEN_CLOCK_TOLERANCE_S, ID_TOKEN_MAX_USE_AGE_S, type VerifiedIdentity } from './id-token.ts';
import type { SessionClaims, SessionTokens } from './session-token.ts';
import type { IssuedSession } from '../../shared/session.ts';

export interface SessionLifetimes {
  tokenTtlMs: number;
  maxAgeMs: number;
  mfaMaxAgeMs: number;
}

export interface SessionServiceDeps {
  store: Store;
  audit: AuditLog;
  tokens: SessionTokens;
  /** Verifies an ID token of the configured IdP (signature, claims, MFA, auth age). */
  verifyIdToken: (idToken: string, now: number) => Promise<VerifiedIdentity>;
  lifetimes: SessionLifetimes;
  now?: () => number;
}

/** What a client receives for a session (the wire contract lives in shared/). */
export type { IssuedSession } from '../../shared/session.ts';

/** A device's credentials as presented on a request: its certificate's thumbprint and expiry. */
export interface PresentedDevice {
  device: Device;
  certThumbprint: string;
  certNotAfter: number;
}

/** An authenticated request: the token's claims and the live session record. */
export interface SessionIdentity {
  claims: SessionClaims;
  session: SessionRecord;
}

export class SessionService {
  readonly #deps: SessionServiceDeps;

  constructor(deps: SessionServiceDeps) {
    this.#deps = deps;
  }

  get lifetimes(): SessionLifetimes {
    return this.#deps.lifetimes;
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }

  /** Verifies an ID token, auditing a refusal as `login.fail` with the failed check. */
  async verifyIdToken(idToken: string, source: string, route: string): Promise<VerifiedIdentity> {
    try {
      return await this.#deps.verifyIdToken(idToken, this.#now());
    } catch (error) {
      const coded = error instanceof ZerogateError ? error : new ZerogateError('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'the ID token is not valid', { reasons: ['token-invalid'], cause: error });
      this.#deps.audit.record({
        type: 'login.fail',
        decision: 'deny',
        source,
        reasons: [...coded.reasons],
        detail: { code: coded.code, route, ...(coded.detail ?? {}) },
      });
      throw coded;
    }
  }

  /**
   * Spends an ID token: each one starts, enrols or renews once (a copied token cannot enrol a
   * second device). Called where an operation commits, after its own checks passed.
   */
  async claimIdToken(idToken: string, identity: VerifiedIdentity, source: string, route: string): Promise<void> {
    const key = createHash('sha256').update(idToken).digest('base64url');
    const keepUntil = this.#now() + (ID_TOKEN_MAX_USE_AGE_S + 2 * ID_TOKEN_CLOCK_TOLERANCE_S) * 1000;
    if (await this.#deps.store.markUsedOnce('id-token', key, keepUntil, this.#now())) return;
    this.#deps.audit.record({
      type: 'login.fail',
      decision: 'deny',
      source,
      user: identity.user,
      reasons: ['token-invalid'],
      detail: { code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', route, check: 'replay' },
    });
    throw new ZerogateError('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'this ID token was already used: sign in again', { reasons: ['token-invalid'], detail: { check: 'replay' } });
  }

  /** A new session record for `identity` (a sign-in) or for a token-enrolled device. */
  newRecord(deviceId: string, user: string, identity: VerifiedIdentity | undefined, certNotAfter: number): SessionRecord {
    const now = this.#now();
    const { tokenTtlMs, maxAgeMs } = this.#deps.lifetimes;
    // A sign-in lasts maxAge from when the user authenticated, not from when a (possibly
    // refreshed) ID token was presented; without a known auth_time, from now.
    const signedInAt = identity !== undefined && identity.authTimeKnown ? Math.min(identity.authTime, now) : now;
    const maxExpiresAt = identity === undefined ? certNotAfter : Math.min(signedInAt + maxAgeMs, certNotAfter);
    return {
      id: randomUUID(),
      user,
      deviceId,
      method: identity === undefined ? 'token' : 'idp',
      groups: identity?.groups ?? [],
      amr: identity?.amr ?? [],
      acr: identity?.acr,
      authTime: identity?.authTime ?? now,
      createdAt: now,
      maxExpiresAt,
      tokenExpiresAt: Math.min(now + tokenTtlMs, maxExpiresAt),
      revokedAt: undefined,
    };
  }

  /** Signs the token for a session record the caller has stored. */
  async issue(record: SessionRecord, certThumbprint: string, source: string, event: 'session.start' | 'session.renew'): Promise<IssuedSession> {
    const token = await this.#deps.tokens.sign(
      {
        sid: record.id,
        user: record.user,
        deviceId: record.deviceId,
        groups: record.groups,
        amr: record.amr,
        acr: record.acr,
        authTime: record.authTime,
        expiresAt: record.tokenExpiresAt,
        certThumbprint,
      },
      this.#now(),
    );
    this.#deps.audit.record({
      type: event,
      decision: 'allow',
      source,
      user: record.user,
      device: record.deviceId,
      detail: { session: record.id, method: record.method, expiresAt: record.tokenExpiresAt, amr: record.amr },
    });
    return {
      sessionId: record.id,
      user: record.user,
      token,
      expiresAt: new Date(record.tokenExpiresAt).toISOString(),
      sessionExpiresAt: new Date(record.maxExpiresAt).toISOString(),
    };
  }

  /** A new sign-in on an enrolled device (`zerogate login` when the device already has a certificate). */
  async start(presented: PresentedDevice, identity: VerifiedIdentity, idToken: string, source: string): Promise<IssuedSession> {
    if (identity.user !== presented.device.user) {
      this.#deps.audit.record({
        type: 'login.fail',
        decision: 'deny',
        source,
        user: identity.user,
        device: presented.device.id,
        reasons: ['user-not-allowed'],
        detail: { code: 'ZG_ERR_AUTH_USER_MISMATCH', deviceUser: presented.device.user },
      });
      throw new ZerogateError('ZG_ERR_AUTH_USER_MISMATCH', 'this device is enrolled to another user: sign in as that user, or log out and enrol it again', {
        reasons: ['user-not-allowed'],
      });
    }
    await this.claimIdToken(idToken, identity, source, 'session');
    const record = this.newRecord(presented.device.id, identity.user, identity, presented.certNotAfter);
    if (record.maxExpiresAt <= this.#now()) {
      throw new ZerogateError('ZG_ERR_AUTH_TOO_OLD', 'this sign-in is older than the longest session allowed: sign in again', { reasons: ['auth-too-old'] });
    }
    await this.#deps.store.createSession(record);
    return this.issue(record, presented.certThumbprint, source, 'session.start');
  }

  /**
   * Checks a bearer token on a request that also presented `presented`'s certificate: valid,
   * bound to that certificate, naming that device, and its session still live.
   */
  async authenticate(bearer: string | undefined, presented: PresentedDevice, options: { allowExpired?: boolean } = {}): Promise<SessionIdentity> {
    if (bearer === undefined) {
      throw new ZerogateError('ZG_ERR_AUTH_SESSION_REQUIRED', 'a session token is required: sign in with `zerogate login`', { reasons: ['user-unauthenticated'] });
    }
    const now = this.#now();
    const claims = await this.#deps.tokens.verify(bearer, presented.certThumbprint, { now, ...(options.allowExpired === true ? { allowExpired: true } : {}) });
    // The signature check tolerates clock skew on `exp`; access does not: a tunnel ends exactly
    // at its token's expiry, so the same token must not open a new one in the tolerance window.
    if (options.allowExpired !== true && now >= claims.expiresAt) {
      throw new ZerogateError('ZG_ERR_AUTH_SESSION_EXPIRED', 'the session token has expired: the agent renews it, or sign in again', { reasons: ['token-expired'] });
    }
    if (claims.deviceId !== presented.device.id || claims.user !== presented.device.user) {
      throw new ZerogateError('ZG_ERR_AUTH_SESSION_INVALID', 'the session token belongs to another device', { reasons: ['token-invalid'], detail: { check: 'device' } });
    }
    const session = await this.#deps.store.getSession(claims.sid);
    if (session === undefined || session.deviceId !== presented.device.id) {
      throw new ZerogateError('ZG_ERR_AUTH_SESSION_INVALID', 'the session is unknown to this proxy', { reasons: ['token-invalid'], detail: { check: 'session' } });
    }
    if (session.revokedAt !== undefined) {
      throw new ZerogateError('ZG_ERR_AUTH_SESSION_REVOKED', 'this session was ended (signed out or revoked): sign in again with `zerogate login`', {
        reasons: ['session-revoked'],
      });
    }
    if (now >= session.maxExpiresAt) {
      throw new ZerogateError('ZG_ERR_AUTH_SESSION_EXPIRED', 'this session has reached its maximum age: sign in again with `zerogate login`', {
        reasons: ['token-expired'],
      });
    }
    return { claims, session };
  }

  /**
   * Renews a session's token. A sign-in session needs a fresh ID token whose user is the
   * session's and whose MFA is recent enough; a token-enrolled device needs only its certificate.
   */
  async renew(current: SessionIdentity, presented: PresentedDevice, idToken: string | undefined, source: string): Promise<IssuedSession> {
    const { session } = current;
    let identity: VerifiedIdentity | undefined;
    if (session.method === 'idp') {
      if (idToken === undefined) {
        throw new ZerogateError('ZG_ERR_AUTH_REAUTH_REQUIRED', 'renewing this session needs a fresh ID token from the identity provider', { reasons: ['token-expired'] });
      }
      identity = await this.verifyIdToken(idToken, source, 'session.renew');
      if (identity.user !== session.user) {
        throw new ZerogateError('ZG_ERR_AUTH_USER_MISMATCH', 'the ID token names another user than this session', { reasons: ['user-not-allowed'] });
      }
      await this.claimIdToken(idToken, identity, source, 'session.renew');
    }
    const now = this.#now();
    const maxExpiresAt = Math.min(session.maxExpiresAt, presented.certNotAfter);
    const tokenExpiresAt = Math.min(now + this.#deps.lifetimes.tokenTtlMs, maxExpiresAt);
    const update = {
      // A refreshed token without auth_time says nothing of the last sign-in: keep the session's.
      authTime: identity !== undefined && identity.authTimeKnown ? identity.authTime : session.authTime,
      groups: identity?.groups ?? session.groups,
      amr: identity?.amr ?? session.amr,
      acr: identity?.acr ?? session.acr,
      tokenExpiresAt,
    };
    if (!(await this.#deps.store.renewSession(session.id, update))) {
      throw new ZerogateError('ZG_ERR_AUTH_SESSION_REVOKED', 'this session was ended: sign in again with `zerogate login`', { reasons: ['session-revoked'] });
    }
    return this.issue({ ...session, ...update }, presented.certThumbprint, source, 'session.renew');
  }

  /** Ends a session everywhere (every node's watcher cuts its tunnels). */
  async logout(current: SessionIdentity, source: string): Promise<boolean> {
    const revoked = await this.#deps.store.revokeSession(current.session.id, this.#now());
    this.#deps.audit.record({
      type: 'session.logout',
      decision: 'allow',
      source,
      user: current.session.user,
      device: current.session.deviceId,
      detail: { session: current.session.id, revoked },
    });
    return revoked;
  }
}
