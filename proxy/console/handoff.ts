/**
 * The sign-in handoff from the console's origin to the clientless apps' origin
 * (`server.appsUrl`, docs/clientless.md). Apps run on their own origin so that no app script can
 * read the console's API with an admin's cookie; the person signs in once at the console, which
 * mints a one-time code (a 60 s JWT for the apps origin, single use by its `jti`) carrying who
 * they are; the apps origin spends it and sets its own cookie, `__Host-zg_apps`.
 * Both tokens are HS256 with keys derived (HKDF) from the console's cookie key, as ConsoleTokens
 * does, with their own `info`, `typ` and audience: neither is ever accepted as the other, nor as
 * a console session.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { loadOrCreateSecret } from '../identity/console-client.ts';
import { MAX_TOKEN_GROUPS } from '../identity/id-token.ts';
import { SID_PATTERN, type ConsoleSession } from './session.ts';

/** Who the apps origin knows: the console session's identity, without its role or CSRF secret. */
export interface AppsSession {
  /** The console session it was handed over from: ending that one ends this one. */
  sid: string;
  user: string;
  name?: string;
  email?: string;
  groups: string[];
  amr?: string[];
  /** ms since the epoch, when known. */
  authTime?: number;
  issuedAt: number;
  expiresAt: number;
}

/** A verified handoff code: the identity, the code's id (spent once) and when it expires. */
export interface HandoffCode {
  identity: Omit<AppsSession, 'issuedAt' | 'expiresAt'>;
  jti: string;
  expiresAt: number;
}

/** How long a handoff code is valid: one redirect, so a minute is plenty. */
export const HANDOFF_CODE_TTL_S = 60;
/** The `/a/-/handoff` path on the apps origin (`-` starts no app id, so it never shadows an app). */
export const HANDOFF_PATH = '/a/-/handoff';
/** The console route that mints a code. */
export const CONSOLE_HANDOFF_PATH = '/console/app-handoff';

const CODE_TYP = 'zg-apps-handoff+jwt';
const SESSION_TYP = 'zg-apps-session+jwt';
const MAX_TOKEN_CHARS = 8192;
const MAX_AMR = 16;
const JTI = /^[A-Za-z0-9_-]{22,64}$/;

export class AppsTokens {
  readonly #codeKey: Uint8Array;
  readonly #sessionKey: Uint8Array;
  readonly #issuer: string;
  readonly #appsOrigin: string;

  constructor(master: Buffer, issuer: string, appsOrigin: string) {
    const derive = (info: string) => new Uint8Array(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
    this.#codeKey = derive('zerogate apps handoff code v1');
    this.#sessionKey = derive('zerogate apps session v1');
    this.#issuer = issuer;
    this.#appsOrigin = appsOrigin;
  }

  /** Keys from the console's key file (made on first use); `issuer` is publicUrl. */
  static open(file: string, issuer: string, appsOrigin: string): AppsTokens {
    return new AppsTokens(Buffer.from(loadOrCreateSecret(file, 'a console cookie key'), 'base64url'), issuer, appsOrigin);
  }

  /** A one-time code for the apps origin, naming the console session's person. */
  mintCode(session: Pick<ConsoleSession, 'sid' | 'user' | 'name' | 'email' | 'groups' | 'amr' | 'authTime'>, now: number): Promise<string> {
    const iat = Math.floor(now / 1000);
    return new SignJWT(identityClaims(session))
      .setProtectedHeader({ alg: 'HS256', typ: CODE_TYP })
      .setSubject(session.user)
      .setIssuer(this.#issuer)
      .setAudience(this.#appsOrigin)
      .setJti(randomBytes(24).toString('base64url'))
      .setIssuedAt(iat)
      .setExpirationTime(iat + HANDOFF_CODE_TTL_S)
      .sign(this.#codeKey);
  }

  /** The code's content, or undefined when forged, altered, for another origin or expired (its jti is the caller's to spend). */
  async verifyCode(token: string, now: number): Promise<HandoffCode | undefined> {
    const payload = await this.#verify(token, this.#codeKey, CODE_TYP, this.#appsOrigin, now);
    if (payload === undefined || typeof payload.jti !== 'string' || !JTI.test(payload.jti) || typeof payload.exp !== 'number') return undefined;
    const identity = identityOf(payload);
    return identity === undefined ? undefined : { identity, jti: payload.jti, expiresAt: payload.exp * 1000 };
  }

  /** The `__Host-zg_apps` cookie's value. */
  signSession(session: AppsSession): Promise<string> {
    return new SignJWT(identityClaims(session))
      .setProtectedHeader({ alg: 'HS256', typ: SESSION_TYP })
      .setSubject(session.user)
      .setIssuer(this.#issuer)
      .setAudience(`${this.#appsOrigin}/a/`)
      .setIssuedAt(Math.floor(session.issuedAt / 1000))
      .setExpirationTime(Math.floor(session.expiresAt / 1000))
      .sign(this.#sessionKey);
  }

  async verifySession(token: string, now: number): Promise<AppsSession | undefined> {
    const payload = await this.#verify(token, this.#sessionKey, SESSION_TYP, `${this.#appsOrigin}/a/`, now);
    if (payload === undefined || typeof payload.iat !== 'number' || typeof payload.exp !== 'number') return undefined;
    const identity = identityOf(payload);
    return identity === undefined ? undefined : { ...identity, issuedAt: payload.iat * 1000, expiresAt: payload.exp * 1000 };
  }

  async #verify(token: string, key: Uint8Array, typ: string, audience: string, now: number): Promise<JWTPayload | undefined> {
    if (token.length > MAX_TOKEN_CHARS) return undefined;
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], typ, issuer: this.#issuer, audience, requiredClaims: ['sub', 'iat', 'exp'], currentDate: new Date(now) });
      return payload;
    } catch {
      return undefined;
    }
  }
}

function identityClaims(session: Pick<AppsSession, 'sid' | 'name' | 'email' | 'groups' | 'amr' | 'authTime'>): JWTPayload {
  return {
    sid: session.sid,
    ...(session.name === undefined ? {} : { name: session.name }),
    ...(session.email === undefined ? {} : { email: session.email }),
    groups: session.groups,
    ...(session.amr === undefined ? {} : { amr: session.amr.slice(0, MAX_AMR) }),
    ...(session.authTime === undefined ? {} : { auth_time: Math.floor(session.authTime / 1000) }),
  };
}

/** Checks the claims' shapes: a valid signature only says the proxy wrote them. */
function identityOf(payload: JWTPayload): HandoffCode['identity'] | undefined {
  const { sub, sid, name, email, groups, amr, auth_time: authTime, iat } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 254) return undefined;
  if (typeof sid !== 'string' || !SID_PATTERN.test(sid)) return undefined;
  if (!Array.isArray(groups) || groups.length > MAX_TOKEN_GROUPS || !groups.every((g) => typeof g === 'string')) return undefined;
  return {
    sid,
    user: sub,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof email === 'string' ? { email } : {}),
    groups: groups as string[],
    ...(Array.isArray(amr) && amr.length <= MAX_AMR && amr.every((v) => typeof v === 'string' && v.length <= 64) ? { amr: amr as string[] } : {}),
    ...(typeof authTime === 'number' && Number.isFinite(authTime) && typeof iat === 'number' && authTime <= iat ? { authTime: authTime * 1000 } : {}),
  };
}

/** `next` for the apps origin: only an app's path `/a/<app id>/...` (see safeNext), else undefined. */
export function appNext(next: string): string | undefined {
  return /^\/a\/[a-z0-9]/.test(next) ? next : undefined;
}
