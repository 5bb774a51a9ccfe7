/**
 * Every limit and timeout of the agent's OIDC client, in one place (STYLE.md §5, as jose's
 * `jwks/remote.ts` names its own). Values that callers may pass are validated where they enter.
 */

/** Deadline for one HTTPS request to the identity provider (discovery, JWKS, token, device, revocation). */
export const IDP_REQUEST_TIMEOUT_MS = 15_000;

/** The largest response body read from the identity provider: discovery and JWKS documents are a few KiB. */
export const MAX_IDP_RESPONSE_BYTES = 1024 * 1024;

/** How long {@link loginWithBrowser} waits for the browser to come back to the loopback redirect. */
export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;

/** The longest wait a caller may ask for (a sign-in left open for hours is a forgotten one). */
export const MAX_LOGIN_TIMEOUT_MS = 60 * 60_000;

/** The only loopback address the redirect listens on (RFC 8252 §8.3: an IP literal, not `localhost`). */
export const LOOPBACK_HOST = '127.0.0.1';

/** The path of the loopback redirect URI, `http://127.0.0.1:<port>/callback`. */
export const CALLBACK_PATH = '/callback';

/** How long the loopback server lets the browser read its last page before it drops every connection. */
export const LOOPBACK_CLOSE_GRACE_MS = 1_000;

/** Deadline for one browser request to the loopback server (headers and body). */
export const LOOPBACK_REQUEST_TIMEOUT_MS = 10_000;

/**
 * How long {@link openSystemBrowser} watches the launcher: an exit with a failure status in this
 * window is reported; a launcher still running after it is assumed to have opened the browser.
 */
export const BROWSER_LAUNCH_GRACE_MS = 2_000;

/** The environment variable that replaces the platform's URL opener (a path to an executable). */
export const BROWSER_ENV = 'ZEROGATE_BROWSER';

/** How much of an identity provider's `error_description` an error message quotes. */
export const MAX_QUOTED_DESCRIPTION = 200;
