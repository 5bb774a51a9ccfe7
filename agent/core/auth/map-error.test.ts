/**
 * The one boundary between openid-client's errors and ours: every case maps to the code a
 * caller acts on, and nothing from openid-client's error data (which can hold whole token
 * responses) ends up in the message, the detail or the cause.
 */
import { AuthorizationResponseError, ClientError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { ZerogateError, type ErrorCode } from '../../../shared/errors.ts';
import { toZerogateError, type OidcOperation } from './map-error.ts';

const ISSUER = 'https://idp.example';

function bodyError(error: string, status = 400, description?: string): ResponseBodyError {
  return new ResponseBodyError('server responded with an error in the response body', {
    cause: { error, ...(description === undefined ? {} : { error_description: description }) },
    response: new Response(null, { status }),
  });
}

function clientError(code: string, inner: string, cause?: unknown): ClientError {
  const ClientErrorWithOptions = ClientError as unknown as new (message: string, options: { cause?: unknown; code?: string }) => ClientError;
  return new ClientErrorWithOptions('openid-client message', { cause: cause ?? new Error(inner), code });
}

describe('toZerogateError: OAuth error responses (RFC 6749 §5.2, RFC 8628 §3.5)', () => {
  const cases: [OidcOperation, string, number, ErrorCode][] = [
    ['refresh', 'invalid_grant', 400, 'ZG_ERR_AUTH_REAUTH_REQUIRED'],
    ['refresh', 'access_denied', 400, 'ZG_ERR_AUTH_REAUTH_REQUIRED'],
    ['refresh', 'invalid_client', 401, 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['refresh', 'server_error', 500, 'ZG_ERR_AUTH_IDP_UNAVAILABLE'],
    ['refresh', 'temporarily_unavailable', 503, 'ZG_ERR_AUTH_IDP_UNAVAILABLE'],
    ['refresh', 'invalid_grant', 429, 'ZG_ERR_AUTH_IDP_UNAVAILABLE'],
    ['authorization', 'invalid_grant', 400, 'ZG_ERR_AUTH_LOGIN_FAILED'],
    ['authorization', 'invalid_scope', 400, 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['authorization', 'unauthorized_client', 400, 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['device-authorization', 'invalid_client', 401, 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['device-poll', 'expired_token', 400, 'ZG_ERR_AUTH_LOGIN_TIMEOUT'],
    ['device-poll', 'access_denied', 400, 'ZG_ERR_AUTH_LOGIN_FAILED'],
    ['revocation', 'unsupported_token_type', 400, 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['discovery', 'invalid_request', 400, 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
  ];
  it.each(cases)('%s + %s (HTTP %i) is %s', (operation, oauthError, status, code) => {
    const mapped = toZerogateError(bodyError(oauthError, status), operation, ISSUER);
    expect(mapped.code).toBe(code);
    expect(mapped.detail).toEqual({ operation, oauthError, status });
    expect(mapped.cause).toBeUndefined();
  });

  it('quotes a bounded, single-line error_description', () => {
    const mapped = toZerogateError(bodyError('invalid_grant', 400, `grant\nrevoked ${'x'.repeat(500)}`), 'refresh', ISSUER);
    expect(mapped.message).toContain('(invalid_grant: grant revoked xxx');
    expect(mapped.message).not.toContain('\n');
    expect(mapped.message.length).toBeLessThan(400);
  });

  it('maps an error in the authorization response (error=access_denied) to ZG_ERR_AUTH_LOGIN_FAILED', () => {
    const error = new AuthorizationResponseError('authorization response from the server is an error', {
      cause: new URLSearchParams({ error: 'access_denied', error_description: 'End-User aborted interaction', state: 's' }),
    });
    const mapped = toZerogateError(error, 'authorization', ISSUER);
    expect(mapped.code).toBe('ZG_ERR_AUTH_LOGIN_FAILED');
    expect(mapped.message).toBe(`the identity provider ${ISSUER} refused the sign-in (access_denied: End-User aborted interaction)`);
    expect(mapped.detail).toEqual({ operation: 'authorization', oauthError: 'access_denied' });
  });

  it('maps a WWW-Authenticate challenge by its status', () => {
    const challenge = (status: number): WWWAuthenticateChallengeError =>
      new WWWAuthenticateChallengeError('challenge', { cause: [{ scheme: 'bearer', parameters: {} }], response: new Response(null, { status }) });
    expect(toZerogateError(challenge(401), 'refresh', ISSUER).code).toBe('ZG_ERR_AUTH_IDP_MISCONFIGURED');
    expect(toZerogateError(challenge(503), 'refresh', ISSUER).code).toBe('ZG_ERR_AUTH_IDP_UNAVAILABLE');
  });
});

describe('toZerogateError: openid-client checks', () => {
  const cases: [string, string, OidcOperation, ErrorCode][] = [
    ['OAUTH_TIMEOUT', 'operation timed out', 'refresh', 'ZG_ERR_AUTH_IDP_UNAVAILABLE'],
    ['OAUTH_ABORT', 'operation aborted', 'device-poll', 'ZG_ERR_AUTH_LOGIN_FAILED'],
    ['OAUTH_JWT_CLAIM_COMPARISON_FAILED', 'unexpected ID Token "nonce" claim value', 'authorization', 'ZG_ERR_AUTH_ID_TOKEN_INVALID'],
    ['OAUTH_JWT_TIMESTAMP_CHECK_FAILED', 'unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp', 'refresh', 'ZG_ERR_AUTH_ID_TOKEN_INVALID'],
    ['OAUTH_INVALID_RESPONSE', 'JWT signature verification failed', 'authorization', 'ZG_ERR_AUTH_ID_TOKEN_INVALID'],
    ['OAUTH_INVALID_RESPONSE', '"response" body "access_token" property must be a string', 'refresh', 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['OAUTH_RESPONSE_IS_NOT_JSON', 'unexpected response content-type', 'discovery', 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['OAUTH_MISSING_SERVER_METADATA', 'device_authorization_endpoint must be configured', 'device-authorization', 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['OAUTH_HTTP_REQUEST_FORBIDDEN', 'only requests to HTTPS are allowed', 'discovery', 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', 'unexpected "issuer" response parameter value', 'discovery', 'ZG_ERR_AUTH_IDP_MISCONFIGURED'],
    ['OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED', 'unexpected "iss" (issuer) response parameter value', 'authorization', 'ZG_ERR_AUTH_LOGIN_FAILED'],
    ['SOMETHING_NEW', 'a check this version does not know', 'refresh', 'ZG_ERR_INTERNAL'],
  ];
  it.each(cases)('%s (%s) during %s is %s', (code, inner, operation, expected) => {
    const mapped = toZerogateError(clientError(code, inner), operation, ISSUER);
    expect(mapped.code).toBe(expected);
    expect(mapped.detail).toEqual({ operation, clientErrorCode: code });
    expect(mapped.cause).toBeUndefined();
  });

  it('tells an IdP answering 5xx from one answering 4xx where openid-client expected success', () => {
    expect(toZerogateError(clientError('OAUTH_RESPONSE_IS_NOT_CONFORM', '', new Response(null, { status: 502 })), 'discovery', ISSUER).code).toBe('ZG_ERR_AUTH_IDP_UNAVAILABLE');
    expect(toZerogateError(clientError('OAUTH_RESPONSE_IS_NOT_CONFORM', '', new Response(null, { status: 404 })), 'discovery', ISSUER).code).toBe('ZG_ERR_AUTH_IDP_MISCONFIGURED');
  });

  it('never carries openid-client data: a token inside its error stays out of ours', () => {
    const secret = 'eyJhbGciOiJSUzI1NiJ9.secret-refresh-token';
    const inner = Object.assign(new Error('"response" body "id_token" property must be a string'), { cause: { body: { refresh_token: secret } } });
    const mapped = toZerogateError(clientError('OAUTH_INVALID_RESPONSE', '', inner), 'refresh', ISSUER);
    expect(mapped.message).not.toContain(secret);
    expect(JSON.stringify(mapped.detail)).not.toContain(secret);
    expect(mapped.cause).toBeUndefined();
  });
});

describe('toZerogateError: our own errors and the unknown', () => {
  it('passes our pinned fetch errors through, even wrapped by openid-client', () => {
    const ours = new ZerogateError('ZG_ERR_AUTH_IDP_UNTRUSTED', 'the identity provider presented a certificate...');
    expect(toZerogateError(ours, 'discovery', ISSUER)).toBe(ours);
    const wrapped = new ClientError('something went wrong', { cause: ours });
    expect(toZerogateError(wrapped, 'refresh', ISSUER)).toBe(ours);
  });

  it('maps anything else to ZG_ERR_INTERNAL without its message', () => {
    const mapped = toZerogateError(new RangeError('token abc.def.ghi is odd'), 'refresh', ISSUER);
    expect(mapped.code).toBe('ZG_ERR_INTERNAL');
    expect(mapped.message).toBe(`unexpected RangeError while renewing the sign-in with ${ISSUER}`);
  });
});
