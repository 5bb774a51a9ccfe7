import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../audit/index.ts';
import { expectZgRejection } from '../../pki/test-helpers.ts';
import { SqliteStore } from '../../store/index.ts';
import { agentClient, createEmbeddedIdp, hashPassword, type EmbeddedIdpOptions } from './index.ts';
import { resolveOptions } from './options.ts';

function base(): EmbeddedIdpOptions {
  const store = SqliteStore.open(':memory:');
  return {
    issuer: 'https://127.0.0.1:8443/idp',
    mountPath: '/idp',
    store,
    audit: new AuditLog(store, 'none'),
    users: [],
    clients: [agentClient()],
    keysFile: join(mkdtempSync(join(tmpdir(), 'zg-idp-opt-')), 'idp-keys.json'),
  };
}

describe('resolveOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolveOptions(base())).toMatchObject({
      issuer: 'https://127.0.0.1:8443/idp',
      issuerOrigin: 'https://127.0.0.1:8443',
      groupsClaim: 'groups',
      amr: ['pwd', 'otp', 'mfa'],
      acr: 'urn:zerogate:loa:mfa',
      idTokenSeconds: 600,
      refreshTokenSeconds: 43_200,
      deviceCodeSeconds: 600,
      failuresPerUser: 5,
      failuresPerSource: 20,
      windowMs: 900_000,
      title: 'Zerogate',
    });
  });

  it.each([
    ['an http issuer', { issuer: 'http://127.0.0.1:8443/idp' }],
    ['an issuer with a query', { issuer: 'https://127.0.0.1:8443/idp?x=1' }],
    ['an issuer path other than the mount', { issuer: 'https://127.0.0.1:8443/other' }],
    ['a mount path with a trailing slash', { mountPath: '/idp/', issuer: 'https://127.0.0.1:8443/idp/' }],
    ['a relative keys file', { keysFile: 'idp-keys.json' }],
    ['no clients', { clients: [] }],
    ['a groups claim that is a registered claim', { claims: { groupsClaim: 'sub' } }],
    ['an empty amr', { claims: { amr: [] } }],
    ['a refresh TTL out of bounds', { ttl: { refreshTokenSeconds: 1 } }],
    ['a fractional limit', { rateLimit: { failuresPerUser: 1.5 } }],
  ] as [string, Partial<EmbeddedIdpOptions>][])('refuses %s with a TypeError', (_name, override) => {
    expect(() => resolveOptions({ ...base(), ...override })).toThrow(TypeError);
  });
});

describe('createEmbeddedIdp clients', () => {
  it('refuses invalid client metadata at start with a TypeError', async () => {
    const bad = { ...agentClient(), redirect_uris: ['http://evil.example/callback'] };
    await expect(createEmbeddedIdp({ ...base(), clients: [bad] })).rejects.toThrow(TypeError);
  });
});

describe('createEmbeddedIdp config users', () => {
  it('refuses a malformed password hash, a malformed TOTP secret and a duplicate with ZG_ERR_CONFIG_INVALID', async () => {
    const passwordHash = await hashPassword('pw');
    const user = { username: 'alice', email: 'alice@example.com', groups: [], passwordHash };
    for (const users of [
      [{ ...user, passwordHash: 'scrypt$garbage' }],
      [{ ...user, totpSecret: 'NOT-BASE32!' }],
      [user, { ...user }],
    ]) {
      const error = await expectZgRejection(createEmbeddedIdp({ ...base(), users }), 'ZG_ERR_CONFIG_INVALID');
      expect(error.detail).toEqual({ user: 'alice' });
      expect(error.message).not.toContain(passwordHash);
    }
  });
});
