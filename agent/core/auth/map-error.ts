import { AuthorizationResponseError, ClientError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { ZerogateError, type ErrorCode } from '../../../shared/errors.ts';
import { MAX_QUOTED_DESCRIPTION } from './constants.ts';

/** What the agent was doing with the identity provider when something failed. */
export type OidcOperation = 'discovery' | 'authorization' | 'device-authorization' | 'device-poll' | 'refresh' | 'revocation';

const DOING: Record<OidcOperation, string> = {
  discovery: 'reading the identity provider configuration',
  authorization: 'completing the browser sign-in',
  'device-authorization': 'starting the device sign-in',
  'device-poll': 'waiting for the device sign-in',
  refresh: 'renewing the sign-in',
  revocation: 'revoking the refresh token',
};

/** OAuth error codes (RFC 6749 §4.1.2.1, §5.2) that mean the agent's client or request is not what the IdP allows. */
const CONFIGURATION_ERRORS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_scope',
  'unsupported_grant_type',
  'unsupported_response_type',
  'unsupported_token_type',
  'invalid_request',
  'invalid_redirect_uri',
]);

/** OAuth error codes that say "not now" rather than "no". */
const TRANSIENT_ERRORS = new Set(['temporarily_unavailable', 'server_error', 'slow_down']);

/** openid-client error codes (oauth4webapi's) that mean the IdP's metadata or answers are unusable. */
const UNUSABLE_ANSWER_CODES = new Set([
  'OAUTH_PARSE_ERROR',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_RESPONSE_IS_NOT_JSON',
  'OAUTH_MISSING_SERVER_METADATA',
  'OAUTH_INVALID_SERVER_METADATA',
  'OAUTH_HTTP_REQUEST_FORBIDDEN',
  'OAUTH_REQUEST_PROTOCOL_FORBIDDEN',
  'OAUTH_UNSUPPORTED_OPERATION',
]);

/** openid-client error codes raised by the ID token checks of OIDC Core §3.1.3.7. */
const ID_TOKEN_CODES = new Set(['OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'OAUTH_KEY_SELECTION_FAILED']);

/**
 * The one place where errors from openid-client (and from our pinned fetch, which reaches us
 * wrapped in them) become Zerogate errors, as openid-client's own `errorHandler` turns
 * oauth4webapi's errors into its own. The result never carries openid-client's error as its
 * `cause`: those causes can hold whole token responses. Messages quote only the OAuth `error`,
 * a bounded `error_description` and openid-client's fixed check names, never a token.
 */
export function toZerogateError(error: unknown, operation: OidcOperation, issuer: string): ZerogateError {
  const ours = findZerogateError(error);
  if (ours !== undefined) return ours;
  const doing = DOING[operation];
  if (error instanceof AuthorizationResponseError) {
    return fromOAuthError(error.error, error.error_description, undefined, operation, issuer);
  }
  if (error instanceof ResponseBodyError) {
    return fromOAuthError(error.error, error.error_description, error.status, operation, issuer);
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    const code: ErrorCode = error.status >= 500 ? 'ZG_ERR_AUTH_IDP_UNAVAILABLE' : 'ZG_ERR_AUTH_IDP_MISCONFIGURED';
    return coded(code, `the identity provider ${issuer} refused the agent (HTTP ${error.status}) while ${doing}`, { operation, status: error.status });
  }
  if (error instanceof ClientError) return fromClientError(error, operation, issuer);
  const kind = error instanceof Error ? error.name : typeof error;
  return coded('ZG_ERR_INTERNAL', `unexpected ${kind} while ${doing} with ${issuer}`, { operation });
}

function fromOAuthError(
  oauthError: string,
  description: string | undefined,
  status: number | undefined,
  operation: OidcOperation,
  issuer: string,
): ZerogateError {
  const said = `${oauthError}${quote(description)}`;
  const detail = { operation, oauthError, ...(status === undefined ? {} : { status }) };
  const doing = DOING[operation];
  if (TRANSIENT_ERRORS.has(oauthError) || (status !== undefined && (status >= 500 || status === 429))) {
    return coded('ZG_ERR_AUTH_IDP_UNAVAILABLE', `the identity provider ${issuer} cannot serve the agent right now (${said}) while ${doing}: try again later`, detail);
  }
  if (operation === 'refresh' && (oauthError === 'invalid_grant' || !CONFIGURATION_ERRORS.has(oauthError))) {
    return coded('ZG_ERR_AUTH_REAUTH_REQUIRED', `the identity provider ${issuer} no longer accepts this sign-in (${said}): run \`zerogate login\``, detail);
  }
  if (operation === 'device-poll' && oauthError === 'expired_token') {
    return coded('ZG_ERR_AUTH_LOGIN_TIMEOUT', 'the device code expired before the sign-in was completed: run `zerogate login --device-code` again', detail);
  }
  if (CONFIGURATION_ERRORS.has(oauthError) || operation === 'discovery' || operation === 'revocation') {
    return coded('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider ${issuer} refused the agent's request (${said}) while ${doing}: its client registration or scopes do not match`, detail);
  }
  return coded('ZG_ERR_AUTH_LOGIN_FAILED', `the identity provider ${issuer} refused the sign-in (${said})`, detail);
}

function fromClientError(error: ClientError, operation: OidcOperation, issuer: string): ZerogateError {
  const code = error.code ?? '';
  const doing = DOING[operation];
  const check = innerMessage(error);
  const detail = { operation, clientErrorCode: code };
  switch (code) {
    case 'OAUTH_TIMEOUT':
      return coded('ZG_ERR_AUTH_IDP_UNAVAILABLE', `the identity provider ${issuer} did not answer in time while ${doing}`, detail);
    case 'OAUTH_ABORT':
      return coded('ZG_ERR_AUTH_LOGIN_FAILED', `the sign-in was cancelled while ${doing}`, detail);
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM': {
      const status = error.cause instanceof Response ? error.cause.status : 0;
      const mapped: ErrorCode = status >= 500 || status === 429 ? 'ZG_ERR_AUTH_IDP_UNAVAILABLE' : 'ZG_ERR_AUTH_IDP_MISCONFIGURED';
      return coded(mapped, `the identity provider ${issuer} answered with HTTP ${status} while ${doing}`, { ...detail, status });
    }
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
      if (operation === 'discovery') {
        return coded('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider at ${issuer} names a different issuer in its configuration`, detail);
      }
      return coded('ZG_ERR_AUTH_LOGIN_FAILED', `the identity provider's answer does not belong to this sign-in (${check})`, detail);
    default:
      break;
  }
  if (ID_TOKEN_CODES.has(code) || (code === 'OAUTH_INVALID_RESPONSE' && /JWT|ID Token/.test(check))) {
    return coded('ZG_ERR_AUTH_ID_TOKEN_INVALID', `the ID token from ${issuer} failed verification while ${doing} (${check})`, detail);
  }
  if (UNUSABLE_ANSWER_CODES.has(code)) {
    return coded('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider ${issuer} sent an answer the agent cannot use while ${doing} (${check})`, detail);
  }
  return coded('ZG_ERR_INTERNAL', `unexpected failure while ${doing} with ${issuer} (${code === '' ? check : code})`, detail);
}

/** Our own error, thrown by the pinned fetch and wrapped by openid-client as a cause. */
function findZerogateError(error: unknown): ZerogateError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth += 1) {
    if (current instanceof ZerogateError) return current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** openid-client's fixed description of the failed check (oauth4webapi's message), never its data. */
function innerMessage(error: ClientError): string {
  const inner = error.cause instanceof Error ? error.cause.message : error.message;
  return inner.slice(0, MAX_QUOTED_DESCRIPTION);
}

function quote(description: string | undefined): string {
  if (description === undefined || description === '') return '';
  // eslint-disable-next-line no-control-regex
  const clean = description.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_QUOTED_DESCRIPTION);
  return `: ${clean}`;
}

function coded(code: ErrorCode, message: string, detail: Record<string, unknown>): ZerogateError {
  return new ZerogateError(code, message, { detail });
}
