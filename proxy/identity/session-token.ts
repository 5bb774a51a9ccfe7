/**
 * The proxy's own session tokens (DESIGN.md §3): short-lived JWTs signed with the proxy's key,
 * bound to the device certificate they were issued for (RFC 8705 §3.1, `cnf.x5t#S256`), so a
 * token copied off a device is useless without that device's private key.
 */
import { createHash, randomUUID, type webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, decodeJwt, errors, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { ZerogateError } from '../../shared/errors.ts';
import { writeFileAtomic } from '../pki/atomic-file.ts';

/** The only signing algorithm (P-256, RFC 7518 §3.4). */
export const SESSION_TOKEN_ALG = 'ES256';
/** JWT `typ` header (RFC 8725 §3.11: explicit typing keeps it from being confused with ID tokens). */
export const SESSION_TOKEN_TYP = 'zerogate-session+jwt';
/** The audience: the tunnel and session endpoints of this deployment. */
export const SESSION_TOKEN_AUDIENCE = 'zerogate';
/** Clock skew tolerated between proxy nodes, seconds. */
export const SESSION_CLOCK_TOLERANCE_S = 5;
/** Longest session token accepted, characters. */
export const SESSION_TOKEN_MAX_LENGTH = 8 * 1024;

/** The claims of a session token, typed. */
export interface SessionClaims {
  /** Session id. */
  sid: string;
  user: string;
  deviceId: string;
  groups: string[];
  amr: string[];
  acr: string | undefined;
  /** ms since the epoch. */
  authTime: number;
  /** ms since the epoch. */
  expiresAt: number;
  /** base64url SHA-256 of the device certificate's DER. */
  certThumbprint: string;
}

/** RFC 8705 §3.1: base64url(SHA-256(DER of the certificate)). */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

function invalid(message: string, cause?: unknown): ZerogateError {
  return new ZerogateError('ZG_ERR_AUTH_SESSION_INVALID', message, { reasons: ['token-invalid'], ...(cause === undefined ? {} : { cause }) });
}

/** Signs and verifies session tokens with one ES256 key kept in the data dir. */
export class SessionTokens {
  readonly #issuer: string;
  readonly #privateKey: CryptoKey;
  readonly #publicKey: CryptoKey;
  readonly #kid: string;

  private constructor(issuer: string, privateKey: CryptoKey, publicKey: CryptoKey, kid: string) {
    this.#issuer = issuer;
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    this.#kid = kid;
  }

  /**
   * Loads the signing key from `keyFile`, creating it (mode 0600) on first start. Every proxy
   * node of a deployment must share this file.
   */
  static async open(keyFile: string, issuer: string): Promise<SessionTokens> {
    let jwk: JWK;
    try {
      jwk = JSON.parse(await readFile(keyFile, 'utf8')) as JWK;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ZerogateError('ZG_ERR_PKI_CA_INVALID', `the session signing key ${keyFile} cannot be read`, { cause: error });
      }
      const { privateKey } = await generateKeyPair(SESSION_TOKEN_ALG, { extractable: true });
      jwk = await exportJWK(privateKey);
      await writeFileAtomic(keyFile, `${JSON.stringify(jwk)}\n`, 0o600);
    }
    const { d: _d, ...publicJwk } = jwk;
    const privateKey = (await importJWK(jwk, SESSION_TOKEN_ALG)) as CryptoKey;
    const publicKey = (await importJWK(publicJwk, SESSION_TOKEN_ALG)) as CryptoKey;
    return new SessionTokens(issuer, privateKey, publicKey, await calculateJwkThumbprint(publicJwk));
  }

  /** A key that lives only in memory (tests, throwaway proxies). */
  static async ephemeral(issuer: string): Promise<SessionTokens> {
    const { privateKey, publicKey } = await generateKeyPair(SESSION_TOKEN_ALG);
    return new SessionTokens(issuer, privateKey, publicKey, await calculateJwkThumbprint(await exportJWK(publicKey)));
  }

  async sign(claims: SessionClaims, now = Date.now()): Promise<string> {
    return new SignJWT({
      sid: claims.sid,
      dev: claims.deviceId,
      groups: claims.groups,
      amr: claims.amr,
      ...(claims.acr === undefined ? {} : { acr: claims.acr }),
      auth_time: Math.floor(claims.authTime / 1000),
      cnf: { 'x5t#S256': claims.certThumbprint },
    })
      .setProtectedHeader({ alg: SESSION_TOKEN_ALG, typ: SESSION_TOKEN_TYP, kid: this.#kid })
      .setIssuer(this.#issuer)
      .setAudience(SESSION_TOKEN_AUDIENCE)
      .setSubject(claims.user)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(claims.expiresAt / 1000))
      .setJti(randomUUID())
      .sign(this.#privateKey);
  }

  /**
   * Verifies a token's signature, type, issuer, audience and binding to the presented
   * certificate. With `allowExpired` an expired token still identifies its session (renewal
   * with a fresh ID token); it is never accepted for access.
   */
  async verify(token: string, certThumbprint: string, options: { now?: number; allowExpired?: boolean } = {}): Promise<SessionClaims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > SESSION_TOKEN_MAX_LENGTH) throw invalid('the session token is missing or too long');
    const now = options.now ?? Date.now();
    let at = now;
    if (options.allowExpired === true) {
      try {
        const exp = decodeJwt(token).exp;
        if (typeof exp === 'number') at = Math.min(now, exp * 1000 - 1000);
      } catch (cause) {
        throw invalid('the session token is malformed', cause);
      }
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#publicKey, {
        algorithms: [SESSION_TOKEN_ALG],
        typ: SESSION_TOKEN_TYP,
        issuer: this.#issuer,
        audience: SESSION_TOKEN_AUDIENCE,
        clockTolerance: SESSION_CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp', 'iat', 'sid', 'dev', 'cnf', 'auth_time'],
        currentDate: new Date(at),
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new ZerogateError('ZG_ERR_AUTH_SESSION_EXPIRED', 'the session token has expired: the agent renews it, or sign in again', { reasons: ['token-expired'], cause: error });
      }
      throw invalid('the session token is not valid', error);
    }
    const claims = parseClaims(payload);
    if (claims === undefined) throw invalid('the session token is malformed');
    if (claims.certThumbprint !== certThumbprint) {
      throw new ZerogateError('ZG_ERR_AUTH_SESSION_INVALID', 'the session token belongs to another device certificate', {
        reasons: ['token-invalid'],
        detail: { check: 'cnf' },
      });
    }
    return claims;
  }
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

function parseClaims(p: JWTPayload): SessionClaims | undefined {
  const cnf = p.cnf as Record<string, unknown> | undefined;
  const thumbprint = cnf !== null && typeof cnf === 'object' ? cnf['x5t#S256'] : undefined;
  const groups = strings(p.groups);
  const amr = strings(p.amr);
  if (typeof p.sid !== 'string' || typeof p.dev !== 'string' || typeof p.sub !== 'string' || typeof thumbprint !== 'string') return undefined;
  if (groups === undefined || amr === undefined || typeof p.auth_time !== 'number' || typeof p.exp !== 'number') return undefined;
  return {
    sid: p.sid,
    user: p.sub,
    deviceId: p.dev,
    groups,
    amr,
    acr: typeof p.acr === 'string' ? p.acr : undefined,
    authTime: p.auth_time * 1000,
    expiresAt: p.exp * 1000,
    certThumbprint: thumbprint,
  };
}
