import { mkdtempSync, statSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectZgRejection } from '../../pki/test-helpers.ts';
import { loadOrCreateIdpKeys, publicJwksOf } from './keys.ts';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'zg-idp-keys-')), 'sub', 'idp-keys.json');

describe('loadOrCreateIdpKeys', () => {
  it('creates the keys file with mode 0600 on first start and reuses it afterwards', async () => {
    const file = tempFile();
    const created = await loadOrCreateIdpKeys(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(created.jwks.keys).toHaveLength(1);
    expect(created.jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(created.cookieKeys[0]!.length).toBeGreaterThanOrEqual(32);
    const again = await loadOrCreateIdpKeys(file);
    expect(again).toEqual(created);
  });

  it('narrows a keys file readable by others back to 0600', async () => {
    const file = tempFile();
    await loadOrCreateIdpKeys(file);
    chmodSync(file, 0o644);
    await loadOrCreateIdpKeys(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('publishes only the public half of the signing keys', async () => {
    const keys = await loadOrCreateIdpKeys(tempFile());
    const [key] = publicJwksOf(keys).keys;
    expect(Object.keys(key!).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('refuses a damaged keys file with ZG_ERR_IDP_KEYS_INVALID and leaves it in place', async () => {
    const file = tempFile();
    await loadOrCreateIdpKeys(file);
    const good = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const bad of ['not json', '[]', JSON.stringify({ ...good, version: 2 }), JSON.stringify({ ...good, jwks: { keys: [] } }), JSON.stringify({ ...good, cookieKeys: ['short'] })]) {
      writeFileSync(file, bad);
      const error = await expectZgRejection(loadOrCreateIdpKeys(file), 'ZG_ERR_IDP_KEYS_INVALID');
      expect(error.detail).toEqual({ file });
      expect(readFileSync(file, 'utf8')).toBe(bad);
    }
    // A public key where a private one belongs.
    const publicOnly = { ...good, jwks: { keys: publicJwksOf(good as never).keys } };
    writeFileSync(file, JSON.stringify(publicOnly));
    await expectZgRejection(loadOrCreateIdpKeys(file), 'ZG_ERR_IDP_KEYS_INVALID');
  });
});
