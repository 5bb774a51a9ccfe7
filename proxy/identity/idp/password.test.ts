import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './index.ts';
import { parsePasswordHash, SCRYPT_MAX_COST } from './password.ts';

describe('hashPassword / verifyPassword', () => {
  it('makes a self-describing scrypt hash that verifies the password and nothing else', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('compares after Unicode normalisation (NFKC), so composed and decomposed accents match', async () => {
    const hash = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  it('verifies hashes with other (bounded) parameters', async () => {
    const [, , salt, key] = (await hashPassword('x')).split('$');
    // Same salt, different cost: a different key, so no match, but a well-formed hash.
    expect(parsePasswordHash(`scrypt$N=1024,r=8,p=1$${salt}$${key}`)).toMatchObject({ cost: 1024, blockSize: 8, parallelism: 1 });
    expect(await verifyPassword('x', `scrypt$N=1024,r=8,p=1$${salt}$${key}`)).toBe(false);
  });

  it('treats malformed or too costly hashes as no match, without running them', async () => {
    const [, , salt, key] = (await hashPassword('x')).split('$');
    for (const bad of [
      '',
      'plain',
      `bcrypt$N=16384,r=8,p=1$${salt}$${key}`,
      `scrypt$N=16384,r=8,p=1$${salt}`,
      `scrypt$N=1000,r=8,p=1$${salt}$${key}`,
      `scrypt$N=${SCRYPT_MAX_COST * 2},r=8,p=1$${salt}$${key}`,
      `scrypt$N=16384,r=64,p=1$${salt}$${key}`,
      `scrypt$N=16384,r=8,p=99$${salt}$${key}`,
      `scrypt$N=16384,r=8,p=1$${salt}$not base64!`,
      `scrypt$N=16384,r=8,p=1$AA$${key}`,
    ]) {
      expect(parsePasswordHash(bad), bad).toBeUndefined();
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });

  it('refuses to hash an empty password (a programming error)', async () => {
    await expect(hashPassword('')).rejects.toBeInstanceOf(TypeError);
  });
});
