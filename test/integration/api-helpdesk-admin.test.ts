/**
 * The admin and helpdesk API against a real proxy over real TLS (issue 5, first slice): API
 * tokens with roles, device search and detail (posture checklist, history, per-app verdicts
 * with remediation, recent decisions), decisions, revocations that cut live tunnels, audit
 * pages, and the OWASP API basics: authentication (401 with a code), function-level
 * authorization (403), input validation and page sizes (400), no secrets in any response.
 */
import { createServer, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelClient } from '../../agent/core/tunnel/index.ts';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { API_RATE_PER_TOKEN_PER_MINUTE, API_ROUTES, createApiToken, OPENAPI_PATH, PAGE_MAX, revokeApiToken } from '../../proxy/api/index.ts';
import { REASONS } from '../../shared/reasons.ts';
import { unencryptedReport } from '../helpers/posture.ts';
import { startEchoServer, startStack, TEST_USER, waitFor, type CountingServer, type Stack } from '../helpers/stack.ts';
import { requestJson, type JsonReply } from '../helpers/http.ts';

type Reply = JsonReply;

/** One HTTPS request from `source` (its own loopback address, so per-source limits never interfere). */
function call(stack: Stack, method: 'GET' | 'POST', path: string, options: { bearer?: string; body?: unknown; source?: string; authorization?: string } = {}): Promise<Reply> {
  return requestJson(`${stack.proxy.url}${path}`, { method, tls: { ca: stack.proxy.pki.ca.certPem }, source: options.source ?? '127.0.0.1', ...options });
}

/** Every key anywhere in a JSON value. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysOf(v, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      keysOf(v, into);
    }
  }
  return into;
}

const FORBIDDEN_KEYS = ['token', 'secret', 'hash', 'secretHash', 'passwordHash', 'totp', 'key', 'keyPem', 'password'];

function expectNoSecrets(reply: Reply, ...secrets: string[]): void {
  const keys = keysOf(reply.json);
  for (const k of FORBIDDEN_KEYS) expect(keys.has(k), `response has a "${k}" field`).toBe(false);
  const text = JSON.stringify(reply.json);
  for (const s of secrets) expect(text.includes(s)).toBe(false);
}

/** Asks the tunnel for `app` on a throwaway socket pair; resolves with how the open ended. */
async function tryOpen(client: TunnelClient, app: string): Promise<'ok' | { reasons: readonly string[] }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const local = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  local.on('error', () => undefined);
  const inner = await accepted;
  server.close();
  inner.on('error', () => undefined);
  const result = await new Promise<'ok' | { reasons: readonly string[] }>((resolve) => {
    void client.open({ app }, inner, { onOpenOk: () => resolve('ok'), onOpenFail: (p) => resolve(p) }).catch(() => resolve({ reasons: ['tunnel-closed'] }));
  });
  local.destroy();
  return result;
}

describe('admin and helpdesk API', () => {
  let echo: CountingServer;
  let stack: Stack;
  let creds: DeviceCredentials;
  let client: TunnelClient;
  let helpdesk: string;
  let admin: string;
  let deviceId: string;

  beforeAll(async () => {
    echo = await startEchoServer();
    const upstream = `tcp://127.0.0.1:${echo.port}`;
    stack = await startStack({
      apps: [
        { id: 'secure', name: 'Secure wiki', upstream, policy: 'managed' },
        { id: 'open', upstream, users: [TEST_USER] },
      ],
      policies: { managed: { allow: [{ users: [TEST_USER] }], require: { posture: { maxAge: '5m', diskEncryption: true } } } },
    } as Parameters<typeof startStack>[0]);
    helpdesk = (await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'helpdesk-bot', ttlMs: 3_600_000 })).token;
    admin = (await createApiToken(stack.proxy.store, { role: 'admin', name: 'ops-automation', ttlMs: 3_600_000 })).token;
    creds = await stack.enroll(TEST_USER);
    deviceId = creds.enrollment.deviceId;
    client = new TunnelClient({ credentials: creds, backoff: { initialMs: 50, maxMs: 500 } });
    client.start();
    await client.waitConnected(10_000);
    const report = unencryptedReport();
    expect(client.sendControl({ type: 'posture', report })).toBe(true);
    await waitFor(async () => (await stack.proxy.store.latestPosture(deviceId))?.report.collectedAt === report.collectedAt, 5_000, 'the posture report');
    expect(await tryOpen(client, 'secure')).toMatchObject({ reasons: ['disk-unencrypted'] });
    await stack.proxy.audit.flush();
  }, 60_000);
  afterAll(async () => {
    await client?.stop();
    await stack?.close();
    await echo?.close();
  });

  it('lets a helpdesk token search devices by user and hostname', async () => {
    const byUser = await call(stack, 'GET', `/v1/helpdesk/devices?user=${encodeURIComponent(TEST_USER)}`, { bearer: helpdesk });
    expect(byUser.status).toBe(200);
    expect(byUser.json.items).toEqual([expect.objectContaining({ id: deviceId, user: TEST_USER, status: 'active' })]);
    const byHost = await call(stack, 'GET', '/v1/helpdesk/devices?hostname=HOST-&status=active', { bearer: helpdesk });
    expect((byHost.json.items as { id: string }[]).map((d) => d.id)).toContain(deviceId);
    const none = await call(stack, 'GET', '/v1/helpdesk/devices?user=nobody@example.com', { bearer: helpdesk });
    expect(none.json).toEqual({ items: [] });
    expectNoSecrets(byUser, helpdesk);
  });

  it('shows a device with disk encryption off: the failed check, the verdict and its remediation, the denial', async () => {
    const reply = await call(stack, 'GET', `/v1/helpdesk/devices/${deviceId}`, { bearer: helpdesk });
    expect(reply.status).toBe(200);
    const body = reply.json as {
      device: { id: string };
      session: { user: string };
      posture: { checks: { check: string; status: string }[] };
      postureHistory: { checks: Record<string, string> }[];
      verdicts: { app: string; allowed: boolean; reasons: string[]; remediation: string[] }[];
      decisions: { type: string; app: string; reasons: string[]; remediation: string[] }[];
    };
    expect(body.device.id).toBe(deviceId);
    expect(body.session.user).toBe(TEST_USER);
    expect(body.posture.checks).toContainEqual({ check: 'diskEncryption', status: 'fail', detail: 'root is not on a crypt device' });
    expect(body.posture.checks.find((c) => c.check === 'firewall')?.status).toBe('pass');
    expect(body.postureHistory[0]?.checks).toMatchObject({ diskEncryption: 'fail', edr: 'pass' });
    expect(body.verdicts.find((v) => v.app === 'secure')).toEqual({
      app: 'secure',
      name: 'Secure wiki',
      allowed: false,
      reasons: ['disk-unencrypted'],
      remediation: [REASONS['disk-unencrypted'].remediation],
    });
    expect(body.verdicts.find((v) => v.app === 'open')).toMatchObject({ allowed: true, reasons: [] });
    expect(body.decisions[0]).toMatchObject({ type: 'stream.deny', app: 'secure', reasons: ['disk-unencrypted'], remediation: [REASONS['disk-unencrypted'].remediation] });
    expectNoSecrets(reply, helpdesk, creds.session!.token, creds.keyPem);
  });

  it('lists recent decisions with reasons and remediation, filtered by user and app', async () => {
    const reply = await call(stack, 'GET', `/v1/helpdesk/decisions?user=${encodeURIComponent(TEST_USER)}&app=secure&limit=5`, { bearer: helpdesk });
    expect(reply.status).toBe(200);
    expect(reply.json.items).toEqual([expect.objectContaining({ device: deviceId, app: 'secure', code: 'ZG_ERR_POLICY_DENIED', reasons: ['disk-unencrypted'] })]);
    expect((await call(stack, 'GET', '/v1/helpdesk/decisions?app=open', { bearer: helpdesk })).json).toEqual({ items: [] });
  });

  it('answers 404 with a code for an unknown device id', async () => {
    const reply = await call(stack, 'GET', '/v1/helpdesk/devices/dev-does-not-exist', { bearer: helpdesk });
    expect(reply.status).toBe(404);
    expect(reply.json).toMatchObject({ statusCode: 404, code: 'ZG_ERR_NOT_FOUND' });
  });

  it.each([
    ['a page size above the maximum', `/v1/helpdesk/devices?limit=${PAGE_MAX + 1}`],
    ['limit=100000', '/v1/helpdesk/decisions?limit=100000'],
    ['limit=0', '/v1/admin/audit?limit=0'],
    ['an unknown query property', '/v1/helpdesk/devices?role=admin'],
    ['a malformed device id', '/v1/helpdesk/devices/..%2F..%2Fetc'],
    ['a bad status', '/v1/helpdesk/devices?status=deleted'],
  ])('refuses %s with 400 ZG_ERR_BAD_REQUEST', async (_what, path) => {
    const reply = await call(stack, 'GET', path, { bearer: admin });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ statusCode: 400, code: 'ZG_ERR_BAD_REQUEST', error: 'Bad Request' });
  });

  it('accepts the largest page size and pages by cursor', async () => {
    for (let i = 0; i < 3; i++) await stack.enroll(`pager-${i}@example.com`);
    const first = await call(stack, 'GET', `/v1/helpdesk/devices?limit=2`, { bearer: helpdesk });
    expect((first.json.items as unknown[]).length).toBe(2);
    expect(typeof first.json.next).toBe('string');
    const second = await call(stack, 'GET', `/v1/helpdesk/devices?limit=2&before=${String(first.json.next)}`, { bearer: helpdesk });
    const ids = [...(first.json.items as { id: string }[]), ...(second.json.items as { id: string }[])].map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await call(stack, 'GET', `/v1/helpdesk/devices?limit=${PAGE_MAX}`, { bearer: helpdesk })).status).toBe(200);
  });

  it('refuses bad bodies on admin routes with 400', async () => {
    const extra = await call(stack, 'POST', `/v1/admin/devices/${deviceId}/revoke`, { bearer: admin, body: { reason: 'x', status: 'active' } });
    expect(extra.status).toBe(400);
    const missing = await call(stack, 'POST', `/v1/admin/devices/${deviceId}/revoke`, { bearer: admin, body: {} });
    expect(missing.status).toBe(400);
    const long = await call(stack, 'POST', `/v1/admin/devices/${deviceId}/revoke`, { bearer: admin, body: { reason: 'x'.repeat(501) } });
    expect(long.status).toBe(400);
    expect((await stack.proxy.store.getDevice(deviceId))?.status).toBe('active');
  });

  it('gives a helpdesk token 403 ZG_ERR_API_FORBIDDEN on every admin route', async () => {
    for (const spec of Object.values(API_ROUTES).filter((r) => r.url.startsWith('/v1/admin/'))) {
      const path = spec.url.replace(':id', deviceId).replace(':user', encodeURIComponent(TEST_USER));
      const reply = await call(stack, spec.method, path, { bearer: helpdesk, ...(spec.method === 'POST' ? { body: { reason: 'try' } } : {}) });
      expect(reply.status, spec.url).toBe(403);
      expect(reply.json).toMatchObject({ statusCode: 403, code: 'ZG_ERR_API_FORBIDDEN', error: 'Forbidden', reasons: ['user-not-allowed'] });
    }
    expect((await stack.proxy.store.getDevice(deviceId))?.status).toBe('active');
  });

  describe('authentication', () => {
    it('answers 401 ZG_ERR_API_TOKEN_REQUIRED without a token, on every API route', async () => {
      for (const spec of Object.values(API_ROUTES)) {
        const reply = await call(stack, spec.method, spec.url.replace(':id', deviceId).replace(':user', 'u'), spec.method === 'POST' ? { body: { reason: 'x' } } : {});
        expect(reply.status, spec.url).toBe(401);
        expect(reply.json).toEqual({ statusCode: 401, code: 'ZG_ERR_API_TOKEN_REQUIRED', error: 'Unauthorized', reasons: ['user-unauthenticated'], message: expect.any(String) });
      }
    });

    it.each([
      ['a malformed token', 'Bearer zga_nothex_abc'],
      ['a non-bearer scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
      ['an unknown token', `Bearer zga_0123456789abcdef_${'A'.repeat(43)}`],
      ['an enrolment-token shape', `Bearer zgt_0123456789abcdef_${'A'.repeat(43)}`],
    ])('answers 401 ZG_ERR_API_TOKEN_INVALID for %s', async (_what, authorization) => {
      const reply = await call(stack, 'GET', '/v1/helpdesk/devices', { authorization });
      expect(reply.status).toBe(401);
      expect(reply.json).toMatchObject({ code: 'ZG_ERR_API_TOKEN_INVALID', reasons: ['user-unauthenticated'] });
    });

    it('answers 401 ZG_ERR_API_TOKEN_INVALID for a known id with a wrong secret', async () => {
      const real = await createApiToken(stack.proxy.store, { role: 'admin', name: 'guess-target', ttlMs: 60_000 });
      const forged = `zga_${real.id}_${'B'.repeat(43)}`;
      const reply = await call(stack, 'GET', '/v1/helpdesk/devices', { bearer: forged });
      expect(reply.json).toMatchObject({ statusCode: 401, code: 'ZG_ERR_API_TOKEN_INVALID' });
    });

    it('answers 401 ZG_ERR_API_TOKEN_EXPIRED for an expired token', async () => {
      const old = await createApiToken(stack.proxy.store, { role: 'admin', name: 'old', ttlMs: 60_000 }, Date.now() - 120_000);
      const reply = await call(stack, 'GET', '/v1/helpdesk/devices', { bearer: old.token });
      expect(reply.status).toBe(401);
      expect(reply.json).toMatchObject({ code: 'ZG_ERR_API_TOKEN_EXPIRED' });
      expectNoSecrets(reply, old.token);
    });

    it('answers 401 ZG_ERR_API_TOKEN_REVOKED once a token is revoked', async () => {
      const t = await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'short-lived', ttlMs: 60_000 });
      expect((await call(stack, 'GET', '/v1/helpdesk/devices', { bearer: t.token })).status).toBe(200);
      expect(await revokeApiToken(stack.proxy.store, t.id)).toBe(true);
      const reply = await call(stack, 'GET', '/v1/helpdesk/devices', { bearer: t.token });
      expect(reply.status).toBe(401);
      expect(reply.json).toMatchObject({ code: 'ZG_ERR_API_TOKEN_REVOKED' });
    });

    it('refuses to create tokens without a bounded lifetime', async () => {
      await expect(createApiToken(stack.proxy.store, { role: 'admin', name: 'forever', ttlMs: 91 * 86_400_000 })).rejects.toThrow(TypeError);
      await expect(createApiToken(stack.proxy.store, { role: 'root' as 'admin', name: 'x', ttlMs: 60_000 })).rejects.toThrow(TypeError);
    });
  });

  it('rate limits per token with 429 ZG_ERR_RATE_LIMITED and Retry-After; another token is unaffected', async () => {
    const busy = await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'busy', ttlMs: 60_000 });
    let last: Reply | undefined;
    for (let i = 0; i <= API_RATE_PER_TOKEN_PER_MINUTE; i++) last = await call(stack, 'GET', '/v1/helpdesk/decisions?limit=1', { bearer: busy.token, source: '127.0.0.2' });
    expect(last?.status).toBe(429);
    expect(last?.json).toMatchObject({ statusCode: 429, code: 'ZG_ERR_RATE_LIMITED', reasons: ['rate-limited'] });
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call(stack, 'GET', '/v1/helpdesk/decisions?limit=1', { bearer: helpdesk, source: '127.0.0.2' })).status).toBe(200);
  }, 60_000);

  it('serves an OpenAPI 3.1 document naming every API route', async () => {
    const reply = await call(stack, 'GET', OPENAPI_PATH);
    expect(reply.status).toBe(200);
    expect(reply.json.openapi).toBe('3.1.0');
    const paths = reply.json.paths as Record<string, Record<string, unknown>>;
    for (const spec of Object.values(API_ROUTES)) {
      const path = spec.url.replace(/:([A-Za-z]+)/g, '{$1}');
      expect(paths[path]?.[spec.method.toLowerCase()], spec.url).toBeDefined();
    }
  });

  it('lets an admin read the audit trail by pages with a capped size', async () => {
    const first = await call(stack, 'GET', '/v1/admin/audit?limit=3', { bearer: admin });
    expect(first.status).toBe(200);
    const items = first.json.items as { id: number }[];
    expect(items.length).toBe(3);
    expect(items[0]!.id).toBeGreaterThan(items[2]!.id);
    const next = await call(stack, 'GET', `/v1/admin/audit?limit=3&before=${String(first.json.next)}`, { bearer: admin });
    expect((next.json.items as { id: number }[])[0]!.id).toBeLessThan(items[2]!.id);
    const filtered = await call(stack, 'GET', `/v1/admin/audit?type=stream.deny&device=${deviceId}`, { bearer: admin });
    expect((filtered.json.items as { type: string }[]).every((e) => e.type === 'stream.deny')).toBe(true);
    expectNoSecrets(first, admin);
  });

  it('lets an admin end a user\'s sessions, audited with the token that did it', async () => {
    const bob = await stack.enroll('bob@example.com');
    const reply = await call(stack, 'POST', `/v1/admin/users/${encodeURIComponent('bob@example.com')}/sessions/revoke`, { bearer: admin, body: { reason: 'left the company' } });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ user: 'bob@example.com', revoked: 1, browserSessions: 0 });
    expect((await stack.proxy.store.getSession(bob.session!.sessionId))?.revokedAt).toBeDefined();
    await stack.proxy.audit.flush();
    const [event] = await stack.proxy.store.queryAudit({ type: 'admin.change', user: 'bob@example.com', limit: 1 });
    expect(event?.detail).toMatchObject({ action: 'user.sessions.revoke', by: 'api-token:ops-automation', byRole: 'admin', sessionsEnded: 1, browserSessionsEnded: 0 });
  });

  it('lets an admin revoke a device: its live tunnel is cut within a second, audited with the token', async () => {
    const live = () => stack.proxy.built.sessions.all().some((s) => s.device.id === deviceId);
    await waitFor(live, 5_000, 'the tunnel');
    const started = Date.now();
    const reply = await call(stack, 'POST', `/v1/admin/devices/${deviceId}/revoke`, { bearer: admin, body: { reason: 'laptop stolen' } });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ revoked: true, device: { id: deviceId, status: 'revoked' } });
    await waitFor(() => !live(), 1_000, 'the tunnel to be cut');
    expect(Date.now() - started).toBeLessThan(1_000);
    await stack.proxy.audit.flush();
    const [event] = await stack.proxy.store.queryAudit({ type: 'device.revoke', device: deviceId, limit: 1 });
    expect(event).toMatchObject({ user: TEST_USER, reasons: ['device-revoked'], detail: { by: 'api-token:ops-automation', reason: 'laptop stolen' } });
    // Again: nothing to do, and said so.
    const again = await call(stack, 'POST', `/v1/admin/devices/${deviceId}/revoke`, { bearer: admin, body: { reason: 'again' } });
    expect(again.json).toMatchObject({ revoked: false });
    const unknown = await call(stack, 'POST', '/v1/admin/devices/dev-unknown/revoke', { bearer: admin, body: { reason: 'x' } });
    expect(unknown.status).toBe(404);
    // The helpdesk now sees the device revoked and nothing reachable.
    const detail = await call(stack, 'GET', `/v1/helpdesk/devices/${deviceId}`, { bearer: helpdesk });
    expect((detail.json.verdicts as { allowed: boolean; reasons: string[] }[]).every((v) => !v.allowed && v.reasons.includes('device-revoked'))).toBe(true);
  });
});
