import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { certificateThumbprint, SESSION_TOKEN_TYP, SessionTokens, type SessionClaims } from './session-token.ts';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const claims = (over: Partial<SessionClaims> = {}): SessionClaims => ({
  sid: 's1',
  user: 'alice',
  deviceId: 'd1',
  groups: ['eng'],
  amr: ['pwd', 'otp', 'mfa'],
  acr: 'urn:zerogate:loa:mfa',
  authTime: NOW - 60_000,
  expiresAt: NOW + 600_000,
  certThumbprint: certificateThumbprint(Buffer.from('certificate A')),
  ...over,
});

describe('session tokens', () => {
  it('are ES256 JWTs of an explicit type, bound to the certificate with cnf x5t#S256 (RFC 8705)', async () => {
    const tokens = await SessionTokens.ephemeral('https://proxy.example.com');
    const token = await tokens.sign(claims(), NOW);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: SESSION_TOKEN_TYP });
    expect(decodeJwt(token)).toMatchObject({ sub: 'alice', sid: 's1', dev: 'd1', cnf: { 'x5t#S256': claims().certThumbprint }, auth_time: (NOW - 60_000) / 1000 });
    await expect(tokens.verify(token, claims().certThumbprint, { now: NOW })).resolves.toEqual(claims());
  });

  it('refuses a token presented with another certificate', async () => {
    const tokens = await SessionTokens.ephemeral('https://proxy.example.com');
    const token = await tokens.sign(claims(), NOW);
    await expect(tokens.verify(token, certificateThumbprint(Buffer.from('certificate B')), { now: NOW })).rejects.toMatchObject({
      code: 'ZG_ERR_AUTH_SESSION_INVALID',
      reasons: ['token-invalid'],
      detail: { check: 'cnf' },
    });
  });

  it('refuses an expired token, except to identify its session for renewal', async () => {
    const tokens = await SessionTokens.ephemeral('https://proxy.example.com');
    const token = await tokens.sign(claims({ expiresAt: NOW - 60_000 }), NOW - 700_000);
    await expect(tokens.verify(token, claims().certThumbprint, { now: NOW })).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_EXPIRED', reasons: ['token-expired'] });
    await expect(tokens.verify(token, claims().certThumbprint, { now: NOW, allowExpired: true })).resolves.toMatchObject({ sid: 's1' });
  });

  it('refuses tokens of another proxy key, another issuer, or tampered', async () => {
    const ours = await SessionTokens.ephemeral('https://proxy.example.com');
    const theirs = await SessionTokens.ephemeral('https://proxy.example.com');
    const other = await SessionTokens.ephemeral('https://other.example.com');
    const thumb = claims().certThumbprint;
    await expect(ours.verify(await theirs.sign(claims(), NOW), thumb, { now: NOW })).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_INVALID' });
    await expect(other.verify(await other.sign(claims(), NOW), thumb, { now: NOW })).resolves.toBeDefined();
    const token = await ours.sign(claims(), NOW);
    const [h, p, s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'root' })).toString('base64url')}.${s}`;
    await expect(ours.verify(forged, thumb, { now: NOW })).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_INVALID' });
    expect(p).toBeDefined();
  });

  it('keeps its key in a 0600 file and reuses it after a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zg-session-key-')), 'key.json');
    const first = await SessionTokens.open(file, 'https://proxy.example.com');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = await first.sign(claims(), NOW);
    const before = readFileSync(file, 'utf8');
    const second = await SessionTokens.open(file, 'https://proxy.example.com');
    expect(readFileSync(file, 'utf8')).toBe(before);
    await expect(second.verify(token, claims().certThumbprint, { now: NOW })).resolves.toMatchObject({ user: 'alice' });
  });
});
