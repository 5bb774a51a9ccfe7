/**
 * The signing keys of an external IdP: its discovery document (OpenID Connect Discovery 1.0)
 * names the JWKS, which jose fetches, caches and refetches when a token names an unknown `kid`
 * (with a cooldown, so forged `kid`s cannot make us hammer the IdP). Any failure to reach the
 * IdP refuses the sign-in: fail closed.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { ZerogateError } from '../../shared/errors.ts';

/** Timeout of one request to the IdP (discovery or JWKS). */
export const IDP_FETCH_TIMEOUT_MS = 5_000;
/** How long fetched keys are used before they are fetched again. */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** Least time between two JWKS fetches (unknown `kid`s, errors). */
export const JWKS_COOLDOWN_MS = 30_000;
/** How long a discovery document is reused. */
export const DISCOVERY_CACHE_MS = 60 * 60_000;
/** Largest discovery document read. */
export const DISCOVERY_MAX_BYTES = 256 * 1024;
/** Largest JWKS read (real ones hold a few keys: a few KiB). */
export const JWKS_MAX_BYTES = 256 * 1024;

/** Reads a response body, refusing it as soon as it grows past `max` bytes (never buffered whole). */
async function readCapped(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new Error(`answer of ${declared} bytes, more than ${max}`);
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`answer larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface IssuerKeysOptions {
  issuer: string;
  /** Replaces global fetch (tests). */
  fetch?: FetchLike;
}

/** A JWKS source for jose that discovers the IdP's `jwks_uri` on first use. */
export class IssuerKeys {
  readonly #issuer: string;
  readonly #fetch: FetchLike;
  #jwks: { get: JWTVerifyGetKey; at: number } | undefined;
  #pending: Promise<JWTVerifyGetKey> | undefined;

  constructor(options: IssuerKeysOptions) {
    this.#issuer = options.issuer;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
  }

  /** The key resolver jose's `jwtVerify` calls. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const jwks = await this.#keys();
    return jwks(header, token);
  };

  /** Fetches the discovery document now (readiness checks); throws when the IdP is unreachable. */
  async check(): Promise<void> {
    await this.#keys();
  }

  async #keys(): Promise<JWTVerifyGetKey> {
    if (this.#jwks !== undefined && Date.now() - this.#jwks.at < DISCOVERY_CACHE_MS) return this.#jwks.get;
    this.#pending ??= this.#discover().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #discover(): Promise<JWTVerifyGetKey> {
    const url = `${this.#issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await this.#fetch(url, { signal: AbortSignal.timeout(IDP_FETCH_TIMEOUT_MS), headers: { accept: 'application/json' }, redirect: 'error' });
      if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`);
      document = JSON.parse(await readCapped(response, DISCOVERY_MAX_BYTES));
    } catch (cause) {
      throw new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', `the identity provider's discovery document cannot be read from ${url}`, { cause });
    }
    const fields = document !== null && typeof document === 'object' ? (document as Record<string, unknown>) : {};
    if (fields.issuer !== this.#issuer) {
      throw new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', `the identity provider's discovery document names another issuer than ${this.#issuer}`);
    }
    const jwksUri = fields.jwks_uri;
    if (typeof jwksUri !== 'string' || !jwksUri.startsWith('https://')) {
      throw new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', 'the identity provider\'s discovery document has no https jwks_uri');
    }
    const fetcher = this.#fetch;
    const get = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: IDP_FETCH_TIMEOUT_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      [customFetch]: (input: string, init: RequestInit) => fetchJwks(fetcher, input, init),
    });
    this.#jwks = { get, at: Date.now() };
    return get;
  }
}

/**
 * Fetches the JWKS for jose. An answer that is not a 200 with JSON is the IdP's failure, not the
 * token's: jose would report it as a generic error (read as a malformed token), so it is
 * `ZG_ERR_AUTH_IDP_UNAVAILABLE` here.
 */
async function fetchJwks(fetcher: FetchLike, url: string, init: RequestInit): Promise<Response> {
  const response = await fetcher(url, { ...init, redirect: 'error' });
  const unavailable = (why: string, cause?: unknown) =>
    new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', `the identity provider's keys cannot be read from ${url}: ${why}`, cause === undefined ? {} : { cause });
  if (response.status !== 200) throw unavailable(`HTTP ${response.status}`);
  let text: string;
  try {
    text = await readCapped(response, JWKS_MAX_BYTES);
    JSON.parse(text);
  } catch (cause) {
    throw unavailable('not a JSON key set of a sane size', cause);
  }
  return new Response(text, { status: 200, headers: response.headers });
}
