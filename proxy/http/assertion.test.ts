import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ASSERTION_TTL_S, ASSERTION_TYP, AssertionSigner } from './assertion.ts';

const ISSUER = 'https://zerogate.example.com:8443';
const principal = { user: 'alice@example.com', groups: ['engineering'], email: 'alice@example.com', deviceId: 'dev-1', posture: 'pass' as const, via: 'tunnel' as const, source: '10.0.0.5' };

describe('AssertionSigner', () => {
  it('signs an ES256 JWT the app verifies with the published JWKS', async () => {
    const signer = await AssertionSigner.ephemeral(ISSUER);
    const now = Date.now();
    const token = await signer.sign({ app: 'orders', principal, requestId: 'req-1' }, now);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: ASSERTION_TYP, kid: signer.jwks().keys[0]!.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(signer.jwks()), { issuer: ISSUER, audience: 'orders', typ: ASSERTION_TYP, algorithms: ['ES256'] });
    expect(payload).toMatchObject({ sub: 'alice@example.com', email: 'alice@example.com', groups: ['engineering'], device: 'dev-1', posture: 'pass', via: 'tunnel', jti: 'req-1' });
    expect(payload.exp! - payload.iat!).toBe(ASSERTION_TTL_S);
    // Only the public key is published.
    expect(Object.keys(signer.jwks().keys[0]!)).not.toContain('d');
  });

  it('is refused by the app when altered, for another app, or signed by another key', async () => {
    const signer = await AssertionSigner.ephemeral(ISSUER);
    const jwks = createLocalJWKSet(signer.jwks());
    const token = await signer.sign({ app: 'orders', principal, requestId: 'req-2' });
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...claims, groups: ['admin'] })).toString('base64url')}.${s}`;
    await expect(jwtVerify(altered, jwks, { issuer: ISSUER, audience: 'orders' })).rejects.toThrow();
    await expect(jwtVerify(token, jwks, { issuer: ISSUER, audience: 'billing' })).rejects.toThrow();
    const other = await AssertionSigner.ephemeral(ISSUER);
    await expect(jwtVerify(await other.sign({ app: 'orders', principal, requestId: 'r' }), jwks, { issuer: ISSUER, audience: 'orders' })).rejects.toThrow();
  });
});
