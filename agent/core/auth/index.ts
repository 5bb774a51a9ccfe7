/**
 * The agent's OIDC client (DESIGN.md §3, step 2): discovery over the pinned proxy CA, sign-in
 * through the system browser (authorization code + PKCE, RFC 8252 loopback redirect) or with a
 * device code (RFC 8628), renewal with the refresh token, and revocation (RFC 7009). Built on
 * openid-client; its errors become Zerogate codes in one place (map-error.ts).
 */
export { discoverIssuer, OidcClient, type OidcSettings, type OidcTransport } from './oidc-client.ts';
export { loginWithBrowser, type BrowserLoginOptions } from './browser-login.ts';
export { loginWithDeviceCode, type DeviceCodePrompt, type DeviceLoginOptions } from './device-login.ts';
export { refreshTokens, revokeRefreshToken } from './refresh.ts';
export { openSystemBrowser } from './system-browser.ts';
export type { TokenSet } from './token-set.ts';
export {
  BROWSER_ENV,
  BROWSER_LAUNCH_GRACE_MS,
  DEFAULT_LOGIN_TIMEOUT_MS,
  IDP_REQUEST_TIMEOUT_MS,
  MAX_IDP_RESPONSE_BYTES,
  MAX_LOGIN_TIMEOUT_MS,
} from './constants.ts';
