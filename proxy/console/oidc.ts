/**
 * The console's OpenID Connect client (openid-client 6): the proxy is a confidential client
 * (client_secret_basic) using the authorization code flow with PKCE (S256), `state` and `nonce`.
 * The IdP is discovered on first use (the embedded IdP is served by this very server, which is
 * not listening yet when the console is built), and discovered again after a failure.
 */
import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  ClientSecretBasic,
  customFetch,
  discovery,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  type Configuration,
  type CustomFetch,
} from 'openid-client';
import { ZerogateError } from '../../shared/errors.ts';
import { CONSOLE_CALLBACK_PATH } from '../identity/console-client.ts';
import type { ConsoleOidc } from '../identity/setup.ts';
import { IDP_FETCH_TIMEOUT_MS, pinnedFetch } from './idp-fetch.ts';
import type { LoginState } from './session.ts';

/** Why a code exchange failed, for the audit (`detail.check`, `detail.error`); never a token. */
export class CodeExchangeError extends Error {
  readonly check: string;
  readonly error: string | undefined;

  constructor(check: string, error: string | undefined, cause: unknown) {
    super(`code exchange failed (${check}${error === undefined ? '' : `: ${error}`})`, { cause });
    this.check = check;
    this.error = error;
  }
}

export interface ConsoleOidcClientOptions {
  oidc: ConsoleOidc;
  publicUrl: string;
  /** PEM of the CA to trust for the embedded IdP; undefined: the system trust store. */
  ca: string | undefined;
}

export class ConsoleOidcClient {
  readonly #options: ConsoleOidcClientOptions;
  readonly #redirectUri: string;
  #configuration: Promise<Configuration> | undefined;

  constructor(options: ConsoleOidcClientOptions) {
    this.#options = options;
    this.#redirectUri = `${options.publicUrl}${CONSOLE_CALLBACK_PATH}`;
  }

  get redirectUri(): string {
    return this.#redirectUri;
  }

  /** The IdP's authorization URL for a new sign-in, and the state to keep until the callback. */
  async start(next: string): Promise<{ url: string; login: LoginState }> {
    const configuration = await this.#discovered();
    const login: LoginState = { state: randomState(), nonce: randomNonce(), verifier: randomPKCECodeVerifier(), next };
    const { oidc } = this.#options;
    const url = buildAuthorizationUrl(configuration, {
      redirect_uri: this.#redirectUri,
      response_type: 'code',
      scope: oidc.scopes.join(' '),
      state: login.state,
      nonce: login.nonce,
      code_challenge: await calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
      ...(oidc.acrValues.length === 0 ? {} : { acr_values: oidc.acrValues.join(' ') }),
    });
    return { url: url.href, login };
  }

  /**
   * Exchanges the callback's code for an ID token. openid-client checks `state`, the code's
   * PKCE verifier at the IdP, and the ID token's `iss`, `aud`, `nonce`, `exp` and `iat`; the
   * caller verifies the ID token again with the proxy's own rules (signature, MFA, account).
   */
  async exchange(search: string, login: LoginState): Promise<string> {
    const configuration = await this.#discovered();
    let tokens: Awaited<ReturnType<typeof authorizationCodeGrant>>;
    try {
      tokens = await authorizationCodeGrant(configuration, new URL(`${this.#redirectUri}${search}`), {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw exchangeError(error);
    }
    if (typeof tokens.id_token !== 'string') throw new CodeExchangeError('code', 'no_id_token', undefined);
    return tokens.id_token;
  }

  #discovered(): Promise<Configuration> {
    this.#configuration ??= this.#discover().catch((error: unknown) => {
      this.#configuration = undefined;
      throw error;
    });
    return this.#configuration;
  }

  async #discover(): Promise<Configuration> {
    const { oidc, ca } = this.#options;
    if (oidc.clientSecret === undefined) {
      throw new ZerogateError(
        'ZG_ERR_CONSOLE_LOGIN_FAILED',
        'the console cannot sign anyone in: set identity.oidc.clientSecret (a confidential client secret for the proxy) in the proxy config',
        { reasons: ['user-unauthenticated'], detail: { check: 'config', missing: 'identity.oidc.clientSecret' } },
      );
    }
    const fetch: CustomFetch | undefined = oidc.embedded && ca !== undefined ? pinnedFetch(ca) : (oidc.fetch as CustomFetch | undefined);
    try {
      return await discovery(new URL(oidc.issuer), oidc.clientId, undefined, ClientSecretBasic(oidc.clientSecret), {
        ...(fetch === undefined ? {} : { [customFetch]: fetch }),
        timeout: Math.ceil(IDP_FETCH_TIMEOUT_MS / 1000),
      });
    } catch (error) {
      throw new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', 'the identity provider cannot be reached for the console sign-in: try again shortly', { cause: error });
    }
  }
}

/** openid-client's errors as an audit check: `state`, `idp` (an error from the IdP) or `code`. */
function exchangeError(error: unknown): CodeExchangeError {
  const fields = (error ?? {}) as { code?: unknown; error?: unknown; cause?: unknown };
  const oauthError = typeof fields.error === 'string' && /^[a-z_]{1,64}$/.test(fields.error) ? fields.error : undefined;
  const code = typeof fields.code === 'string' && /^[A-Z_]{1,64}$/.test(fields.code) ? fields.code : undefined;
  if (code === 'OAUTH_AUTHORIZATION_RESPONSE_ERROR') return new CodeExchangeError('idp', oauthError, error);
  const cause = (fields.cause ?? {}) as { claim?: unknown };
  if (code === 'OAUTH_INVALID_RESPONSE' && cause.claim === 'state') return new CodeExchangeError('state', undefined, error);
  if (cause.claim === 'nonce') return new CodeExchangeError('nonce', undefined, error);
  return new CodeExchangeError('code', oauthError ?? code, error);
}
