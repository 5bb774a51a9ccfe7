/**
 * `zerogate logout`: end the session at the proxy (its tunnels are cut on every node), revoke
 * the IdP refresh token (RFC 7009), then delete the local secrets. Local secrets are deleted even
 * when the proxy or the IdP cannot be reached; the result says what could not be done.
 */
import { isZerogateError } from '../../../shared/errors.ts';
import { revokeRefreshToken } from '../auth/index.ts';
import { ProxyEndpoints } from '../http/endpoints.ts';
import { parseJsonResponse, proxyRequest } from '../http/request.ts';
import { proxyUrlsOf, type AgentHome } from '../state/index.ts';
import { clientFor } from './sign-in.ts';

export interface SignOutResult {
  wasEnrolled: boolean;
  /** The proxy ended the session. */
  sessionRevoked: boolean;
  /** The IdP revoked the refresh token (false also when there was none). */
  refreshTokenRevoked: boolean;
  /** What could not be done, in words. */
  problems: string[];
}

export async function signOut(home: AgentHome): Promise<SignOutResult> {
  const result: SignOutResult = { wasEnrolled: home.isEnrolled(), sessionRevoked: false, refreshTokenRevoked: false, problems: [] };
  if (!result.wasEnrolled) {
    home.clear();
    return result;
  }
  const creds = home.loadCredentials();
  const session = home.loadSession();
  const oidc = home.loadOidc();
  if (session !== undefined) {
    try {
      const endpoints = new ProxyEndpoints(proxyUrlsOf(creds.enrollment));
      const response = await proxyRequest(new URL('/v1/session/logout', endpoints.origins[0]), {
        endpoints,
        method: 'POST',
        bearer: session.token,
        tls: { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem },
      });
      parseJsonResponse<{ revoked: boolean }>(response, 'logout');
      result.sessionRevoked = true;
    } catch (error) {
      result.problems.push(`the proxy could not end the session (${isZerogateError(error) ? error.code : 'error'}): it ends when its token expires`);
    }
  }
  if (oidc?.refreshToken !== undefined) {
    try {
      await revokeRefreshToken(await clientFor(oidc, creds.caPem), oidc.refreshToken);
      result.refreshTokenRevoked = true;
    } catch (error) {
      result.problems.push(`the identity provider could not revoke the sign-in (${isZerogateError(error) ? error.code : 'error'})`);
    }
  }
  home.clear();
  return result;
}
