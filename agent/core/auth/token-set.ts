import type { TokenEndpointResponse, TokenEndpointResponseHelpers } from 'openid-client';
import { ZerogateError } from '../../../shared/errors.ts';

/** The result of a sign-in or a renewal. Secret: never log it, store it 0600 (DESIGN.md §3). */
export interface TokenSet {
  idToken: string;
  /** Absent when the IdP issued none (no `offline_access`); on renewal, the old one when the IdP did not rotate it. */
  refreshToken: string | undefined;
  accessToken: string;
  /** When this set stops being usable, ms since the epoch: the earlier of the access token's and the ID token's expiry. */
  expiresAt: number;
  /** The ID token's claims, as openid-client validated them (signature, `iss`, `aud`, `exp`, `nonce`). */
  claims: Record<string, unknown>;
}

/**
 * Turns a validated token endpoint response (OIDC Core §3.1.3.3) into a {@link TokenSet}. A
 * response without an ID token is refused: the proxy needs a fresh one at every renewal.
 */
export function toTokenSet(
  response: TokenEndpointResponse & TokenEndpointResponseHelpers,
  issuer: string,
  options: { previousRefreshToken?: string; now?: number } = {},
): TokenSet {
  const claims = response.claims();
  if (response.id_token === undefined || claims === undefined) {
    throw new ZerogateError('ZG_ERR_AUTH_IDP_MISCONFIGURED', `the identity provider ${issuer} returned no ID token: the "openid" scope must be granted to the agent`);
  }
  const now = options.now ?? Date.now();
  const idTokenExpiry = claims.exp * 1000;
  const accessExpiry = typeof response.expires_in === 'number' ? now + response.expires_in * 1000 : idTokenExpiry;
  return {
    idToken: response.id_token,
    refreshToken: response.refresh_token ?? options.previousRefreshToken,
    accessToken: response.access_token,
    expiresAt: Math.min(idTokenExpiry, accessExpiry),
    claims: { ...claims },
  };
}
