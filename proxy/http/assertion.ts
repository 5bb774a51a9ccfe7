/**
 * The identity assertion the proxy sends an HTTP app (docs/http-apps.md): a short-lived ES256
 * JWT in `X-Zerogate-Assertion` naming the user, groups, device and posture verdict of the
 * request, signed with a key kept in the data dir (`assertion-signing-key.json`, 0600, shared by
 * every node) and verifiable by the app with the JWKS at {@link JWKS_PATH}.
 */
import { readFile } from 'node:fs/promises';
import type { webcrypto } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { ZerogateError } from '../../shared/errors.ts';
import { writeFileAtomic } from '../pki/atomic-file.ts';
import type { HttpPrincipal } from './types.ts';

type CryptoKey = webcrypto.CryptoKey;

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
  readonly #key: CryptoKey;
  readonly #publicJwk: JWK;

  private constructor(issuer: string, key: CryptoKey, publicJwk: JWK) {
    this.#issuer = issuer;
    this.#key = key;
    this.#publicJwk = publicJwk;
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
    const key = (await importJWK(jwk, ASSERTION_ALG)) as CryptoKey;
    return new AssertionSigner(issuer, key, { kty: publicPart.kty, crv: publicPart.crv, x: publicPart.x, y: publicPart.y, kid, alg: ASSERTION_ALG, use: 'sig' } as JWK);
  }

  /** The JWKS the proxy publishes at {@link JWKS_PATH}. */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.#publicJwk }] };
  }

  async sign(input: AssertionInput, now = Date.now()): Promise<string> {
    const { principal } = input;
    const iat = Math.floor(now / 1000);
    return new SignJWT({
      ...(principal.email === undefined ? {} : { email: principal.email }),
      groups: principal.groups,
      ...(principal.deviceId === undefined ? {} : { device: principal.deviceId }),
      posture: principal.posture,
      via: principal.via,
    })
      .setProtectedHeader({ alg: ASSERTION_ALG, typ: ASSERTION_TYP, kid: this.#publicJwk.kid as string })
      .setIssuer(this.#issuer)
      .setAudience(input.app)
      .setSubject(principal.user)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_TTL_S)
      .setJti(input.requestId)
      .sign(this.#key);
  }
}
