/**
 * The embedded OpenID Connect identity provider (DESIGN.md §6): oidc-provider 8 mounted at
 * `/idp` on the proxy's HTTPS server, with password + TOTP sign-in pages, the device
 * authorization grant, and the store as its storage.
 */
export { createEmbeddedIdp, IDP_KEYS_FILE_NAME, type EmbeddedIdp } from './embedded-idp.ts';
export {
  DEFAULT_ACR,
  DEFAULT_AMR,
  DEFAULT_DEVICE_CODE_TTL_S,
  DEFAULT_FAILURE_WINDOW_MS,
  DEFAULT_FAILURES_PER_SOURCE,
  DEFAULT_FAILURES_PER_USER,
  DEFAULT_GROUPS_CLAIM,
  DEFAULT_ID_TOKEN_TTL_S,
  DEFAULT_REFRESH_TOKEN_TTL_S,
  DEFAULT_TITLE,
  IDP_FORM_POSTS_PER_MINUTE,
  IDP_REQUESTS_PER_MINUTE,
  type EmbeddedIdpOptions,
  type IdpUserConfig,
} from './options.ts';
export { MAX_CONCURRENT_ATTEMPTS_PER_SOURCE, MAX_CONCURRENT_PASSWORD_CHECKS } from './failure-limiter.ts';
export { hashPassword, verifyPassword } from './password.ts';
export { AGENT_CLIENT_ID, agentClient, DEVICE_CODE_GRANT_TYPE } from './agent-client.ts';
export { IDP_SCOPES } from './provider-config.ts';
