/**
 * The identity assertion the proxy sends an HTTP app (docs/http-apps.md): a short-lived ES256
 * JWT in `X-Zerogate-Assertion` naming the user, groups, device and posture verdict of the
 * request, signed with a key kept in the data dir (`assertion-signing-key.json`, 0600, shared by
 * every node) and verifiable by the app with the JWKS at {@link JWKS_PATH}.
 */
import { readFile } from 'node:fs/promises';
import { createPrivateKey, sign as signBytes, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { ZerogateError } from '../../shared/errors.ts';
import { writeFileAtomic } from '../pki/atomic-file.ts';
import type { HttpPrincipal } from './types.ts';

export const ASSERTION_ALG = 'ES256';
/** JWT `typ` (RFC 8725 §3.11): an assertion is never confused with a session or ID token. */
export const ASSERTION_TYP = 'zerogate-assertion+jwt';
/** Lifetime of one assertion: it covers one request, so a minute absorbs clock skew and slow apps. */
export const ASSERTION_TTL_S = 60;
/** The file in the data dir (docs/scale-out.md lists it among the keys every node shares). */
export const ASSERTION_KEY_FILE = 'assertion-signing-key.json';
/** Where the proxy publishes the public key. */
export const JWKS_PATH = '/.well-known/zerogate/jwks.json';

export interface AssertionInput {
  /** The app id (the audience). */
  app: string;
  principal: HttpPrincipal;
  /** The request id (the JWT id). */
  requestId: string;
}

export class AssertionSigner {
  readonly #issuer: string;
  readonly #key: KeyObject;
  readonly #publicJwk: JWK;
  /** The protected header, encoded once: it is the same for every assertion. */
  readonly #header: string;

  private constructor(issuer: string, key: KeyObject, publicJwk: JWK) {
    this.#issuer = issuer;
    this.#key = key;
    this.#publicJwk = publicJwk;
    this.#header = Buffer.from(JSON.stringify({ alg: ASSERTION_ALG, typ: ASSERTION_TYP, kid: publicJwk.kid })).toString('base64url');
  }

  /** Loads the key from `keyFile`, creating it (mode 0600) on first start. */
  static async open(keyFile: string, issuer: string): Promise<AssertionSigner> {
    let jwk: JWK;
    try {
      jwk = JSON.parse(await readFile(keyFile, 'utf8')) as JWK;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ZerogateError('ZG_ERR_PKI_CA_INVALID', `the assertion signing key ${keyFile} cannot be read`, { cause: error });
      }
      const { privateKey } = await generateKeyPair(ASSERTION_ALG, { extractable: true });
      jwk = await exportJWK(privateKey);
      await writeFileAtomic(keyFile, `${JSON.stringify(jwk)}\n`, 0o600);
    }
    return AssertionSigner.#fromJwk(jwk, issuer);
  }

  /** A key that lives only in memory (unit tests). */
  static async ephemeral(issuer: string): Promise<AssertionSigner> {
    const { privateKey } = await generateKeyPair(ASSERTION_ALG, { extractable: true });
    return AssertionSigner.#fromJwk(await exportJWK(privateKey), issuer);
  }

  static async #fromJwk(jwk: JWK, issuer: string): Promise<AssertionSigner> {
    const { d: _d, ...publicPart } = jwk;
    const kid = await calculateJwkThumbprint(publicPart);
    // node:crypto signs about three times faster than jose over WebCrypto, and an assertion is
    // signed on every request (test/bench: the gateway's largest CPU item).
    const key = createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    return new AssertionSigner(issuer, key, { kty: publicPart.kty, crv: publicPart.crv, x: publicPart.x, y: publicPart.y, kid, alg: ASSERTION_ALG, use: 'sig' } as JWK);
  }

  /** The JWKS the proxy publishes at {@link JWKS_PATH}. */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.#publicJwk }] };
  }

  async sign(input: AssertionInput, now = Date.now()): Promise<string> {
    const { principal } = input;
    const iat = Math.floor(now / 1000);
    const payload = {
      ...(principal.email === undefined ? {} : { email: principal.email }),
      groups: principal.groups,
      ...(principal.deviceId === undefined ? {} : { device: principal.deviceId }),
      posture: principal.posture,
      via: principal.via,
      iss: this.#issuer,
      aud: input.app,
      sub: principal.user,
      iat,
      exp: iat + ASSERTION_TTL_S,
      jti: input.requestId,
    };
    const signingInput = `${this.#header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    // ES256 in JWS is the raw r||s pair (RFC 7518 §3.4), not DER.
    const signature = signBytes('sha256', Buffer.from(signingInput), { key: this.#key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  }
}
