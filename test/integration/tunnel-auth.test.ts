import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, generateDeviceKey } from '../../agent/core/enroll/index.ts';
import { createCa, signDeviceCsr } from '../../proxy/pki/index.ts';
import { tryUpgrade } from '../helpers/agent.ts';
import { startEchoStack, TEST_USER, waitFor, type EchoStack } from '../helpers/stack.ts';


describe('tunnel upgrade: only an enrolled, active device with a valid certificate gets in', () => {
  let stack: EchoStack;

  beforeAll(async () => {
    stack = await startEchoStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  const deniedEvents = async (reason: string) => {
    await stack.proxy.audit.flush();
    return (await stack.proxy.store.queryAudit({ type: 'session.deny' })).filter((e) => e.reasons?.includes(reason));
  };

  it('accepts an enrolled device with its session token', async () => {
    const creds = await stack.enroll(TEST_USER);
    const outcome = await tryUpgrade(stack.proxy.url, { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem }, creds.session?.token);
    expect(outcome).toEqual({ opened: true });
  });

  it('refuses an enrolled device without a session token with 401 user-unauthenticated, audited', async () => {
    const creds = await stack.enroll(TEST_USER);
    const outcome = await tryUpgrade(stack.proxy.url, { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem });
    expect(outcome.status).toBe(401);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_REQUIRED', reasons: ['user-unauthenticated'] });
    expect((await deniedEvents('user-unauthenticated')).some((e) => e.device === creds.enrollment.deviceId)).toBe(true);
  });

  it('refuses a client without a certificate with 401 device-unenrolled, audited', async () => {
    const outcome = await tryUpgrade(stack.proxy.url, { ca: stack.proxy.pki.ca.certPem });
    expect(outcome.status).toBe(401);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_CERT_REQUIRED', reasons: ['device-unenrolled'] });
    expect((await deniedEvents('device-unenrolled')).length).toBeGreaterThan(0);
  });

  it('refuses a certificate from another CA with 403 certificate-invalid, audited', async () => {
    const other = createCa({ commonName: 'Some other CA' });
    const key = generateDeviceKey();
    const issued = signDeviceCsr(other, createCsr(key.privateKeyPem, { commonName: 'x' }), { deviceId: 'foreign-device-1', ttlMs: 3_600_000 });
    const outcome = await tryUpgrade(stack.proxy.url, { ca: stack.proxy.pki.ca.certPem, cert: issued.certPem, key: key.privateKeyPem });
    expect(outcome.status).toBe(403);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_CERT_INVALID', reasons: ['certificate-invalid'] });
    expect(outcome.body?.message).toMatch(/not issued by this proxy/);
    expect((await deniedEvents('certificate-invalid')).length).toBeGreaterThan(0);
  });

  it('refuses an expired certificate of an enrolled device with 403 certificate-invalid', async () => {
    const creds = await stack.issueDirect(TEST_USER, { ttlMs: 3_600_000, now: new Date(Date.now() - 2 * 3_600_000) });
    const outcome = await tryUpgrade(stack.proxy.url, { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem });
    expect(outcome.status).toBe(403);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_CERT_INVALID', reasons: ['certificate-invalid'] });
    expect(outcome.body?.message).toMatch(/expired/);
  });

  it('refuses a revoked device with 403 device-revoked, audited', async () => {
    const creds = await stack.enroll(TEST_USER);
    expect(await stack.proxy.store.revokeDevice(creds.enrollment.deviceId, Date.now(), 'test')).toBe(true);
    const outcome = await tryUpgrade(stack.proxy.url, { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem });
    expect(outcome.status).toBe(403);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_DEVICE_REVOKED', reasons: ['device-revoked'] });
    const events = await deniedEvents('device-revoked');
    expect(events.some((e) => e.device === creds.enrollment.deviceId)).toBe(true);
  });

  it('refuses a valid certificate whose device record is gone with 403 device-unenrolled', async () => {
    const key = generateDeviceKey();
    const issued = signDeviceCsr(stack.proxy.pki.ca, createCsr(key.privateKeyPem, { commonName: 'x' }), { deviceId: 'never-enrolled-1', ttlMs: 3_600_000 });
    const outcome = await tryUpgrade(stack.proxy.url, { ca: stack.proxy.pki.ca.certPem, cert: issued.certPem, key: key.privateKeyPem });
    expect(outcome.status).toBe(403);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_DEVICE_UNKNOWN', reasons: ['device-unenrolled'] });
  });

  it('let none of the refused clients reach an upstream', async () => {
    // Only the accepted device above opened a tunnel, and it opened no stream.
    await waitFor(() => stack.proxy.built.sessions.size === 0, 5_000, 'sessions to close');
    expect(stack.echo.connections).toBe(0);
  });
});
