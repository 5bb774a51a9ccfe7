import { generateKeyPair, exportJWK, createLocalJWKSet, SignJWT, type JWK } from 'jose';
import type { webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ID_TOKEN_MAX_USE_AGE_S, verifyIdToken, type IdTokenPolicy } from './id-token.ts';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const S = Math.floor(NOW / 1000);

const POLICY: IdTokenPolicy = {
  issuer: 'https://idp.example.com',
  audience: 'zerogate-agent',
  groupsClaim: 'roles',
  userClaim: 'email',
  mfa: { amr: ['mfa', 'hwk'], acr: ['urn:example:loa:2'] },
  mfaMaxAgeMs: 3_600_000,
};

describe('verifyIdToken', () => {
  let privateKey: webcrypto.CryptoKey;
  let keys: ReturnType<typeof createLocalJWKSet>;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    keys = createLocalJWKSet({ keys: [jwk] });
  });

  const token = (claims: Record<string, unknown> = {}) =>
    new SignJWT({ email: 'alice@example.com', email_verified: true, roles: ['eng'], amr: ['pwd', 'mfa'], auth_time: S - 60, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(POLICY.issuer)
      .setAudience((claims.aud as string | string[] | undefined) ?? POLICY.audience)
      .setSubject('00u1')
      .setIssuedAt(S - 30)
      .setExpirationTime(S + 300)
      .sign(privateKey);

  it('returns the identity: user from userClaim, groups from groupsClaim, amr, auth_time', async () => {
    await expect(verifyIdToken(await token(), keys, POLICY, NOW)).resolves.toEqual({
      user: 'alice@example.com',
      subject: '00u1',
      email: 'alice@example.com',
      groups: ['eng'],
      amr: ['pwd', 'mfa'],
      acr: undefined,
      authTime: (S - 60) * 1000,
      authTimeKnown: true,
      expiresAt: (S + 300) * 1000,
    });
  });

  it('with mfa.enforcedByIdp, accepts a token without amr, acr or auth_time (Entra v2.0, Google), taking iat', async () => {
    const policy = { ...POLICY, mfa: { amr: [], acr: [], enforcedByIdp: true } };
    const identity = await verifyIdToken(await token({ amr: undefined, auth_time: undefined }), keys, policy, NOW);
    expect(identity).toMatchObject({ amr: [], authTime: (S - 30) * 1000, authTimeKnown: false });
    // A token that does carry auth_time is still held to mfaMaxAge.
    await expect(verifyIdToken(await token({ auth_time: S - 3_601 }), keys, policy, NOW)).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_TOO_OLD' });
  });

  it('accepts a single-string groups claim and MFA proven by acr alone', async () => {
    const identity = await verifyIdToken(await token({ roles: 'eng', amr: ['pwd'], acr: 'urn:example:loa:2' }), keys, POLICY, NOW);
    expect(identity).toMatchObject({ groups: ['eng'], acr: 'urn:example:loa:2' });
  });

  it.each([
    ['no amr or acr', { amr: undefined }, 'ZG_ERR_AUTH_MFA_REQUIRED', 'mfa-required', 'mfa'],
    ['amr without an MFA value', { amr: ['pwd'] }, 'ZG_ERR_AUTH_MFA_REQUIRED', 'mfa-required', 'mfa'],
    ['an acr that is not listed', { amr: ['pwd'], acr: 'urn:example:loa:1' }, 'ZG_ERR_AUTH_MFA_REQUIRED', 'mfa-required', 'mfa'],
    ['auth_time older than mfaMaxAge', { auth_time: S - 3_601 }, 'ZG_ERR_AUTH_TOO_OLD', 'auth-too-old', 'auth-time'],
    ['no auth_time', { auth_time: undefined }, 'ZG_ERR_AUTH_TOO_OLD', 'auth-too-old', 'auth-time'],
    ['auth_time in the future', { auth_time: S + 600 }, 'ZG_ERR_AUTH_ID_TOKEN_INVALID', 'token-invalid', 'auth-time'],
    ['no user claim', { email: undefined }, 'ZG_ERR_AUTH_ID_TOKEN_INVALID', 'token-invalid', 'claims'],
    ['a user claim with spaces', { email: 'a b@example.com' }, 'ZG_ERR_AUTH_ID_TOKEN_INVALID', 'token-invalid', 'claims'],
    ['an email the IdP has not verified', { email_verified: false }, 'ZG_ERR_AUTH_ID_TOKEN_INVALID', 'token-invalid', 'claims'],
    ['an email the IdP does not say it verified', { email_verified: undefined }, 'ZG_ERR_AUTH_ID_TOKEN_INVALID', 'token-invalid', 'claims'],
    ['several audiences without azp naming us', { aud: ['zerogate-agent', 'other-app'] }, 'ZG_ERR_AUTH_ID_TOKEN_INVALID', 'token-invalid', 'aud'],
  ])('refuses %s', async (_name, claims, code, reason, check) => {
    await expect(verifyIdToken(await token(claims), keys, POLICY, NOW)).rejects.toMatchObject({ code, reasons: [reason], detail: { check } });
  });

  it('refuses a token issued longer ago than it may be used, even before it expires', async () => {
    const old = await new SignJWT({ email: 'alice@example.com', email_verified: true, amr: ['mfa'], auth_time: S - 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(POLICY.issuer)
      .setAudience(POLICY.audience)
      .setSubject('00u1')
      .setIssuedAt(S - ID_TOKEN_MAX_USE_AGE_S - 60)
      .setExpirationTime(S + 3600)
      .sign(privateKey);
    await expect(verifyIdToken(old, keys, { ...POLICY, mfaMaxAgeMs: 86_400_000 }, NOW)).rejects.toMatchObject({
      code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID',
      reasons: ['token-expired'],
      detail: { check: 'iat' },
    });
  });

  it('refuses an empty or oversized token without parsing it', async () => {
    await expect(verifyIdToken('', keys, POLICY, NOW)).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', detail: { check: 'format' } });
    await expect(verifyIdToken('a'.repeat(20_000), keys, POLICY, NOW)).rejects.toMatchObject({ detail: { check: 'format' } });
    await expect(verifyIdToken('not.a.jwt', keys, POLICY, NOW)).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'] });
  });

  it('fails closed with ZG_ERR_AUTH_IDP_UNAVAILABLE when the keys cannot be fetched', async () => {
    const unreachable = () => Promise.reject(new TypeError('fetch failed'));
    await expect(verifyIdToken(await token(), unreachable, POLICY, NOW)).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_IDP_UNAVAILABLE' });
  });
});
