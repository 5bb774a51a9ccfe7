/**
 * Issue 5, second slice, against a real proxy over real TLS: an employee's own devices under
 * `/v1/me/devices` (device certificate + session token; another user's device answers 404 and
 * is audited), and policy validation and simulation for admins (`/v1/admin/policies/*`), with
 * the OWASP API basics: authentication, function-level authorization, body size, unknown
 * properties.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { createApiToken, ME_ROUTES, OPENAPI_PATH, POLICY_BODY_LIMIT, POLICY_ROUTES } from '../../proxy/api/index.ts';
import { REASONS } from '../../shared/reasons.ts';
import { compliantReport, unencryptedReport } from '../helpers/posture.ts';
import { startEchoServer, startStack, TEST_USER, type CountingServer, type Stack } from '../helpers/stack.ts';
import { requestJson, type JsonReply } from '../helpers/http.ts';

type Reply = JsonReply;

interface CallOptions {
  bearer?: string;
  body?: unknown;
  raw?: Buffer;
  /** A device's certificate and key, for `/v1/me/*`. */
  device?: DeviceCredentials;
}

function call(stack: Stack, method: 'GET' | 'POST', path: string, options: CallOptions = {}): Promise<Reply> {
  const { device, ...rest } = options;
  return requestJson(`${stack.proxy.url}${path}`, {
    method,
    tls: { ca: stack.proxy.pki.ca.certPem, ...(device === undefined ? {} : { cert: device.certPem, key: device.keyPem }) },
    ...rest,
  });
}

const BOB = 'bob@example.com';

/** The session token an enrolment left on the device (enrolment signs the device in). */
function tokenOf(creds: DeviceCredentials): string {
  const token = creds.session?.token;
  if (token === undefined) throw new Error('the enrolment left no session');
  return token;
}
const GOOD_POLICY = { allow: [{ users: [TEST_USER] }], require: { posture: { maxAge: '5m', diskEncryption: true }, sourceCidrs: ['10.0.0.0/8', '127.0.0.0/8'] } };

describe('employee devices and admin policy routes', () => {
  let echo: CountingServer;
  let stack: Stack;
  let alice: DeviceCredentials;
  let alice2: DeviceCredentials;
  let bob: DeviceCredentials;
  let admin: string;
  let helpdesk: string;

  beforeAll(async () => {
    echo = await startEchoServer();
    const upstream = `tcp://127.0.0.1:${echo.port}`;
    stack = await startStack({
      apps: [
        { id: 'secure', name: 'Secure wiki', upstream, policy: 'managed' },
        { id: 'open', upstream, users: [TEST_USER] },
      ],
      policies: { managed: { allow: [{ users: [TEST_USER] }], require: { posture: { maxAge: '5m', diskEncryption: true } } } },
    });
    admin = (await createApiToken(stack.proxy.store, { role: 'admin', name: 'ops', ttlMs: 3_600_000 })).token;
    helpdesk = (await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'desk', ttlMs: 3_600_000 })).token;
    alice = await stack.enroll(TEST_USER);
    alice2 = await stack.enroll(TEST_USER);
    bob = await stack.enroll(BOB);
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await echo?.close();
  });

  describe('GET /v1/me/devices', () => {
    it("lists only the caller's own devices, each with its posture checklist and verdicts", async () => {
      const reply = await call(stack, 'GET', '/v1/me/devices', { device: alice, bearer: tokenOf(alice) });
      expect(reply.status).toBe(200);
      const items = reply.json.items as { device: Record<string, unknown>; verdicts: { app: string; reasons: string[]; remediation: string[] }[] }[];
      expect(items.map((i) => i.device.id).sort()).toEqual([alice.enrollment.deviceId, alice2.enrollment.deviceId].sort());
      expect(items.find((i) => i.device.id === alice.enrollment.deviceId)?.device.current).toBe(true);
      expect(items.find((i) => i.device.id === alice2.enrollment.deviceId)?.device.current).toBe(false);
      const secure = items[0]!.verdicts.find((v) => v.app === 'secure');
      expect(secure?.reasons).toContain('posture-missing');
      expect(secure?.remediation.length).toBeGreaterThan(0);
      // Trimmed for an employee: no certificate internals, session details or audit events.
      const text = JSON.stringify(reply.json);
      for (const key of ['certFingerprint', 'certSerial', 'session', 'decisions', 'groups', 'user']) expect(text.includes(`"${key}"`), key).toBe(false);
      expect(text.includes(BOB)).toBe(false);
      expect(text.includes(bob.enrollment.deviceId)).toBe(false);
    });

    it('shows one own device with its posture history', async () => {
      const reply = await call(stack, 'GET', `/v1/me/devices/${alice2.enrollment.deviceId}`, { device: alice, bearer: tokenOf(alice) });
      expect(reply.status).toBe(200);
      expect((reply.json.device as { id: string }).id).toBe(alice2.enrollment.deviceId);
      expect(reply.json.postureHistory).toEqual([]);
    });

    it("answers 404 for another user's device, like a missing one, and audits api.deny", async () => {
      const other = await call(stack, 'GET', `/v1/me/devices/${bob.enrollment.deviceId}`, { device: alice, bearer: tokenOf(alice) });
      const missing = await call(stack, 'GET', '/v1/me/devices/dev-doesnotexist', { device: alice, bearer: tokenOf(alice) });
      expect(other.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(other.json).toEqual({ ...missing.json });
      expect(other.json).toMatchObject({ statusCode: 404, code: 'ZG_ERR_NOT_FOUND' });
      await stack.proxy.audit.flush();
      const denials = await stack.proxy.store.queryAudit({ type: 'api.deny', limit: 10 });
      expect(denials).toHaveLength(1);
      expect(denials[0]).toMatchObject({ user: TEST_USER, device: alice.enrollment.deviceId, decision: 'deny', reasons: ['user-not-allowed'] });
      expect(denials[0]?.detail).toMatchObject({ objectId: bob.enrollment.deviceId, route: '/v1/me/devices/:id' });
    });

    it('answers 401 without a session token, and without a device certificate', async () => {
      const noToken = await call(stack, 'GET', '/v1/me/devices', { device: alice });
      expect(noToken.status).toBe(401);
      expect(noToken.json).toMatchObject({ statusCode: 401, reasons: expect.arrayContaining([expect.any(String)]) });
      const noCert = await call(stack, 'GET', '/v1/me/devices', { bearer: tokenOf(alice) });
      expect(noCert.status).toBe(401);
      // Another device's session token does not fit this certificate.
      const swapped = await call(stack, 'GET', '/v1/me/devices', { device: alice, bearer: tokenOf(bob) });
      expect(swapped.status).toBe(401);
    });

    it('refuses unknown query parameters and oversized pages with 400', async () => {
      expect((await call(stack, 'GET', '/v1/me/devices?user=bob@example.com', { device: alice, bearer: tokenOf(alice) })).status).toBe(400);
      expect((await call(stack, 'GET', '/v1/me/devices?limit=1000', { device: alice, bearer: tokenOf(alice) })).status).toBe(400);
    });
  });

  describe('POST /v1/admin/policies/validate', () => {
    it('accepts a good policy and answers it normalised', async () => {
      const reply = await call(stack, 'POST', '/v1/admin/policies/validate', { bearer: admin, body: { policy: GOOD_POLICY } });
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({
        valid: true,
        policy: { mode: 'enforce', allow: [{ users: [TEST_USER] }], require: { posture: { maxAgeMs: 300_000, diskEncryption: true }, sourceCidrs: [{ cidr: '10.0.0.0/8', family: 4 }, { cidr: '127.0.0.0/8' }] } },
      });
    });

    it('lists every problem of a bad policy with its path', async () => {
      const reply = await call(stack, 'POST', '/v1/admin/policies/validate', { bearer: admin, body: { policy: { allow: [{ usrs: ['x'] }], require: { sourceCidrs: ['10.0.0.300/8'] } } } });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ statusCode: 400, code: 'ZG_ERR_BAD_REQUEST', valid: false });
      const errors = reply.json.errors as { path: string; expected: string; found: string; message: string }[];
      expect(errors.map((e) => e.path)).toEqual(['policy.allow[0].usrs', 'policy.require.sourceCidrs[0]']);
      expect(errors[0]?.message).toContain('did you mean "users"');
      expect(errors[1]).toMatchObject({ found: '"10.0.0.300/8"', expected: expect.stringContaining('CIDR') });
      expect(errors[1]?.message.startsWith('policy.require.sourceCidrs[0]: ')).toBe(true);
    });
  });

  describe('POST /v1/admin/policies/simulate', () => {
    it('allows a compliant posture', async () => {
      const reply = await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: TEST_USER, posture: compliantReport() } });
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ app: 'secure', policy: 'managed', allowed: true, enforced: true, reasons: [], remediation: [] });
      expect((reply.json.data as { admittedBy: string }).admittedBy).toBe('allow[0]');
    });

    it('denies an unencrypted disk with the reason and its remediation', async () => {
      const reply = await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: TEST_USER, posture: unencryptedReport() } });
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ allowed: false, reasons: ['disk-unencrypted'], remediation: [REASONS['disk-unencrypted'].remediation] });
      expect((reply.json.data as { require: Record<string, { pass: boolean }> }).require['disk-encryption']?.pass).toBe(false);
    });

    it('denies a user outside the allow list, and judges a candidate policy', async () => {
      const outside = await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: BOB, posture: compliantReport() } });
      expect(outside.json).toMatchObject({ allowed: false, reasons: ['user-not-allowed'] });
      const candidate = await call(stack, 'POST', '/v1/admin/policies/simulate', {
        bearer: admin,
        body: { app: 'secure', user: BOB, groups: ['eng'], posture: compliantReport(), source: '10.1.2.3', policy: { allow: [{ groups: ['eng'] }], require: { sourceCidrs: ['10.0.0.0/8'] } } },
      });
      expect(candidate.json).toMatchObject({ policy: 'candidate', allowed: true, reasons: [] });
      const badCandidate = await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: BOB, policy: { allow: [{ team: ['x'] }] } } });
      expect(badCandidate.status).toBe(400);
      expect((badCandidate.json.errors as { path: string }[])[0]?.path).toBe('policy.allow[0].team');
    });

    it("uses an enrolled device's stored posture (none yet: posture-missing), and 404 for an unknown device or app", async () => {
      const reply = await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: TEST_USER, device: alice.enrollment.deviceId } });
      expect(reply.json).toMatchObject({ allowed: false, reasons: ['posture-missing'] });
      expect((await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: TEST_USER, device: 'dev-nope' } })).status).toBe(404);
      expect((await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'nope', user: TEST_USER } })).status).toBe(404);
    });

    it('refuses an invalid posture report or source address with 400', async () => {
      expect((await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: TEST_USER, posture: { version: 1 } } })).status).toBe(400);
      expect((await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: TEST_USER, source: 'not-an-ip' } })).status).toBe(400);
    });
  });

  describe('OWASP API basics on the policy routes', () => {
    it('gives a helpdesk token 403 on both (function-level authorization)', async () => {
      for (const spec of Object.values(POLICY_ROUTES)) {
        const reply = await call(stack, 'POST', spec.url, { bearer: helpdesk, body: { policy: GOOD_POLICY, app: 'secure', user: TEST_USER } });
        expect(reply.status, spec.url).toBe(403);
        expect(reply.json).toMatchObject({ code: 'ZG_ERR_API_FORBIDDEN', reasons: ['user-not-allowed'] });
      }
    });

    it('answers 401 without a token', async () => {
      for (const spec of Object.values(POLICY_ROUTES)) {
        expect((await call(stack, 'POST', spec.url, { body: { policy: GOOD_POLICY } })).status, spec.url).toBe(401);
      }
    });

    it('answers 413 to an oversized body', async () => {
      const big = Buffer.from(JSON.stringify({ policy: { allow: [{ users: Array.from({ length: 2000 }, (_, i) => `user-${i}@example.com`) }] } }));
      expect(big.length).toBeGreaterThan(POLICY_BODY_LIMIT);
      for (const spec of Object.values(POLICY_ROUTES)) {
        const reply = await call(stack, 'POST', spec.url, { bearer: admin, raw: big });
        expect(reply.status, spec.url).toBe(413);
        expect(reply.json).toMatchObject({ statusCode: 413, code: 'ZG_ERR_BAD_REQUEST' });
      }
    });

    it('refuses an extra property with 400', async () => {
      const validate = await call(stack, 'POST', '/v1/admin/policies/validate', { bearer: admin, body: { policy: GOOD_POLICY, apply: true } });
      expect(validate.status).toBe(400);
      expect(validate.json).toMatchObject({ code: 'ZG_ERR_BAD_REQUEST' });
      const simulate = await call(stack, 'POST', '/v1/admin/policies/simulate', { bearer: admin, body: { app: 'secure', user: TEST_USER, role: 'admin' } });
      expect(simulate.status).toBe(400);
    });
  });

  it('lists the new routes in the OpenAPI document', async () => {
    const reply = await call(stack, 'GET', OPENAPI_PATH);
    const paths = reply.json.paths as Record<string, Record<string, { security?: unknown }>>;
    for (const spec of [...Object.values(POLICY_ROUTES), ...Object.values(ME_ROUTES)]) {
      expect(paths[spec.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[spec.method.toLowerCase()], spec.url).toBeDefined();
    }
    expect(paths['/v1/me/devices']?.get?.security).toEqual([{ deviceCertificate: [], sessionToken: [] }, { consoleSession: [] }]);
  });
});
