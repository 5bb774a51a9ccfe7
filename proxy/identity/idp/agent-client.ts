import type { ClientMetadata } from 'oidc-provider';

/** The client id the Zerogate agent signs in with (announced in `/.well-known/zerogate`). */
export const AGENT_CLIENT_ID = 'zerogate-agent';

/** RFC 8628 grant type of the device authorization grant. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * The agent's client metadata: a public native client (RFC 8252) with PKCE, signing in through
 * the system browser with a loopback redirect, or with the device authorization grant on
 * headless machines. oidc-provider 8 accepts the registered loopback URI with any port for
 * native clients (RFC 8252 §7.3; lib/models/client.js `redirectUriAllowed`), so the agent may
 * listen on whatever port it gets.
 */
export function agentClient(): ClientMetadata {
  return {
    client_id: AGENT_CLIENT_ID,
    client_name: 'Zerogate agent',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT_TYPE],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  };
}
