/**
 * Verifies ID tokens from the configured IdP (OpenID Connect Core §3.1.3.7) and decides whether
 * the sign-in counts as multi-factor (DESIGN.md §6). Algorithms are an allow-list of asymmetric
 * ones, so `alg: none` and HMAC keyed with a public key are refused before any key is used.
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ZerogateError, type ErrorCode } from '../../shared/errors.ts';

/** Asymmetric JWS algorithms accepted on ID tokens (RFC 7518 §3; EdDSA RFC 8037). */
export const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Clock skew tolerated on `exp`, `nbf` and `iat`, seconds. */
export const ID_TOKEN_CLOCK_TOLERANCE_S = 30;

/**
 * Oldest ID token (by `iat`) accepted for enrolment, sign-in or renewal, whatever its `exp`: the
 * agent presents a token it just received, so an older one is more likely copied than fresh.
 */
export const ID_TOKEN_MAX_USE_AGE_S = 10 * 60;

/** Longest ID token accepted, characters (real ones are 1-3 KiB). */
export const ID_TOKEN_MAX_LENGTH = 16 * 1024;

/** Most groups taken from a token; more is refused rather than silently cut. */
export const MAX_TOKEN_GROUPS = 1000;

export interface IdTokenPolicy {
  issuer: string;
  /** The client id the token must be issued to. */
  audience: string;
  groupsClaim: string;
  /** Claim naming the user; `sub` for the embedded IdP. */
  userClaim: string;
  /** `enforcedByIdp`: every sign-in counts as MFA (the IdP enforces it; its tokens cannot show it). */
  mfa: { amr: readonly string[]; acr: readonly string[]; enforcedByIdp?: boolean };
  /** Oldest `auth_time` accepted. */
  mfaMaxAgeMs: number;
}

/** Who signed in, as the proxy uses it from here on. */
export interface VerifiedIdentity {
  user: string;
  subject: string;
  email: string | undefined;
  /** The `name` claim (a display name), when the token has a usable one. */
  name?: string | undefined;
  groups: string[];
  amr: string[];
  acr: string | undefined;
  /** ms since the epoch; the token's `iat` when it has no `auth_time` (see {@link VerifiedIdentity.authTimeKnown}). */
  authTime: number;
  /**
   * False when the token had no `auth_time` (IdPs that enforce MFA themselves, Google): the
   * session then keeps the time of its first sign-in, since a refreshed token's `iat` says
   * nothing about when the user last authenticated.
   */
  authTimeKnown: boolean;
  /** When the ID token expires, ms. */
  expiresAt: number;
}

/** Which check refused a token: written to the audit event's `detail.check`. */
export type IdTokenCheck = 'format' | 'alg' | 'signature' | 'key' | 'iss' | 'aud' | 'exp' | 'nbf' | 'iat' | 'claims' | 'mfa' | 'auth-time';

function refuse(code: ErrorCode, check: IdTokenCheck, reasons: string[], message: string, cause?: unknown): ZerogateError {
  return new ZerogateError(code, message, { reasons, detail: { check }, ...(cause === undefined ? {} : { cause }) });
}

/** One place that turns jose's errors into ours (STYLE.md: one boundary function). */
function mapJoseError(error: unknown): ZerogateError {
  if (error instanceof ZerogateError) return error;
  const invalid = (check: IdTokenCheck, message: string) => refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', check, ['token-invalid'], message, error);
  if (error instanceof errors.JWTExpired) {
    return error.claim === 'iat'
      ? refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'iat', ['token-expired'], 'the ID token is too old to be used: sign in again', error)
      : refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'exp', ['token-expired'], 'the ID token has expired: sign in again', error);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'iss') return invalid('iss', 'the ID token was issued by another identity provider');
    if (claim === 'aud') return invalid('aud', 'the ID token was issued to another client');
    if (claim === 'nbf') return invalid('nbf', 'the ID token is not valid yet (check the clocks)');
    if (claim === 'iat') return invalid('iat', 'the ID token was issued in the future (check the clocks)');
    return invalid('claims', `the ID token lacks a valid "${claim}" claim`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return invalid('alg', 'the ID token uses a signing algorithm that is not allowed');
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('signature', 'the ID token signature is not valid');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return invalid('key', 'the ID token is signed by a key the identity provider does not publish');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || isNetworkError(error)) {
    return new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', 'the identity provider\'s keys cannot be fetched: try again shortly', { cause: error });
  }
  if (error instanceof errors.JOSEError) return invalid('format', 'the ID token is malformed');
  return new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', 'the ID token could not be checked: try again shortly', { cause: error });
}

function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && 'code' in error && typeof (error as { code: unknown }).code === 'string' && !(error instanceof errors.JOSEError));
}

/**
 * Verifies `idToken` against `keys` and `policy`, then checks MFA (`amr` or `acr`) and the age of
 * the authentication. Throws a {@link ZerogateError} naming the failed check.
 */
export async function verifyIdToken(idToken: string, keys: JWTVerifyGetKey, policy: IdTokenPolicy, now = Date.now()): Promise<VerifiedIdentity> {
  if (typeof idToken !== 'string' || idToken.length === 0 || idToken.length > ID_TOKEN_MAX_LENGTH) {
    throw refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'format', ['token-invalid'], 'the ID token is missing or too long');
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, keys, {
      algorithms: [...ID_TOKEN_ALGORITHMS],
      issuer: policy.issuer,
      audience: policy.audience,
      clockTolerance: ID_TOKEN_CLOCK_TOLERANCE_S,
      maxTokenAge: ID_TOKEN_MAX_USE_AGE_S,
      requiredClaims: ['sub', 'exp', 'iat'],
      currentDate: new Date(now),
    }));
  } catch (error) {
    throw mapJoseError(error);
  }
  // jose checks a future `iat` (with maxTokenAge set); kept here so the rule holds on its own.
  if (typeof payload.iat !== 'number' || payload.iat * 1000 > now + ID_TOKEN_CLOCK_TOLERANCE_S * 1000) {
    throw refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'iat', ['token-invalid'], 'the ID token was issued in the future (check the clocks)');
  }
  return identityFrom(payload, policy, now);
}

function identityFrom(payload: JWTPayload, policy: IdTokenPolicy, now: number): VerifiedIdentity {
  const claim = (name: string): unknown => (Object.hasOwn(payload, name) ? payload[name] : undefined);
  const userValue = claim(policy.userClaim);
  if (typeof userValue !== 'string' || userValue.length === 0 || userValue.length > 254 || /\s/.test(userValue)) {
    throw refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'claims', ['token-invalid'], `the ID token has no usable "${policy.userClaim}" claim to name the user`);
  }
  // OIDC Core §3.1.3.7: with several audiences, the token must say it was issued to us.
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && claim('azp') !== policy.audience) {
    throw refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'aud', ['token-invalid'], 'the ID token was issued to another client (azp)');
  }
  // An address the IdP does not say it verified cannot name a user: anyone could claim it
  // (guest accounts, self-service profiles). Name users by another claim for IdPs without it.
  if (policy.userClaim === 'email' && claim('email_verified') !== true) {
    throw refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'claims', ['token-invalid'], 'the identity provider does not say it verified this email address (email_verified)');
  }
  const amrValue = claim('amr');
  const amr = Array.isArray(amrValue) ? amrValue.filter((v): v is string => typeof v === 'string') : [];
  const acrValue = claim('acr');
  const acr = typeof acrValue === 'string' ? acrValue : undefined;
  const groupsValue = claim(policy.groupsClaim);
  const groups = Array.isArray(groupsValue) ? groupsValue.filter((v): v is string => typeof v === 'string') : typeof groupsValue === 'string' ? [groupsValue] : [];
  if (groups.length > MAX_TOKEN_GROUPS) throw refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'claims', ['token-invalid'], 'the ID token lists too many groups');
  const emailValue = claim('email');
  const nameValue = claim('name');

  const enforced = policy.mfa.enforcedByIdp === true;
  const mfa = enforced || amr.some((value) => policy.mfa.amr.includes(value)) || (acr !== undefined && policy.mfa.acr.includes(acr));
  if (!mfa) {
    throw refuse('ZG_ERR_AUTH_MFA_REQUIRED', 'mfa', ['mfa-required'], 'the sign-in did not use a second factor: sign in again and complete the second step');
  }
  const authTimeValue = claim('auth_time');
  const authTimeKnown = typeof authTimeValue === 'number' && Number.isFinite(authTimeValue);
  // Without auth_time the age of the MFA cannot be checked: refused, unless the IdP is trusted
  // to enforce MFA itself (then the session keeps the time of its first, interactive sign-in).
  if (!authTimeKnown && !enforced) {
    throw refuse('ZG_ERR_AUTH_TOO_OLD', 'auth-time', ['auth-too-old'], 'the ID token does not say when you signed in (auth_time): sign in again');
  }
  const authTime = (authTimeKnown ? authTimeValue : (payload.iat ?? 0)) * 1000;
  if (authTime > now + ID_TOKEN_CLOCK_TOLERANCE_S * 1000) {
    throw refuse('ZG_ERR_AUTH_ID_TOKEN_INVALID', 'auth-time', ['token-invalid'], 'the ID token says you signed in in the future (check the clocks)');
  }
  if (now - authTime > policy.mfaMaxAgeMs) {
    throw refuse('ZG_ERR_AUTH_TOO_OLD', 'auth-time', ['auth-too-old'], 'your last sign-in with a second factor is too old: sign in again');
  }
  return {
    user: userValue,
    subject: String(payload.sub),
    email: typeof emailValue === 'string' ? emailValue : undefined,
    ...(typeof nameValue === 'string' && nameValue.length > 0 && nameValue.length <= 200 ? { name: nameValue } : {}),
    groups,
    amr,
    acr,
    authTime,
    authTimeKnown,
    expiresAt: (payload.exp ?? 0) * 1000,
  };
}
