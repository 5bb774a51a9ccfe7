/**
 * The one error class of Zerogate. Every runtime failure that crosses a module boundary is a
 * `ZerogateError` with a stable `code` from {@link ErrorCode}; misuse of an API (a programming
 * error) is a `TypeError` instead. Codes are documented in `docs/errors.md`.
 *
 * Messages never contain tokens, keys, passwords or cookies.
 */

/** Every error code, with its HTTP status (when one applies) and a one-line meaning. */
export const ERROR_CODES = {
  // wire protocol (shared/wire)
  ZG_ERR_WIRE_TRUNCATED: { status: 400, meaning: 'a frame is shorter than its header or fixed-size payload' },
  ZG_ERR_WIRE_UNKNOWN_TYPE: { status: 400, meaning: 'a frame has a type byte the protocol does not define' },
  ZG_ERR_WIRE_FRAME_TOO_LARGE: { status: 400, meaning: 'a frame exceeds the negotiated size limit' },
  ZG_ERR_WIRE_BAD_STREAM: { status: 400, meaning: 'a frame names a stream id not allowed for its type' },
  ZG_ERR_WIRE_BAD_PAYLOAD: { status: 400, meaning: 'a frame payload is malformed (bad JSON, wrong shape, wrong length)' },
  ZG_ERR_WIRE_FLOW_CONTROL: { status: 400, meaning: 'a peer sent more DATA than its credit or an invalid WINDOW' },
  ZG_ERR_WIRE_STREAM_STATE: { status: 400, meaning: 'a frame arrived for a stream in a state that forbids it' },
  // configuration
  ZG_ERR_CONFIG_INVALID: { status: 500, meaning: 'the configuration file is malformed or has invalid values' },
  ZG_ERR_CONFIG_NOT_FOUND: { status: 500, meaning: 'the configuration file does not exist or cannot be read' },
  // PKI and certificates
  ZG_ERR_PKI_NOT_INITIALIZED: { status: 500, meaning: 'the data dir has no CA yet: run `zerogate-proxy init`' },
  ZG_ERR_PKI_BAD_CSR: { status: 400, meaning: 'a certificate signing request is malformed or its signature is wrong' },
  ZG_ERR_PKI_FINGERPRINT_MISMATCH: { status: 400, meaning: 'the proxy CA does not match the pinned fingerprint' },
  ZG_ERR_PKI_BAD_CERT: { status: 400, meaning: 'a certificate could not be parsed' },
  ZG_ERR_PKI_BAD_FINGERPRINT: { status: 400, meaning: 'a certificate fingerprint is not 64 hex digits (SHA-256), with or without colons' },
  ZG_ERR_PKI_CA_INVALID: { status: 500, meaning: 'the device CA cannot be used: unparsable, not a CA, expired, or its key does not match' },
  // enrolment and authentication
  ZG_ERR_AUTH_TOKEN_INVALID: { status: 401, meaning: 'the enrolment token is unknown, expired or already used' },
  ZG_ERR_AUTH_CERT_REQUIRED: { status: 401, meaning: 'the tunnel requires a device client certificate' },
  ZG_ERR_AUTH_CERT_INVALID: { status: 403, meaning: 'the client certificate is not valid for this proxy' },
  ZG_ERR_AUTH_DEVICE_REVOKED: { status: 403, meaning: 'the device or its certificate was revoked' },
  ZG_ERR_AUTH_DEVICE_UNKNOWN: { status: 403, meaning: 'the certificate names a device that is not enrolled' },
  ZG_ERR_AUTH_NOT_ENROLLED: { status: 401, meaning: 'the agent is not enrolled: run `zerogate login`' },
  // identity (OIDC sign-in and session tokens)
  ZG_ERR_AUTH_ID_TOKEN_INVALID: { status: 401, meaning: 'an ID token failed verification: signature, algorithm, issuer, audience or validity time' },
  ZG_ERR_AUTH_MFA_REQUIRED: { status: 401, meaning: 'the sign-in did not use multi-factor authentication (amr/acr)' },
  ZG_ERR_AUTH_TOO_OLD: { status: 401, meaning: 'the sign-in (auth_time) is older than the allowed MFA age' },
  ZG_ERR_AUTH_SESSION_REQUIRED: { status: 401, meaning: 'the request carries no session token (Authorization: Bearer)' },
  ZG_ERR_AUTH_SESSION_INVALID: { status: 401, meaning: 'the session token is malformed, badly signed, or bound to another device certificate' },
  ZG_ERR_AUTH_SESSION_EXPIRED: { status: 401, meaning: 'the session token or the session itself has expired' },
  ZG_ERR_AUTH_SESSION_REVOKED: { status: 401, meaning: 'the session was ended (logout, user disabled, administrator)' },
  ZG_ERR_AUTH_USER_MISMATCH: { status: 403, meaning: 'the signed-in user is not the user this device is enrolled to' },
  ZG_ERR_AUTH_REAUTH_REQUIRED: { status: 401, meaning: 'the identity provider no longer accepts this sign-in: sign in again' },
  ZG_ERR_AUTH_IDP_UNAVAILABLE: { status: 503, meaning: 'the identity provider (discovery, JWKS or token endpoint) cannot be reached' },
  ZG_ERR_AUTH_LOGIN_FAILED: { status: 401, meaning: 'the interactive sign-in failed or was cancelled' },
  ZG_ERR_AUTH_LOGIN_TIMEOUT: { status: 408, meaning: 'the sign-in was not completed in time (browser wait or device code expiry)' },
  ZG_ERR_AUTH_IDP_UNTRUSTED: { status: 502, meaning: 'the identity provider presented a TLS certificate the agent does not trust' },
  ZG_ERR_AUTH_IDP_MISCONFIGURED: { status: 502, meaning: 'the identity provider refused the agent\'s client or scopes, or sent answers the agent cannot use' },
  ZG_ERR_AUTH_BROWSER_UNAVAILABLE: { status: 500, meaning: 'the system browser could not be opened' },
  ZG_ERR_SECRETS_UNAVAILABLE: { status: 500, meaning: 'the desktop app cannot encrypt secrets (no OS keychain or keyring): it refuses to store them in plain text' },
  // admin and helpdesk API tokens
  ZG_ERR_API_TOKEN_REQUIRED: { status: 401, meaning: 'an admin or helpdesk API request carries no API token (Authorization: Bearer zga_...)' },
  ZG_ERR_API_TOKEN_INVALID: { status: 401, meaning: 'the API token is malformed or unknown' },
  ZG_ERR_API_TOKEN_EXPIRED: { status: 401, meaning: 'the API token has expired' },
  ZG_ERR_API_TOKEN_REVOKED: { status: 401, meaning: 'the API token was revoked' },
  ZG_ERR_API_FORBIDDEN: { status: 403, meaning: 'the API token\'s role does not allow this route' },
  ZG_ERR_API_CONFLICT: { status: 409, meaning: 'the change conflicts with what exists (an app id already published, a policy still in use)' },
  ZG_ERR_API_UPSTREAM_FORBIDDEN: { status: 400, meaning: 'an app upstream points at a restricted address (the proxy itself, link-local or cloud metadata) without allowRestrictedUpstream' },
  // web console
  ZG_ERR_CONSOLE_SESSION_REQUIRED: { status: 401, meaning: 'the console request carries no valid console session cookie: sign in at /console/' },
  ZG_ERR_CONSOLE_CSRF: { status: 403, meaning: 'a console request that changes something lacks a valid CSRF token or comes from another origin' },
  ZG_ERR_CONSOLE_LOGIN_FAILED: { status: 401, meaning: 'the console sign-in failed: bad state, refused code, or an ID token that failed verification' },
  ZG_ERR_CONSOLE_NOT_BUILT: { status: 503, meaning: 'the console front-end bundle is missing: run `npm run build`' },
  // device posture
  ZG_ERR_POSTURE_UNKNOWN_TOOL: { status: 400, meaning: 'no posture parser is registered for that tool id' },
  ZG_ERR_POSTURE_BAD_REPORT: { status: 400, meaning: 'a posture report is malformed or too large' },
  // access decisions
  ZG_ERR_POLICY_DENIED: { status: 403, meaning: 'the policy denies this access; see reasons' },
  ZG_ERR_POLICY_APP_NOT_FOUND: { status: 404, meaning: 'no published app has that id' },
  ZG_ERR_POLICY_BAD_TARGET: { status: 400, meaning: 'an OPEN named a target the app does not publish' },
  // upstream and tunnel
  ZG_ERR_UPSTREAM_UNREACHABLE: { status: 502, meaning: 'the app upstream refused or did not answer the connection' },
  ZG_ERR_UPSTREAM_TIMEOUT: { status: 504, meaning: 'the app upstream did not accept the connection in time' },
  ZG_ERR_TUNNEL_CLOSED: { status: 503, meaning: 'the tunnel to the proxy closed' },
  ZG_ERR_STREAM_RESET: { status: 502, meaning: 'the other end of a stream closed it abruptly' },
  ZG_ERR_STREAM_LIMIT: { status: 429, meaning: 'the connection already carries the maximum number of streams' },
  ZG_ERR_TUNNEL_CONNECT: { status: 503, meaning: 'the agent could not open the tunnel to the proxy' },
  ZG_ERR_RATE_LIMITED: { status: 429, meaning: 'too many requests; retry later' },
  // HTTP-aware apps (API gateway, clientless access, API security)
  ZG_ERR_HTTP_BAD_REQUEST: { status: 400, meaning: 'an HTTP request to an app is malformed or does not match the app\'s OpenAPI document' },
  ZG_ERR_HTTP_BAD_RESPONSE: { status: 502, meaning: 'an app\'s HTTP response was refused: it exposes fields its OpenAPI document does not declare (enforce mode), is malformed, or is larger than `maxBodyBytes` and so cannot be checked' },
  ZG_ERR_HTTP_UPSTREAM: { status: 502, meaning: 'the app did not answer the HTTP request (refused, reset or timed out)' },
  ZG_ERR_HTTP_BLOCKED: { status: 403, meaning: 'an anomaly detector blocked this identity or source address for a while' },
  ZG_ERR_HTTP_DEVICE_REQUIRED: { status: 403, meaning: 'the app\'s policy needs a managed device: browser access without the agent is not enough' },
  ZG_ERR_HTTP_SIGN_IN_REQUIRED: { status: 401, meaning: 'browser access to an app needs a sign-in at the proxy first' },
  // store
  ZG_ERR_STORE_UNAVAILABLE: { status: 503, meaning: 'the store cannot be reached or is corrupt' },
  ZG_ERR_STORE_SCHEMA_NEWER: { status: 500, meaning: 'the store\'s schema was written by a newer proxy than this one: the node refuses to start' },
  // embedded identity provider
  ZG_ERR_IDP_KEYS_INVALID: { status: 500, meaning: 'the embedded IdP keys file cannot be read or is malformed' },
  // generic
  ZG_ERR_BAD_REQUEST: { status: 400, meaning: 'the request body or parameters are invalid' },
  ZG_ERR_NOT_FOUND: { status: 404, meaning: 'no such route or object' },
  ZG_ERR_USAGE: { status: 400, meaning: 'a command was called with wrong arguments' },
  ZG_ERR_INTERNAL: { status: 500, meaning: 'an unexpected internal error' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ZerogateErrorOptions {
  cause?: unknown;
  /** Stable kebab-case reasons (DESIGN.md §6), for errors that are access decisions. */
  reasons?: readonly string[];
  /** WebSocket close code to send when this error ends a connection (wire errors: 1002). */
  closeCode?: number;
  /** Structured, secret-free detail (file, path, field, ...). */
  detail?: Record<string, unknown>;
}

export class ZerogateError extends Error {
  readonly code: ErrorCode;
  readonly reasons: readonly string[];
  readonly closeCode: number | undefined;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ZerogateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ZerogateError';
    this.code = code;
    this.reasons = options.reasons ?? [];
    this.closeCode = options.closeCode;
    this.detail = options.detail;
  }

  /** The HTTP status this error maps to. */
  get statusCode(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isZerogateError(value: unknown, code?: ErrorCode): value is ZerogateError {
  return value instanceof ZerogateError && (code === undefined || value.code === code);
}
