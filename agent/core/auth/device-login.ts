import { initiateDeviceAuthorization, pollDeviceAuthorizationGrant } from 'openid-client';
import { ZerogateError } from '../../../shared/errors.ts';
import { cancelled, throwIfCancelled } from './cancellation.ts';
import { toZerogateError } from './map-error.ts';
import { configurationOf, type OidcClient } from './oidc-client.ts';
import { toTokenSet, type TokenSet } from './token-set.ts';

/** What to show the user on a headless machine (RFC 8628 §3.3). */
export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  /** The same URI with the code filled in (RFC 8628 §3.3.1), e.g. for a QR code. */
  verificationUriComplete?: string;
  expiresInSeconds: number;
}

export interface DeviceLoginOptions {
  /** Shows the code and where to enter it. Called once, before polling starts. */
  show: (prompt: DeviceCodePrompt) => void;
  /** Cancels the sign-in (`ZG_ERR_AUTH_LOGIN_FAILED`). */
  signal?: AbortSignal;
}

/**
 * Signs in with the OAuth 2.0 device authorization grant (RFC 8628): asks the IdP for a user
 * code, shows it, and polls the token endpoint at the interval the IdP asks for (5 s by default,
 * 5 s more after each `slow_down`, RFC 8628 §3.5) until the user finishes on another device.
 * Polling ends when the device code expires (`expires_in`), even if a caller's signal is given.
 *
 * Errors: `ZG_ERR_AUTH_LOGIN_TIMEOUT` (the code expired), `ZG_ERR_AUTH_LOGIN_FAILED` (the user
 * denied it at the IdP, or the signal fired), `ZG_ERR_AUTH_IDP_MISCONFIGURED` (the IdP has no
 * device endpoint or refuses the grant for this client), and the transport errors.
 */
export async function loginWithDeviceCode(client: OidcClient, options: DeviceLoginOptions): Promise<TokenSet> {
  const configuration = configurationOf(client);
  if (typeof options !== 'object' || options === null || typeof options.show !== 'function') {
    throw new TypeError('options.show must be a function that shows the user code');
  }
  throwIfCancelled(options.signal);
  if (!client.supportsDeviceCode) {
    throw new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider ${client.issuer} does not offer the device authorization grant: sign in with the browser instead`);
  }

  const parameters: Record<string, string> = { scope: client.scopes.join(' ') };
  if (client.acrValues !== undefined) parameters.acr_values = client.acrValues;
  let authorization: Awaited<ReturnType<typeof initiateDeviceAuthorization>>;
  try {
    authorization = await initiateDeviceAuthorization(configuration, parameters);
  } catch (error) {
    throw toZerogateError(error, 'device-authorization', client.issuer);
  }

  options.show({
    userCode: authorization.user_code,
    verificationUri: authorization.verification_uri,
    ...(authorization.verification_uri_complete === undefined ? {} : { verificationUriComplete: authorization.verification_uri_complete }),
    expiresInSeconds: authorization.expires_in,
  });

  // openid-client stops at expires_in only when given no signal: keep that bound with ours.
  const expiry = AbortSignal.timeout(authorization.expires_in * 1000);
  const signal = options.signal === undefined ? expiry : AbortSignal.any([options.signal, expiry]);
  try {
    // openid-client looks at the signal only between polls (every `interval` s): stop at once.
    const poll = pollDeviceAuthorizationGrant(configuration, authorization, undefined, { signal });
    poll.catch(() => undefined);
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    const response = await Promise.race([poll, aborted]);
    return toTokenSet(response, client.issuer);
  } catch (error) {
    if (options.signal?.aborted === true) throw cancelled();
    if (expiry.aborted) {
      throw new ZerogateError('ZG_ERR_AUTH_LOGIN_TIMEOUT', 'the device code expired before the sign-in was completed: run `zerogate login --device-code` again', {
        detail: { expiresInSeconds: authorization.expires_in },
      });
    }
    throw toZerogateError(error, 'device-poll', client.issuer);
  }
}
