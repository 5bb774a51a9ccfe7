/**
 * Renewal and revocation against a real oidc-provider: what the agent's session renewal
 * (DESIGN.md §3, step 4) relies on. IdP refusal and IdP outage must be told apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createServerCert } from '../../../proxy/pki/index.ts';
import { expectZgRejection } from '../../../proxy/pki/test-helpers.ts';
import { discoverIssuer, refreshTokens, revokeRefreshToken, type OidcClient } from './index.ts';
import { signInForTest } from './test-browser.ts';
import { startTestIdp, TEST_CLIENT_ID, TEST_SCOPES, type TestIdp } from './test-idp.ts';

let ca: { certPem: string; keyPem: string };
let idp: TestIdp;
let client: OidcClient;

beforeAll(async () => {
  ca = createCa({ commonName: 'refresh test CA' });
  idp = await startTestIdp(createServerCert(ca, ['127.0.0.1']));
  client = await discoverIssuer({ issuer: idp.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES }, { ca: ca.certPem });
});

afterAll(async () => {
  await idp?.close();
});

function expectNoSecret(error: Error & { detail?: unknown }, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error.detail ?? {})).not.toContain(secret);
  }
}

describe('refreshTokens', () => {
  it('returns a fresh, validated ID token and the rotated refresh token', async () => {
    const first = await signInForTest(client, ca.certPem, 'carol');
    const renewed = await refreshTokens(client, first.refreshToken!);
    expect(renewed.idToken).not.toBe(first.idToken);
    expect(renewed.accessToken).not.toBe(first.accessToken);
    // oidc-provider rotates the refresh tokens of public clients.
    expect(renewed.refreshToken).toBeDefined();
    expect(renewed.refreshToken).not.toBe(first.refreshToken);
    expect(renewed.claims).toMatchObject({ iss: idp.issuer, aud: TEST_CLIENT_ID, sub: 'carol' });
    expect(renewed.expiresAt).toBeGreaterThan(Date.now());

    const again = await refreshTokens(client, renewed.refreshToken!);
    expect(again.claims.sub).toBe('carol');
  });

  it('is ZG_ERR_AUTH_REAUTH_REQUIRED once the grant is revoked at the IdP', async () => {
    const tokens = await signInForTest(client, ca.certPem, 'dave');
    const grantId = idp.grantIdOf(tokens.refreshToken!);
    expect(grantId).toBeDefined();
    await idp.revokeGrant(grantId!);
    const error = await expectZgRejection(refreshTokens(client, tokens.refreshToken!), 'ZG_ERR_AUTH_REAUTH_REQUIRED');
    expect(error.statusCode).toBe(401);
    expect(error.detail).toMatchObject({ operation: 'refresh', oauthError: 'invalid_grant' });
    expect(error.message).toContain('zerogate login');
    expectNoSecret(error, tokens.refreshToken!, tokens.idToken, tokens.accessToken);
  });

  it('is ZG_ERR_AUTH_REAUTH_REQUIRED for a refresh token the IdP never issued', async () => {
    await expectZgRejection(refreshTokens(client, 'not-a-refresh-token-of-this-idp'), 'ZG_ERR_AUTH_REAUTH_REQUIRED');
  });

  it('is ZG_ERR_AUTH_IDP_UNAVAILABLE, not a re-login, when the IdP cannot be reached', async () => {
    const other = await startTestIdp(createServerCert(ca, ['127.0.0.1']));
    const otherClient = await discoverIssuer({ issuer: other.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES }, { ca: ca.certPem });
    const tokens = await signInForTest(otherClient, ca.certPem);
    await other.close();
    const error = await expectZgRejection(refreshTokens(otherClient, tokens.refreshToken!), 'ZG_ERR_AUTH_IDP_UNAVAILABLE');
    expect(error.statusCode).toBe(503);
    expect(error.message).toContain('ECONNREFUSED');
    await expectZgRejection(revokeRefreshToken(otherClient, tokens.refreshToken!), 'ZG_ERR_AUTH_IDP_UNAVAILABLE');
  });

  it('rejects misuse with a TypeError', async () => {
    await expect(refreshTokens(client, '')).rejects.toBeInstanceOf(TypeError);
  });
});

describe('revokeRefreshToken', () => {
  it('revokes the token at the IdP (RFC 7009): the next refresh needs a new sign-in', async () => {
    const tokens = await signInForTest(client, ca.certPem, 'erin');
    await revokeRefreshToken(client, tokens.refreshToken!);
    await expectZgRejection(refreshTokens(client, tokens.refreshToken!), 'ZG_ERR_AUTH_REAUTH_REQUIRED');
  });

  it('treats an unknown token as already revoked (RFC 7009 §2.2)', async () => {
    await expect(revokeRefreshToken(client, 'never-issued')).resolves.toBeUndefined();
  });
});
