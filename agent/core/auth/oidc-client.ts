import {
  ClientSecretBasic,
  Configuration,
  None,
  customFetch,
  discovery,
  enableNonRepudiationChecks,
} from 'openid-client';
import { ZerogateError } from '../../../shared/errors.ts';
import { IDP_REQUEST_TIMEOUT_MS } from './constants.ts';
import { toZerogateError } from './map-error.ts';
import { createPinnedFetch } from './pinned-fetch.ts';

/** What the proxy announces at `/.well-known/zerogate` (DESIGN.md §3, step 1). */
export interface OidcSettings {
  /** The issuer identifier, an https URL (OpenID Connect Discovery 1.0 §2). */
  issuer: string;
  clientId: string;
  /** Requested scopes; must include `openid`. The proxy sends `openid email profile offline_access groups`. */
  scopes: string[];
  /** `acr_values` to request (OIDC Core §3.1.2.1), when the proxy requires an authentication context. */
  acrValues?: string;
  /** Only for IdPs that register the agent as a confidential client (sent with client_secret_basic). */
  clientSecret?: string;
}

/** How the agent reaches the identity provider. */
export interface OidcTransport {
  /**
   * PEM of the pinned proxy CA. When set, every request to the issuer (discovery, JWKS, token,
   * device authorization, revocation) trusts ONLY this CA. When unset, the system trust store
   * (including `NODE_EXTRA_CA_CERTS`) is used.
   */
  ca?: string;
}

/**
 * A discovered identity provider and the agent's client at it: a wrapper over openid-client's
 * `Configuration`, which only this folder touches (see {@link configurationOf}).
 */
export class OidcClient {
  /** The issuer as the IdP's discovery document names it. */
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly acrValues: string | undefined;

  /** @internal Use {@link discoverIssuer}. */
  constructor(configuration: Configuration, settings: OidcSettings) {
    if (!(configuration instanceof Configuration)) throw new TypeError('use discoverIssuer() to make an OidcClient');
    this.issuer = configuration.serverMetadata().issuer;
    this.clientId = settings.clientId;
    this.scopes = Object.freeze([...settings.scopes]);
    this.acrValues = settings.acrValues;
    CONFIGURATIONS.set(this, configuration);
    Object.freeze(this);
  }

  /** Whether the IdP offers the device authorization grant (RFC 8628 §4). */
  get supportsDeviceCode(): boolean {
    return configurationOf(this).serverMetadata().device_authorization_endpoint !== undefined;
  }

  /** Whether the IdP offers token revocation (RFC 7009 §2). */
  get supportsRevocation(): boolean {
    return configurationOf(this).serverMetadata().revocation_endpoint !== undefined;
  }
}

/**
 * openid-client's Configuration behind each client, kept out of the public object the way
 * openid-client keeps its own internals in a WeakMap (`int(config)`).
 */
const CONFIGURATIONS = new WeakMap<OidcClient, Configuration>();

/** The Configuration of `client`, for the flows in this folder only (not exported from index.ts). */
export function configurationOf(client: OidcClient): Configuration {
  const configuration = client instanceof OidcClient ? CONFIGURATIONS.get(client) : undefined;
  if (configuration === undefined) throw new TypeError('client must be an OidcClient from discoverIssuer()');
  return configuration;
}

/**
 * Discovers the identity provider (OpenID Connect Discovery 1.0, RFC 8414) over the pinned
 * transport and prepares the agent's client: a public native client (`none` authentication,
 * RFC 8252 §8.4) unless a secret is given. Every later request of this client goes through the
 * same pinned fetch, with the same deadline. ID tokens from the token endpoint also have their
 * signature checked against the IdP's JWKS (openid-client's non-repudiation checks), on top of
 * the `iss`, `aud`, `exp`, `iat` and `nonce` checks openid-client always makes.
 *
 * Errors: `ZG_ERR_AUTH_IDP_UNTRUSTED`, `ZG_ERR_AUTH_IDP_UNAVAILABLE`, `ZG_ERR_AUTH_IDP_MISCONFIGURED`
 * (issuer not https or not matching its discovery document, scopes without `openid`).
 * Settings of the wrong type are a TypeError.
 */
export async function discoverIssuer(settings: OidcSettings, transport: OidcTransport = {}): Promise<OidcClient> {
  checkSettings(settings);
  const issuer = parseIssuer(settings.issuer);
  const fetch = createPinnedFetch(transport.ca === undefined ? {} : { ca: transport.ca });
  const clientAuthentication = settings.clientSecret === undefined ? None() : ClientSecretBasic(settings.clientSecret);
  let configuration: Configuration;
  try {
    configuration = await discovery(issuer, settings.clientId, undefined, clientAuthentication, {
      [customFetch]: fetch,
      timeout: Math.ceil(IDP_REQUEST_TIMEOUT_MS / 1000),
      execute: [enableNonRepudiationChecks],
    });
  } catch (error) {
    throw toZerogateError(error, 'discovery', issuer.origin);
  }
  return new OidcClient(configuration, settings);
}

function parseIssuer(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider issuer "${value.slice(0, 100)}" is not a URL`);
  }
  if (url.protocol !== 'https:') {
    throw new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider issuer ${url.origin} is not https`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', 'the identity provider issuer must not carry credentials, a query or a fragment');
  }
  return url;
}

function checkSettings(settings: OidcSettings): void {
  if (typeof settings !== 'object' || settings === null) throw new TypeError('settings must be an object');
  if (typeof settings.issuer !== 'string') throw new TypeError('settings.issuer must be a string');
  if (typeof settings.clientId !== 'string' || settings.clientId === '') throw new TypeError('settings.clientId must be a non-empty string');
  if (!Array.isArray(settings.scopes) || !settings.scopes.every((scope) => typeof scope === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    throw new TypeError('settings.scopes must be an array of scope tokens');
  }
  if (settings.acrValues !== undefined && typeof settings.acrValues !== 'string') throw new TypeError('settings.acrValues must be a string');
  if (settings.clientSecret !== undefined && typeof settings.clientSecret !== 'string') throw new TypeError('settings.clientSecret must be a string');
  if (!settings.scopes.includes('openid')) {
    throw new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', 'the announced scopes do not include "openid": the agent needs an ID token');
  }
}
