/**
 * The console's two cookies as tokens (jose): the session, a signed JWT (HS256) naming the
 * signed-in person, their groups and role and a CSRF secret; and the sign-in state, an encrypted
 * JWT (dir + A256GCM) holding the OAuth `state`, `nonce`, PKCE verifier and where to go next.
 * Both keys are derived (HKDF) from one random key in the data dir, so that every proxy node
 * sharing the data dir accepts every node's cookies.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { EncryptJWT, jwtDecrypt, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { loadOrCreateSecret } from '../identity/console-client.ts';
import { MAX_TOKEN_GROUPS } from '../identity/id-token.ts';

export type ConsoleRole = 'admin' | 'helpdesk' | 'employee';

/** What the session cookie says about the person. */
export interface ConsoleSession {
  /**
   * The browser session's id in the store (Store.createBrowserSession): checked on every request,
   * so a signed-out or revoked session is refused although its signature is still good.
   */
  sid: string;
  user: string;
  name?: string;
  email?: string;
  groups: string[];
  role: ConsoleRole;
  /** A random value the page echoes in `x-zerogate-csrf` on every change. */
  csrf: string;
  /** ms since the epoch. */
  issuedAt: number;
  expiresAt: number;
  /**
   * How the person signed in at the IdP (the ID token's `amr` and `auth_time`, ms), for policies
   * judged on a console identity (clientless browser access: `require.mfa`, `require.maxAuthAge`).
   * Absent in cookies made before they were recorded: then no MFA is assumed and the oldest time.
   */
  amr?: string[];
  authTime?: number;
}

/** What the sign-in state cookie carries from `/console/login` to `/console/callback`. */
export interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
}

/** The data dir file of the console's cookie key (0600). */
export const CONSOLE_KEY_FILE = 'console-cookie-key';
/** How long a sign-in may take, from `/console/login` to the callback. */
export const LOGIN_STATE_TTL_S = 10 * 60;

const SESSION_TYP = 'zg-console-session+jwt';
const SESSION_AUDIENCE = 'zerogate-console-session';
const LOGIN_AUDIENCE = 'zerogate-console-login';
/** Cookies above ~4 KiB are dropped by browsers; tokens are kept well under it. */
const SESSION_TOKEN_BUDGET = 3500;
const ROLES: readonly ConsoleRole[] = ['admin', 'helpdesk', 'employee'];
const CSRF_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** A browser session id: 32 random bytes, base64url (ConsoleTokens.sid). */
export const SID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export class ConsoleTokens {
  readonly #sessionKey: Uint8Array;
  readonly #loginKey: Uint8Array;
  readonly #issuer: string;

  private constructor(master: Buffer, issuer: string) {
    const derive = (info: string) => new Uint8Array(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
    this.#sessionKey = derive('zerogate console session v1');
    this.#loginKey = derive('zerogate console login state v1');
    this.#issuer = issuer;
  }

  /** Keys from `file` (made on first use); `issuer` is the proxy's public URL. */
  static open(file: string, issuer: string): ConsoleTokens {
    return new ConsoleTokens(Buffer.from(loadOrCreateSecret(file, 'a console cookie key'), 'base64url'), issuer);
  }

  /** A fresh CSRF secret. */
  static csrf(): string {
    return randomBytes(32).toString('base64url');
  }

  /** A fresh browser session id. */
  static sid(): string {
    return randomBytes(32).toString('base64url');
  }

  /**
   * Signs a session. When the groups would make the cookie too large for browsers, only those
   * that decide the role (`roleGroups`) are kept: the role stays right, the list is shorter.
   */
  async signSession(session: ConsoleSession, roleGroups: ReadonlySet<string>): Promise<string> {
    const token = await this.#sign(session, session.groups);
    if (token.length <= SESSION_TOKEN_BUDGET) return token;
    return this.#sign(session, session.groups.filter((group) => roleGroups.has(group)));
  }

  #sign(session: ConsoleSession, groups: string[]): Promise<string> {
    return new SignJWT({
      ...(session.name === undefined ? {} : { name: session.name }),
      ...(session.email === undefined ? {} : { email: session.email }),
      sid: session.sid,
      groups,
      role: session.role,
      csrf: session.csrf,
      ...(session.amr === undefined ? {} : { amr: session.amr }),
      ...(session.authTime === undefined ? {} : { auth_time: Math.floor(session.authTime / 1000) }),
    })
      .setProtectedHeader({ alg: 'HS256', typ: SESSION_TYP })
      .setSubject(session.user)
      .setIssuer(this.#issuer)
      .setAudience(SESSION_AUDIENCE)
      .setIssuedAt(Math.floor(session.issuedAt / 1000))
      .setExpirationTime(Math.floor(session.expiresAt / 1000))
      .sign(this.#sessionKey);
  }

  /** The session of a cookie value, or undefined when it is forged, altered, foreign or expired. */
  async verifySession(token: string, now: number): Promise<ConsoleSession | undefined> {
    if (token.length > SESSION_TOKEN_BUDGET * 2) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#sessionKey, {
        algorithms: ['HS256'],
        typ: SESSION_TYP,
        issuer: this.#issuer,
        audience: SESSION_AUDIENCE,
        requiredClaims: ['sub', 'iat', 'exp'],
        currentDate: new Date(now),
      }));
    } catch {
      return undefined;
    }
    return sessionOf(payload);
  }

  /** The sign-in state as an encrypted cookie value, valid {@link LOGIN_STATE_TTL_S}. */
  sealLogin(login: LoginState, now: number): Promise<string> {
    return new EncryptJWT({ ...login })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuer(this.#issuer)
      .setAudience(LOGIN_AUDIENCE)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + LOGIN_STATE_TTL_S)
      .encrypt(this.#loginKey);
  }

  async openLogin(token: string, now: number): Promise<LoginState | undefined> {
    if (token.length > 4096) return undefined;
    try {
      const { payload } = await jwtDecrypt(token, this.#loginKey, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
        issuer: this.#issuer,
        audience: LOGIN_AUDIENCE,
        currentDate: new Date(now),
      });
      const { state, nonce, verifier, next } = payload;
      if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string' || typeof next !== 'string') return undefined;
      return { state, nonce, verifier, next };
    } catch {
      return undefined;
    }
  }
}

/** Checks the claims' shapes: a valid signature only says the proxy wrote them. */
function sessionOf(payload: JWTPayload): ConsoleSession | undefined {
  const { sub, sid, name, email, groups, role, csrf, iat, exp, amr, auth_time: authTime } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 254) return undefined;
  // A cookie from before browser sessions were recorded names none: it is no longer a session.
  if (typeof sid !== 'string' || !SID_PATTERN.test(sid)) return undefined;
  if (!Array.isArray(groups) || groups.length > MAX_TOKEN_GROUPS || !groups.every((g) => typeof g === 'string')) return undefined;
  if (typeof role !== 'string' || !ROLES.includes(role as ConsoleRole)) return undefined;
  if (typeof csrf !== 'string' || !CSRF_PATTERN.test(csrf)) return undefined;
  if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  return {
    sid,
    user: sub,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof email === 'string' ? { email } : {}),
    groups: groups as string[],
    role: role as ConsoleRole,
    csrf,
    issuedAt: iat * 1000,
    expiresAt: exp * 1000,
    ...(Array.isArray(amr) && amr.length <= MAX_AMR && amr.every((v) => typeof v === 'string' && v.length <= 64) ? { amr: amr as string[] } : {}),
    ...(typeof authTime === 'number' && Number.isFinite(authTime) && authTime <= iat ? { authTime: authTime * 1000 } : {}),
  };
}

/** Most `amr` values kept in a console cookie (IdPs send a handful). */
const MAX_AMR = 16;

/** The console role of a person in `groups`: admin wins over helpdesk; anyone else is an employee. */
export function roleOf(groups: readonly string[], roles: { admin: readonly string[]; helpdesk: readonly string[] }): ConsoleRole {
  if (groups.some((group) => roles.admin.includes(group))) return 'admin';
  if (groups.some((group) => roles.helpdesk.includes(group))) return 'helpdesk';
  return 'employee';
}
