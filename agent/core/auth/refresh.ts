import { refreshTokenGrant, tokenRevocation } from 'openid-client';
import { ZerogateError } from '../../../shared/errors.ts';
import { toZerogateError } from './map-error.ts';
import { configurationOf, type OidcClient } from './oidc-client.ts';
import { toTokenSet, type TokenSet } from './token-set.ts';

/**
 * Renews the sign-in with the refresh token (RFC 6749 §6, OIDC Core §12): a fresh ID token, whose
 * claims are validated again, for the proxy's in-band session renewal (DESIGN.md §3, step 4).
 * When the IdP rotates refresh tokens the new one is returned; otherwise the one passed in.
 *
 * Errors: `ZG_ERR_AUTH_REAUTH_REQUIRED` when the IdP refuses the refresh token (`invalid_grant`:
 * expired, revoked, rotated away, user disabled): the user must sign in again.
 * `ZG_ERR_AUTH_IDP_UNAVAILABLE` when the IdP cannot be reached or asks to come back later: keep
 * the tokens and retry. Also `ZG_ERR_AUTH_ID_TOKEN_INVALID`, `ZG_ERR_AUTH_IDP_UNTRUSTED`,
 * `ZG_ERR_AUTH_IDP_MISCONFIGURED`.
 */
export async function refreshTokens(client: OidcClient, refreshToken: string): Promise<TokenSet> {
  const configuration = configurationOf(client);
  checkToken(refreshToken);
  try {
    const response = await refreshTokenGrant(configuration, refreshToken);
    return toTokenSet(response, client.issuer, { previousRefreshToken: refreshToken });
  } catch (error) {
    throw toZerogateError(error, 'refresh', client.issuer);
  }
}

/**
 * Revokes the refresh token at the IdP (RFC 7009), on `zerogate logout`. Best effort, but a
 * failure is reported rather than swallowed: the caller deletes its local copy either way and
 * tells the user that the IdP may still honour the token until it expires. An IdP without a
 * revocation endpoint is `ZG_ERR_AUTH_IDP_MISCONFIGURED`; an unknown or already revoked token
 * is a success (RFC 7009 §2.2).
 */
export async function revokeRefreshToken(client: OidcClient, refreshToken: string): Promise<void> {
  const configuration = configurationOf(client);
  checkToken(refreshToken);
  if (!client.supportsRevocation) {
    throw new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider ${client.issuer} offers no token revocation: the refresh token stays valid until it expires`);
  }
  try {
    await tokenRevocation(configuration, refreshToken, { token_type_hint: 'refresh_token' });
  } catch (error) {
    throw toZerogateError(error, 'revocation', client.issuer);
  }
}

function checkToken(refreshToken: string): void {
  if (typeof refreshToken !== 'string' || refreshToken === '') throw new TypeError('refreshToken must be a non-empty string');
}
