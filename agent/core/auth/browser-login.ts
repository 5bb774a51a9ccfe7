import {
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
} from 'openid-client';
import { ZerogateError } from '../../../shared/errors.ts';
import { cancelled, throwIfCancelled } from './cancellation.ts';
import { DEFAULT_LOGIN_TIMEOUT_MS, LOOPBACK_HOST, MAX_LOGIN_TIMEOUT_MS } from './constants.ts';
import { LoopbackReceiver, type LoopbackCallback } from './loopback-server.ts';
import { toZerogateError } from './map-error.ts';
import { configurationOf, type OidcClient } from './oidc-client.ts';
import { toTokenSet, type TokenSet } from './token-set.ts';

export interface BrowserLoginOptions {
  /** Shows the authorization URL to the user: {@link openSystemBrowser}, or print it (`--no-browser`). */
  open: (url: string) => void | Promise<void>;
  /** How long to wait for the browser to come back. Default {@link DEFAULT_LOGIN_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Cancels the sign-in (`ZG_ERR_AUTH_LOGIN_FAILED`). */
  signal?: AbortSignal;
  /** The loopback address to listen on; only the IPv4 literal of RFC 8252 §8.3. */
  listenHost?: '127.0.0.1';
}

/**
 * Signs in through the system browser: OIDC authorization code flow (OIDC Core §3.1) for a
 * native app (RFC 8252) with PKCE S256 (RFC 7636), `state` and `nonce`, and a loopback redirect
 * `http://127.0.0.1:<ephemeral port>/callback` (RFC 8252 §7.3). The loopback server is always
 * closed before this returns. When the scopes ask for `offline_access`, `prompt=consent` is sent
 * as OIDC Core §11 requires for a refresh token to be issued.
 *
 * Errors: `ZG_ERR_AUTH_LOGIN_FAILED` (the IdP answered `access_denied` or another error, or the
 * signal fired), `ZG_ERR_AUTH_LOGIN_TIMEOUT`, `ZG_ERR_AUTH_ID_TOKEN_INVALID`, and the transport
 * errors of {@link discoverIssuer}. An error thrown by `open` is passed through unchanged.
 */
export async function loginWithBrowser(client: OidcClient, options: BrowserLoginOptions): Promise<TokenSet> {
  const configuration = configurationOf(client);
  const timeoutMs = checkOptions(options);
  throwIfCancelled(options.signal);

  const codeVerifier = randomPKCECodeVerifier();
  const codeChallenge = await calculatePKCECodeChallenge(codeVerifier);
  const state = randomState();
  const nonce = randomNonce();
  const receiver = await LoopbackReceiver.start({ expectedState: state });
  let callback: LoopbackCallback | undefined;
  try {
    const parameters: Record<string, string> = {
      redirect_uri: receiver.redirectUri,
      scope: client.scopes.join(' '),
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    if (client.scopes.includes('offline_access')) parameters.prompt = 'consent';
    if (client.acrValues !== undefined) parameters.acr_values = client.acrValues;
    const authorizationUrl = buildAuthorizationUrl(configuration, parameters);

    // The callback may arrive before `open` settles (a launcher that waits): only its failure matters.
    const openFailed = Promise.resolve()
      .then(() => options.open(authorizationUrl.href))
      .then(() => new Promise<never>(() => undefined));
    const arrived = await withDeadline(Promise.race([receiver.callback, openFailed]), timeoutMs, options.signal);
    callback = arrived;
    let tokens: TokenSet;
    try {
      const response = await authorizationCodeGrant(configuration, arrived.url, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      tokens = toTokenSet(response, client.issuer);
    } catch (error) {
      throw toZerogateError(error, 'authorization', client.issuer);
    }
    arrived.respond({ ok: true });
    return tokens;
  } catch (error) {
    callback?.respond({ ok: false, message: error instanceof ZerogateError ? error.message : 'an unexpected error' });
    throw error;
  } finally {
    await receiver.close();
  }
}

/** Waits for `promise`, but no longer than `timeoutMs` and not past `signal`. */
function withDeadline<T>(promise: Promise<T>, timeoutMs: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new ZerogateError('ZG_ERR_AUTH_LOGIN_TIMEOUT', `the sign-in was not completed within ${Math.round(timeoutMs / 1000)} s: run \`zerogate login\` again`, { detail: { timeoutMs } }));
    }, timeoutMs);
    const onAbort = (): void => {
      cleanup();
      reject(cancelled());
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

function checkOptions(options: BrowserLoginOptions): number {
  if (typeof options !== 'object' || options === null || typeof options.open !== 'function') {
    throw new TypeError('options.open must be a function that shows the sign-in URL');
  }
  if (options.listenHost !== undefined && options.listenHost !== LOOPBACK_HOST) {
    throw new TypeError(`options.listenHost must be ${LOOPBACK_HOST} (RFC 8252 §8.3)`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_LOGIN_TIMEOUT_MS) {
    throw new TypeError(`options.timeoutMs must be an integer between 1 and ${MAX_LOGIN_TIMEOUT_MS}`);
  }
  return timeoutMs;
}
