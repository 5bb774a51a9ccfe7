import { generate, generateSecret } from 'otplib';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../store/index.ts';
import { isUsableTotpSecret, newTotpSecret, TOTP_PERIOD_S, TotpVerifier } from './totp.ts';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const at = (secret: string, ms: number) => generate({ secret, epoch: Math.floor(ms / 1000) });

describe('TotpVerifier', () => {
  const make = () => {
    let now = T0;
    const verifier = new TotpVerifier(SqliteStore.open(':memory:'), () => now);
    return { verifier, set: (ms: number) => (now = ms) };
  };

  it('accepts the current code and codes one step early or late, not two', async () => {
    const secret = generateSecret();
    for (const offset of [-1, 0, 1]) {
      const { verifier } = make();
      expect(await verifier.verify('alice', secret, await at(secret, T0 + offset * TOTP_PERIOD_S * 1000)), `offset ${offset}`).toBe('ok');
    }
    for (const offset of [-2, 2]) {
      const { verifier } = make();
      expect(await verifier.verify('alice', secret, await at(secret, T0 + offset * TOTP_PERIOD_S * 1000)), `offset ${offset}`).toBe('bad-code');
    }
  });

  it('refuses a code used before, and an older one after a newer one, for the same user only', async () => {
    const secret = generateSecret();
    const { verifier, set } = make();
    const current = await at(secret, T0);
    const previous = await at(secret, T0 - TOTP_PERIOD_S * 1000);
    expect(await verifier.verify('alice', secret, current)).toBe('ok');
    expect(await verifier.verify('alice', secret, current)).toBe('code-replayed');
    expect(await verifier.verify('alice', secret, previous)).toBe('code-replayed');
    expect(await verifier.verify('bob', secret, current)).toBe('ok');
    set(T0 + TOTP_PERIOD_S * 1000);
    expect(await verifier.verify('alice', secret, await at(secret, T0 + TOTP_PERIOD_S * 1000))).toBe('ok');
  });

  it('lets only one of two simultaneous submissions of a code through', async () => {
    const secret = generateSecret();
    const { verifier } = make();
    const code = await at(secret, T0);
    const outcomes = await Promise.all([verifier.verify('alice', secret, code), verifier.verify('alice', secret, code)]);
    expect(outcomes.sort()).toEqual(['code-replayed', 'ok']);
  });

  it('reads codes typed with spaces, and refuses malformed ones', async () => {
    const secret = generateSecret();
    const { verifier } = make();
    const code = await at(secret, T0);
    expect(await verifier.verify('alice', secret, ` ${code.slice(0, 3)} ${code.slice(3)} `)).toBe('ok');
    for (const bad of ['', '12345', '1234567', 'abcdef', '12345x']) expect(await verifier.verify('bob', secret, bad)).toBe('bad-code');
  });

  it('makes 160-bit secrets and accepts config secrets of at least 10 bytes', async () => {
    expect(newTotpSecret()).toMatch(/^[A-Z2-7]{32}$/);
    expect(await isUsableTotpSecret('JBSWY3DPEHPK3PXP')).toBe(true);
    expect(await isUsableTotpSecret('JBSWY3DPEHPK')).toBe(false);
    expect(await isUsableTotpSecret('not base32!')).toBe(false);
  });
});
