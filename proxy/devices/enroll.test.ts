import { createCsr, generateDeviceKey } from '../../agent/core/enroll/keys.ts';
import { describe, expect, it, beforeAll } from 'vitest';
import { AuditLog } from '../audit/index.ts';
import { createCa } from '../pki/index.ts';
import type { LoadedPki } from '../pki/index.ts';
import { SqliteStore } from '../store/index.ts';
import { SessionService, SessionTokens } from '../identity/index.ts';
import { enrollWithToken } from './enroll.ts';
import { createEnrollmentToken, parseEnrollmentToken } from './tokens.ts';

describe('enrolment with a one-time token', () => {
  let pki: LoadedPki;
  let csr: string;

  beforeAll(() => {
    const ca = createCa();
    pki = { ca: ca as LoadedPki['ca'], server: ca, caFingerprint: 'unused' };
    csr = createCsr(generateDeviceKey().privateKeyPem, { commonName: 'laptop' });
  });

  let tokens: SessionTokens;
  beforeAll(async () => {
    tokens = await SessionTokens.ephemeral('https://proxy.test');
  });

  const setup = () => {
    const store = SqliteStore.open(':memory:');
    const audit = new AuditLog(store, 'none');
    const sessions = new SessionService({
      store,
      audit,
      tokens,
      verifyIdToken: () => Promise.reject(new Error('no IdP in this test')),
      lifetimes: { tokenTtlMs: 600_000, maxAgeMs: 43_200_000, mfaMaxAgeMs: 43_200_000 },
    });
    return { store, audit, deps: { store, pki, audit, certTtlMs: 7 * 86_400_000, sessions } };
  };

  it('issues a certificate bound to the token user, once; reuse is refused and audited', async () => {
    const { store, audit, deps } = setup();
    const { token } = await createEnrollmentToken(store, 'alice@example.com', 60_000);
    const enrolled = await enrollWithToken(deps, { token, csr, hostname: 'laptop' }, '10.1.2.3');
    expect(enrolled.user).toBe('alice@example.com');
    expect(enrolled.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    await expect(enrollWithToken(deps, { token, csr, hostname: 'laptop' }, '10.9.9.9')).rejects.toMatchObject({
      code: 'ZG_ERR_AUTH_TOKEN_INVALID',
      message: 'the enrolment token was already used: ask your administrator for a new one',
    });
    await audit.flush();
    const events = await store.queryAudit({ type: 'device.enroll' });
    expect(events.map((e) => [e.decision, e.source, e.detail?.refusal])).toEqual([
      ['deny', '10.9.9.9', 'token-used'],
      ['allow', '10.1.2.3', undefined],
    ]);
    // The audit trail never holds the token's secret.
    expect(JSON.stringify(events)).not.toContain(token.slice('zgt_0123456789abcdef_'.length));
  });

  it('does not burn the token on a malformed CSR', async () => {
    const { store, deps } = setup();
    const { token } = await createEnrollmentToken(store, 'bob@example.com', 60_000);
    await expect(enrollWithToken(deps, { token, csr: 'not a csr', hostname: 'h' }, '::1')).rejects.toMatchObject({ code: 'ZG_ERR_PKI_BAD_CSR' });
    await expect(enrollWithToken(deps, { token, csr, hostname: 'h' }, '::1')).resolves.toMatchObject({ user: 'bob@example.com' });
  });

  it('refuses an expired token and a malformed one with the same code, auditing both', async () => {
    const { store, audit, deps } = setup();
    const { token } = await createEnrollmentToken(store, 'carol@example.com', 1_000, Date.now() - 10_000);
    await expect(enrollWithToken(deps, { token, csr, hostname: 'h' }, '::1')).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_TOKEN_INVALID', message: /expired/ });
    await expect(enrollWithToken(deps, { token: 'zgt_garbage', csr, hostname: 'h' }, '::1')).rejects.toMatchObject({ code: 'ZG_ERR_AUTH_TOKEN_INVALID' });
    await audit.flush();
    expect((await store.queryAudit({ type: 'device.enroll' })).map((e) => e.detail?.refusal)).toEqual(['token-malformed', 'token-expired']);
  });

  it('checks the token before doing any signing work: an unknown token with a garbage CSR is a 401, not a CSR error', async () => {
    const { deps } = setup();
    await expect(enrollWithToken(deps, { token: `zgt_0123456789abcdef_${'A'.repeat(43)}`, csr: 'garbage', hostname: 'h' }, '::1')).rejects.toMatchObject({
      code: 'ZG_ERR_AUTH_TOKEN_INVALID',
    });
  });

  it('parses only well-formed tokens', () => {
    expect(() => parseEnrollmentToken('zgt_0123456789abcdef_short')).toThrow(/malformed/);
    expect(parseEnrollmentToken(`zgt_0123456789abcdef_${'A'.repeat(43)}`).id).toBe('0123456789abcdef');
  });
});
