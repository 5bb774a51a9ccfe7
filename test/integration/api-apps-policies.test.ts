/**
 * Publishing apps and writing policies through the admin API against a real proxy over real
 * TLS (issue 5): changes persist in the store and overlay the config file (at start, after each
 * change, on a config reload), apply to live streams at once, pass the SSRF guard, and are
 * audited with who made them; plus API tokens and live sessions through the API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { listenApp, type TunnelClient } from '../../agent/core/tunnel/index.ts';
import { createApiToken, MANAGE_ROUTES, OPENAPI_PATH } from '../../proxy/api/index.ts';
import { main } from '../../proxy/cli/main.ts';
import { loadPki } from '../../proxy/pki/index.ts';
import { startProxy, STORE_FILE } from '../../proxy/server/index.ts';
import { SqliteStore } from '../../proxy/store/index.ts';
import type { Problem } from '../../shared/wire/index.ts';
import { echoCheck, startAgent, type RunningAgent } from '../helpers/agent.ts';
import { requestJson, type JsonReply } from '../helpers/http.ts';
import { startEchoServer, startStack, TEST_USER, waitFor, type CountingServer, type Stack } from '../helpers/stack.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

function call(stack: Stack, method: Method, path: string, options: { bearer?: string; body?: unknown; source?: string } = {}): Promise<JsonReply> {
  // requestJson passes the method through to https.request; its type names only GET and POST.
  return requestJson(`${stack.proxy.url}${path}`, { method: method as 'POST', tls: { ca: stack.proxy.pki.ca.certPem }, source: options.source ?? '127.0.0.3', ...options });
}

interface OpenedStream {
  local: Socket;
  opened: Promise<'ok' | Problem>;
  closed: Promise<Problem | undefined>;
}

/** Opens a stream through the tunnel on a local socket pair, reporting how it opens and ends. */
async function openStream(client: TunnelClient, app: string): Promise<OpenedStream> {
  const server = createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const local = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, allowHalfOpen: true });
  local.on('error', () => undefined);
  const inner = await accepted;
  server.close();
  inner.on('error', () => undefined);
  let settle: (value: 'ok' | Problem) => void = () => undefined;
  const opened = new Promise<'ok' | Problem>((resolve) => (settle = resolve));
  let end: (problem: Problem | undefined) => void = () => undefined;
  const closed = new Promise<Problem | undefined>((resolve) => (end = resolve));
  void client
    .open({ app }, inner, { onOpenOk: () => settle('ok'), onOpenFail: (problem) => (settle(problem), end(problem)), onClose: (problem) => end(problem) })
    .catch((error: Error) => settle({ code: 'ZG_ERR_TUNNEL_CLOSED', reasons: [], message: error.message }));
  return { local, opened, closed };
}

function echoOnce(stream: OpenedStream, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= text.length) {
        stream.local.off('data', onData);
        resolve(got);
      }
    };
    stream.local.on('data', onData);
    stream.local.write(text);
    setTimeout(() => reject(new Error(`no echo of ${text}`)), 5_000).unref();
  });
}

const CONFIG_POLICIES = { 'cfg-policy': { allow: [{ users: [TEST_USER] }], require: { maxAuthAge: '12h' } }, spare: {} };

describe('apps and policies through the admin API', () => {
  let echoA: CountingServer;
  let echoB: CountingServer;
  let stack: Stack;
  let creds: DeviceCredentials;
  let agent: RunningAgent;
  let admin: string;
  let helpdesk: string;

  const audits = async (action: string) => {
    await stack.proxy.audit.flush();
    return (await stack.proxy.store.queryAudit({ type: 'admin.change', limit: 500 })).filter((e) => e.detail?.action === action);
  };

  beforeAll(async () => {
    echoA = await startEchoServer();
    echoB = await startEchoServer();
    stack = await startStack({
      apps: [
        { id: 'cfg-open', name: 'Config open', upstream: `tcp://127.0.0.1:${echoA.port}`, users: [TEST_USER] },
        { id: 'cfg-managed', upstream: `tcp://127.0.0.1:${echoA.port}`, policy: 'cfg-policy' },
      ],
      policies: CONFIG_POLICIES,
    });
    admin = (await createApiToken(stack.proxy.store, { role: 'admin', name: 'ops-automation', ttlMs: 3_600_000 })).token;
    helpdesk = (await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'helpdesk-bot', ttlMs: 3_600_000 })).token;
    creds = await stack.enroll(TEST_USER);
    agent = await startAgent(creds, []);
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await stack?.close();
    await echoA?.close();
    await echoB?.close();
  });

  it('publishes an app that a real agent then reaches through the tunnel, audited with who did it', async () => {
    const reply = await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body: { id: 'api-echo', name: 'API echo', upstream: `tcp://127.0.0.1:${echoA.port}`, users: [TEST_USER], reason: 'ticket 42' } });
    expect(reply.status).toBe(201);
    expect(reply.json).toEqual({
      id: 'api-echo',
      name: 'API echo',
      upstream: `tcp://127.0.0.1:${echoA.port}`,
      users: [TEST_USER],
      source: 'api',
      updatedAt: expect.any(String),
      updatedBy: 'api-token:ops-automation',
    });
    const listener = await listenApp(agent.client, 'api-echo', { host: '127.0.0.1', port: 0 });
    try {
      expect(await echoCheck(listener.address.port, 100_000)).toBe(true);
    } finally {
      await listener.close();
    }
    const [event] = await audits('app.publish');
    expect(event).toMatchObject({ app: 'api-echo', detail: { action: 'app.publish', app: 'api-echo', by: 'api-token:ops-automation', byRole: 'admin', reason: 'ticket 42' } });
    expect(event?.detail?.restrictedUpstream).toBeUndefined();
  });

  it('edits an app: a live stream to the old upstream is reset (app-changed), the next one reaches the new upstream; a rename cuts nothing', async () => {
    const old = await openStream(agent.client, 'api-echo');
    expect(await old.opened).toBe('ok');
    expect(await echoOnce(old, 'old')).toBe('old');
    const before = echoB.connections;
    const reply = await call(stack, 'PUT', '/v1/admin/apps/api-echo', { bearer: admin, body: { upstream: `tcp://127.0.0.1:${echoB.port}`, users: [TEST_USER] } });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ id: 'api-echo', name: 'api-echo', upstream: `tcp://127.0.0.1:${echoB.port}`, source: 'api' });
    expect(await old.closed).toMatchObject({ code: 'ZG_ERR_STREAM_RESET', reasons: ['app-changed'] });
    const stream = await openStream(agent.client, 'api-echo');
    expect(await stream.opened).toBe('ok');
    expect(await echoOnce(stream, 'moved')).toBe('moved');
    expect(echoB.connections).toBe(before + 1);
    // Only the name changes: the live stream goes on (the edit is applied before the answer).
    const renamed = await call(stack, 'PUT', '/v1/admin/apps/api-echo', { bearer: admin, body: { name: 'Echo, renamed', upstream: `tcp://127.0.0.1:${echoB.port}`, users: [TEST_USER] } });
    expect(renamed.status).toBe(200);
    expect(await echoOnce(stream, 'still here')).toBe('still here');
    stream.local.destroy();
    expect((await audits('app.edit'))[0]?.detail).toMatchObject({ app: 'api-echo', by: 'api-token:ops-automation', previousSource: 'api' });
    await stack.proxy.audit.flush();
    const resets = await stack.proxy.store.queryAudit({ type: 'stream.reset', limit: 20 });
    expect(resets.filter((e) => e.app === 'api-echo').map((e) => e.reasons)).toEqual([['app-changed']]);
  });

  it('unpublishes an app: its live stream is reset with app-not-found, new opens are refused', async () => {
    const stream = await openStream(agent.client, 'api-echo');
    expect(await stream.opened).toBe('ok');
    expect(await echoOnce(stream, 'live')).toBe('live');
    const reply = await call(stack, 'DELETE', '/v1/admin/apps/api-echo', { bearer: admin, body: { reason: 'decommissioned' } });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ id: 'api-echo', unpublished: true });
    expect(await stream.closed).toMatchObject({ code: 'ZG_ERR_POLICY_APP_NOT_FOUND', reasons: ['app-not-found'] });
    const again = await openStream(agent.client, 'api-echo');
    expect(await again.opened).toMatchObject({ reasons: ['app-not-found'] });
    const apps = await call(stack, 'GET', '/v1/helpdesk/apps', { bearer: helpdesk });
    expect((apps.json.items as { id: string }[]).map((a) => a.id)).not.toContain('api-echo');
    expect((await audits('app.unpublish'))[0]?.detail).toMatchObject({ app: 'api-echo', reason: 'decommissioned', by: 'api-token:ops-automation' });
    // Without a body at all, too.
    await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body: { id: 'short-lived', upstream: `tcp://127.0.0.1:${echoA.port}` } });
    expect((await call(stack, 'DELETE', '/v1/admin/apps/short-lived', { bearer: admin })).status).toBe(200);
  });

  it('creates and edits a policy: the edit denies a live stream at once', async () => {
    const created = await call(stack, 'PUT', '/v1/admin/policies/gate', { bearer: admin, body: { policy: { allow: [{ users: [TEST_USER] }], require: { maxAuthAge: '8h' } }, reason: 'new gate' } });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ name: 'gate', policy: { allow: [{ users: [TEST_USER] }], require: { maxAuthAge: '8h' } }, created: true });
    expect((await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body: { id: 'gated', upstream: `tcp://127.0.0.1:${echoA.port}`, policy: 'gate' } })).status).toBe(201);
    const stream = await openStream(agent.client, 'gated');
    expect(await stream.opened).toBe('ok');
    expect(await echoOnce(stream, 'before')).toBe('before');

    const edited = await call(stack, 'PUT', '/v1/admin/policies/gate', { bearer: admin, body: { policy: { allow: [{ users: ['someone-else@example.com'] }] } } });
    expect(edited.json).toMatchObject({ name: 'gate', created: false });
    expect(await stream.closed).toMatchObject({ reasons: ['user-not-allowed'] });

    const policies = await call(stack, 'GET', '/v1/helpdesk/policies', { bearer: helpdesk });
    expect(policies.status).toBe(200);
    const items = policies.json.items as { name: string; policy: unknown; source: string; usedBy: string[] }[];
    expect(items.find((p) => p.name === 'gate')).toMatchObject({ source: 'api', usedBy: ['gated'], policy: { allow: [{ users: ['someone-else@example.com'] }] }, updatedBy: 'api-token:ops-automation' });
    // A config policy in its editable form: durations as written.
    expect(items.find((p) => p.name === 'cfg-policy')).toEqual({ name: 'cfg-policy', source: 'config', usedBy: ['cfg-managed'], policy: { mode: 'enforce', allow: [{ users: [TEST_USER] }], require: { maxAuthAge: '12h' } } });
    expect((await audits('policy.create'))[0]?.detail).toMatchObject({ policy: 'gate', by: 'api-token:ops-automation', reason: 'new gate' });
    expect((await audits('policy.edit'))[0]?.detail).toMatchObject({ policy: 'gate', usedBy: ['gated'] });
  });

  it('overlays the config: an API edit replaces a config app, a tombstone hides one, and a config reload keeps both', async () => {
    const edited = await call(stack, 'PUT', '/v1/admin/apps/cfg-open', { bearer: admin, body: { name: 'Edited by API', upstream: `tcp://127.0.0.1:${echoB.port}`, users: [TEST_USER] } });
    expect(edited.json).toMatchObject({ id: 'cfg-open', name: 'Edited by API', source: 'api' });
    expect((await call(stack, 'DELETE', '/v1/admin/apps/cfg-managed', { bearer: admin })).status).toBe(200);
    const policy = await call(stack, 'PUT', '/v1/admin/policies/spare', { bearer: admin, body: { policy: { mode: 'report-only' } } });
    expect(policy.json).toMatchObject({ created: false });

    const list = async () => (await call(stack, 'GET', '/v1/helpdesk/apps', { bearer: helpdesk })).json.items as { id: string; name: string; source: string }[];
    const check = async () => {
      const apps = await list();
      expect(apps.find((a) => a.id === 'cfg-open')).toMatchObject({ name: 'Edited by API', source: 'api' });
      expect(apps.map((a) => a.id)).not.toContain('cfg-managed');
      expect(stack.proxy.built.catalog.current().policies.get('spare')).toMatchObject({ source: 'api', policy: { mode: 'report-only' } });
      expect(stack.proxy.built.catalog.current().policies.get('cfg-policy')?.source).toBe('config');
    };
    await check();
    // SIGHUP: the config as loaded again; the API's changes stay on top of it.
    const reloaded = await stack.proxy.built.reloadConfig(stack.proxy.config.apps, stack.proxy.config.policies);
    expect(reloaded.warnings).toEqual([]);
    await check();
    const stream = await openStream(agent.client, 'cfg-managed');
    expect(await stream.opened).toMatchObject({ reasons: ['app-not-found'] });
    // Deleting the config app's policy is now possible (no app uses it), and shows in the list.
    expect((await call(stack, 'DELETE', '/v1/admin/policies/cfg-policy', { bearer: admin })).json).toEqual({ name: 'cfg-policy', deleted: true });
    expect(stack.proxy.built.catalog.current().policies.has('cfg-policy')).toBe(false);
  });

  describe('refusals', () => {
    it('answers 409 ZG_ERR_API_CONFLICT for an id already published and for a policy in use, naming the apps', async () => {
      const taken = await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body: { id: 'cfg-open', upstream: `tcp://127.0.0.1:${echoA.port}` } });
      expect(taken.status).toBe(409);
      expect(taken.json).toMatchObject({ statusCode: 409, code: 'ZG_ERR_API_CONFLICT' });
      const used = await call(stack, 'DELETE', '/v1/admin/policies/gate', { bearer: admin });
      expect(used.status).toBe(409);
      expect(used.json).toMatchObject({ code: 'ZG_ERR_API_CONFLICT', message: expect.stringContaining('gated') });
      expect(stack.proxy.built.catalog.current().policies.has('gate')).toBe(true);
    });

    it.each([
      ['PUT', '/v1/admin/apps/nope', { upstream: 'tcp://127.0.0.1:1' }],
      ['DELETE', '/v1/admin/apps/nope', undefined],
      ['DELETE', '/v1/admin/policies/nope', undefined],
      ['POST', '/v1/admin/api-tokens/0123456789abcdef/revoke', undefined],
    ] as const)('answers 404 for %s %s', async (method, path, body) => {
      const reply = await call(stack, method, path, { bearer: admin, ...(body === undefined ? {} : { body }) });
      expect(reply.status).toBe(404);
      expect(reply.json).toMatchObject({ code: 'ZG_ERR_NOT_FOUND' });
    });

    it.each([
      ['an unknown policy', { id: 'x1', upstream: 'tcp://127.0.0.1:1', policy: 'missing' }, /policy/],
      ['an upstream without a port', { id: 'x2', upstream: 'tcp://db.internal' }, /upstream/],
      ['an ftp upstream', { id: 'x3', upstream: 'ftp://files.internal' }, /upstream/],
      ['an unknown property', { id: 'x4', upstream: 'tcp://127.0.0.1:1', owner: 'me' }, /./],
      ['an uppercase id', { id: 'X5', upstream: 'tcp://127.0.0.1:1' }, /./],
      ['a reason that is too long', { id: 'x6', upstream: 'tcp://127.0.0.1:1', reason: 'r'.repeat(501) }, /./],
      ['no upstream', { id: 'x7' }, /./],
    ])('refuses to publish an app with %s (400 ZG_ERR_BAD_REQUEST)', async (_what, body, message) => {
      const reply = await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ code: 'ZG_ERR_BAD_REQUEST', message: expect.stringMatching(message) });
      expect(stack.proxy.built.catalog.current().apps.has(String((body as { id?: string }).id))).toBe(false);
    });

    it('refuses an invalid policy with every problem and its path, like /validate', async () => {
      const reply = await call(stack, 'PUT', '/v1/admin/policies/bad', { bearer: admin, body: { policy: { require: { maxAuthAge: 'soon', sourceCidrs: ['10.0.0.0/33'] } } } });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ code: 'ZG_ERR_BAD_REQUEST', valid: false });
      expect((reply.json.errors as { path: string }[]).map((e) => e.path)).toEqual(expect.arrayContaining(['policy.require.maxAuthAge', 'policy.require.sourceCidrs[0]']));
      expect(stack.proxy.built.catalog.current().policies.has('bad')).toBe(false);
      expect((await call(stack, 'PUT', '/v1/admin/policies/Bad_Name', { bearer: admin, body: { policy: {} } })).status).toBe(400);
    });

    it('gives a helpdesk token 403 on every admin route of this slice, and lets it read apps, policies and sessions', async () => {
      const admins = Object.values(MANAGE_ROUTES).filter((r) => r.url.startsWith('/v1/admin/'));
      expect(admins.length).toBeGreaterThanOrEqual(8);
      for (const spec of admins) {
        const path = spec.url.replace(':id', spec.url.includes('api-tokens') ? '0123456789abcdef' : 'cfg-open').replace(':name', 'gate');
        const body = spec.method === 'GET' ? undefined : spec.url.includes('policies') ? { policy: {} } : spec.url.includes('api-tokens') && spec.method === 'POST' && !spec.url.endsWith('revoke') ? { name: 'x', role: 'admin', ttl: '1h' } : { id: 'h1', upstream: 'tcp://127.0.0.1:1' };
        const reply = await call(stack, spec.method, path, { bearer: helpdesk, ...(body === undefined || spec.method === 'DELETE' ? {} : { body }) });
        expect(reply.status, `${spec.method} ${spec.url}`).toBe(403);
        expect(reply.json).toMatchObject({ code: 'ZG_ERR_API_FORBIDDEN' });
      }
      expect(stack.proxy.built.catalog.current().apps.get('cfg-open')?.source).toBe('api');
      for (const path of ['/v1/helpdesk/apps', '/v1/helpdesk/policies', '/v1/helpdesk/sessions']) {
        expect((await call(stack, 'GET', path, { bearer: helpdesk })).status, path).toBe(200);
      }
      expect((await call(stack, 'GET', '/v1/helpdesk/apps')).status).toBe(401);
    });
  });

  describe('SSRF guard', () => {
    const port = () => stack.proxy.port;
    it.each([
      ['the AWS/GCP/Azure metadata address', () => 'http://169.254.169.254'],
      ['a link-local IPv6 address', () => 'tcp://[fe80::1]:22'],
      ['an IPv4-mapped metadata address', () => 'http://[::ffff:169.254.169.254]'],
      ['the proxy itself on 127.0.0.1', () => `tcp://127.0.0.1:${port()}`],
      ['the proxy itself through localhost', () => `https://localhost:${port()}`],
      ['the GCP metadata host name', () => 'http://metadata.google.internal'],
      ['the unspecified address', () => 'tcp://0.0.0.0:8080'],
    ])('refuses %s with 400 ZG_ERR_API_UPSTREAM_FORBIDDEN, on publish and on edit', async (_what, upstream) => {
      const reply = await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body: { id: 'ssrf', upstream: upstream() } });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ statusCode: 400, code: 'ZG_ERR_API_UPSTREAM_FORBIDDEN', message: expect.stringContaining('allowRestrictedUpstream') });
      const edit = await call(stack, 'PUT', '/v1/admin/apps/cfg-open', { bearer: admin, body: { upstream: upstream() } });
      expect(edit.json).toMatchObject({ code: 'ZG_ERR_API_UPSTREAM_FORBIDDEN' });
      expect(stack.proxy.built.catalog.current().apps.has('ssrf')).toBe(false);
      expect(stack.proxy.built.catalog.current().apps.get('cfg-open')?.app.upstream.port).toBe(echoB.port);
    });

    it('allows an ordinary loopback upstream on another port, and a restricted one with the explicit override (audited)', async () => {
      expect((await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body: { id: 'local-ok', upstream: `http://127.0.0.1:${echoA.port}` } })).status).toBe(201);
      const reply = await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body: { id: 'metadata-proxy', upstream: 'http://169.254.169.254', allowRestrictedUpstream: true, reason: 'instance metadata for the ops team' } });
      expect(reply.status).toBe(201);
      expect(reply.json).toMatchObject({ id: 'metadata-proxy', allowRestrictedUpstream: true, source: 'api' });
      const event = (await audits('app.publish')).find((e) => e.app === 'metadata-proxy');
      expect(event?.detail).toMatchObject({ restrictedUpstream: true, by: 'api-token:ops-automation', reason: 'instance metadata for the ops team' });
      expect((await audits('app.publish')).find((e) => e.app === 'local-ok')?.detail?.restrictedUpstream).toBeUndefined();
    });

    it('refuses at dial time an API app whose upstream is restricted (e.g. written by another node or resolving differently now)', async () => {
      // A row that never went through this node's publish check: the dial-time guard still refuses it.
      await stack.proxy.store.putCatalog('app', { id: 'rebound', definition: { id: 'rebound', upstream: `tcp://localhost:${port()}`, users: [TEST_USER] }, deleted: false, updatedAt: Date.now(), updatedBy: 'test' });
      await stack.proxy.store.putCatalog('app', { id: 'config-like', definition: { id: 'config-like', upstream: `tcp://localhost:${echoA.port}`, users: [TEST_USER] }, deleted: false, updatedAt: Date.now(), updatedBy: 'test' });
      await stack.proxy.built.catalog.load();
      const refused = await openStream(agent.client, 'rebound');
      expect(await refused.opened).toMatchObject({ code: 'ZG_ERR_UPSTREAM_UNREACHABLE', message: expect.stringContaining('restricted address') });
      // A name resolving to loopback on another port is fine, and connects to the vetted address.
      const fine = await openStream(agent.client, 'config-like');
      expect(await fine.opened).toBe('ok');
      expect(await echoOnce(fine, 'ok')).toBe('ok');
      fine.local.destroy();
    });
  });

  describe('API tokens through the API', () => {
    it('creates a token (shown once), lists it without its secret, and revokes it: it works, then stops working', async () => {
      const created = await call(stack, 'POST', '/v1/admin/api-tokens', { bearer: admin, body: { name: 'ci pipeline', role: 'helpdesk', ttl: '30d' } });
      expect(created.status).toBe(201);
      const token = created.json.token as string;
      expect(token).toMatch(/^zga_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      const id = created.json.id as string;
      expect(created.json).toEqual({ token, id, name: 'ci pipeline', role: 'helpdesk', expiresAt: expect.any(String) });
      const ttl = Date.parse(created.json.expiresAt as string) - Date.now();
      expect(ttl).toBeGreaterThan(29 * 86_400_000);
      expect(ttl).toBeLessThanOrEqual(30 * 86_400_000);

      expect((await call(stack, 'GET', '/v1/helpdesk/apps', { bearer: token })).status).toBe(200);
      expect((await call(stack, 'GET', '/v1/admin/api-tokens', { bearer: token })).status).toBe(403);

      const list = await call(stack, 'GET', '/v1/admin/api-tokens', { bearer: admin });
      expect(list.status).toBe(200);
      const items = list.json.items as Record<string, unknown>[];
      expect(items[0]).toEqual({ id, name: 'ci pipeline', role: 'helpdesk', createdAt: expect.any(String), expiresAt: created.json.expiresAt, status: 'active' });
      expect(items.map((t) => t.name)).toEqual(expect.arrayContaining(['ops-automation', 'helpdesk-bot']));
      expect(list.text).not.toContain(token.slice(22));
      expect(list.text).not.toMatch(/secret|hash/i);

      const revoked = await call(stack, 'POST', `/v1/admin/api-tokens/${id}/revoke`, { bearer: admin, body: { reason: 'rotated' } });
      expect(revoked.json).toEqual({ id, revoked: true });
      const refused = await call(stack, 'GET', '/v1/helpdesk/apps', { bearer: token });
      expect(refused.status).toBe(401);
      expect(refused.json).toMatchObject({ code: 'ZG_ERR_API_TOKEN_REVOKED' });
      expect((await call(stack, 'POST', `/v1/admin/api-tokens/${id}/revoke`, { bearer: admin })).json).toEqual({ id, revoked: false });
      const after = (await call(stack, 'GET', '/v1/admin/api-tokens', { bearer: admin })).json.items as Record<string, unknown>[];
      expect(after.find((t) => t.id === id)).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });

      const [createEvent] = await audits('api-token.create');
      expect(createEvent?.detail).toMatchObject({ tokenId: id, name: 'ci pipeline', role: 'helpdesk', by: 'api-token:ops-automation' });
      expect(JSON.stringify(createEvent)).not.toContain(token.slice(22));
      expect((await audits('api-token.revoke'))[0]?.detail).toMatchObject({ tokenId: id, reason: 'rotated', by: 'api-token:ops-automation' });
    });

    it.each([
      ['a lifetime over 90 days', { name: 'x', role: 'admin', ttl: '91d' }],
      ['a lifetime under a minute', { name: 'x', role: 'admin', ttl: '30s' }],
      ['a lifetime that is not a duration', { name: 'x', role: 'admin', ttl: 'forever' }],
      ['an unknown role', { name: 'x', role: 'root', ttl: '1h' }],
      ['a bad name', { name: '-x', role: 'admin', ttl: '1h' }],
      ['an unknown property', { name: 'x', role: 'admin', ttl: '1h', secret: 'mine' }],
    ])('refuses a token with %s (400)', async (_what, body) => {
      const reply = await call(stack, 'POST', '/v1/admin/api-tokens', { bearer: admin, body });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ code: 'ZG_ERR_BAD_REQUEST' });
    });
  });

  it('lists live sessions for the helpdesk, filtered by user and by pages, without session ids', async () => {
    const bob = await stack.enroll('bob@example.com');
    const all = await call(stack, 'GET', '/v1/helpdesk/sessions', { bearer: helpdesk });
    expect(all.status).toBe(200);
    const items = all.json.items as Record<string, unknown>[];
    expect(items[0]).toEqual({ user: 'bob@example.com', device: bob.enrollment.deviceId, hostname: expect.stringMatching(/^host-/), method: 'token', groups: [], startedAt: expect.any(String), expiresAt: expect.any(String) });
    expect(all.text).not.toContain(bob.session!.sessionId);
    const alice = await call(stack, 'GET', `/v1/helpdesk/sessions?user=${encodeURIComponent(TEST_USER)}`, { bearer: helpdesk });
    expect((alice.json.items as { user: string; device: string }[]).map((s) => s.device)).toEqual([creds.enrollment.deviceId]);
    const first = await call(stack, 'GET', '/v1/helpdesk/sessions?limit=1', { bearer: helpdesk });
    expect(typeof first.json.next).toBe('number');
    const second = await call(stack, 'GET', `/v1/helpdesk/sessions?limit=1&before=${String(first.json.next)}`, { bearer: helpdesk });
    expect((second.json.items as { user: string }[])[0]?.user).toBe(TEST_USER);
    // A revoked session is no longer live.
    await call(stack, 'POST', `/v1/admin/users/${encodeURIComponent('bob@example.com')}/sessions/revoke`, { bearer: admin, body: { reason: 'left' } });
    const afterRevoke = await call(stack, 'GET', '/v1/helpdesk/sessions?user=bob%40example.com', { bearer: helpdesk });
    expect(afterRevoke.json).toEqual({ items: [] });
  });

  it('documents every new route in the OpenAPI document', async () => {
    const paths = (await call(stack, 'GET', OPENAPI_PATH)).json.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    for (const spec of Object.values(MANAGE_ROUTES)) {
      const op = paths[spec.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[spec.method.toLowerCase()];
      expect(op, `${spec.method} ${spec.url}`).toBeDefined();
    }
    expect(paths['/v1/admin/apps']?.post?.responses['201']).toBeDefined();
    expect(paths['/v1/admin/apps']?.post?.responses['409']).toBeDefined();
  });
});

describe('apps and policies through the API survive a restart', () => {
  it('restores API changes from the store over the config on the same data dir', async () => {
    const echo = await startEchoServer();
    const stack = await startStack({
      apps: [
        { id: 'keep', upstream: `tcp://127.0.0.1:${echo.port}`, users: [TEST_USER] },
        { id: 'hide', upstream: `tcp://127.0.0.1:${echo.port}`, users: [TEST_USER] },
      ],
    });
    const admin = (await createApiToken(stack.proxy.store, { role: 'admin', name: 'ops', ttlMs: 3_600_000 })).token;
    expect((await call(stack, 'PUT', '/v1/admin/policies/strict', { bearer: admin, body: { policy: { require: { mfa: true, maxAuthAge: '1h' } } } })).status).toBe(200);
    expect((await call(stack, 'POST', '/v1/admin/apps', { bearer: admin, body: { id: 'added', upstream: `tcp://127.0.0.1:${echo.port}`, policy: 'strict' } })).status).toBe(201);
    expect((await call(stack, 'DELETE', '/v1/admin/apps/hide', { bearer: admin })).status).toBe(200);
    const config = stack.proxy.config;
    await stack.proxy.close();

    const restarted = await startProxy({ config });
    try {
      const again: Stack = { ...stack, proxy: restarted };
      const apps = (await call(again, 'GET', '/v1/helpdesk/apps', { bearer: admin })).json.items as { id: string; source: string; policy?: string }[];
      expect(apps.map((a) => [a.id, a.source])).toEqual([
        ['keep', 'config'],
        ['added', 'api'],
      ]);
      expect(apps[1]?.policy).toBe('strict');
      const policies = (await call(again, 'GET', '/v1/helpdesk/policies', { bearer: admin })).json.items as { name: string; policy: unknown }[];
      expect(policies).toEqual([{ name: 'strict', policy: { require: { mfa: true, maxAuthAge: '1h' } }, source: 'api', usedBy: ['added'], updatedAt: expect.any(String), updatedBy: 'api-token:ops' }]);
      expect(restarted.built.catalog.current().policies.get('strict')?.policy.require.maxAuthAgeMs).toBe(3_600_000);
    } finally {
      await restarted.close();
      rmSync(stack.dir, { recursive: true, force: true });
      await echo.close();
    }
  }, 60_000);
});



describe('SIGHUP reload of `zerogate-proxy serve` keeps the API changes', () => {
  it('reloads the config file under the store overlay', async () => {
    const echo = await startEchoServer();
    const dir = mkdtempSync(join(tmpdir(), 'zg-reload-'));
    const file = join(dir, 'zerogate.yaml');
    const configText = (apps: string[]) =>
      `server:\n  listen: "127.0.0.1:0"\n  hostnames: [localhost, 127.0.0.1]\ndataDir: ./data\naudit:\n  file: none\napps:\n${apps.map((id) => `  - id: ${id}\n    upstream: tcp://127.0.0.1:${echo.port}\n    users: [${TEST_USER}]\n`).join('')}`;
    writeFileSync(file, configText(['from-file']));
    const lines: string[] = [];
    let reload: (() => Promise<void>) | undefined;
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const exit = main(['serve', '--config', file], { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {}, untilStopped: () => stopped, onReload: (fn) => (reload = fn) });
    try {
      await waitFor(() => lines.some((l) => l.includes('listening on')), 20_000, 'the proxy to listen');
      const url = /listening on (https:\/\/\S+)/.exec(lines.find((l) => l.includes('listening on'))!)![1]!;
      const ca = (await loadPki(join(dir, 'data'))).ca.certPem;
      const store = SqliteStore.open(join(dir, 'data', STORE_FILE));
      const admin = (await createApiToken(store, { role: 'admin', name: 'ops', ttlMs: 3_600_000 })).token;
      await store.close();
      const api = (method: Method, path: string, body?: unknown) => requestJson(`${url}${path}`, { method: method as 'POST', tls: { ca }, bearer: admin, ...(body === undefined ? {} : { body }) });
      expect((await api('POST', '/v1/admin/apps', { id: 'from-api', upstream: `tcp://127.0.0.1:${echo.port}` })).status).toBe(201);
      expect((await api('PUT', '/v1/admin/apps/from-file', { name: 'Renamed by API', upstream: `tcp://127.0.0.1:${echo.port}` })).status).toBe(200);

      writeFileSync(file, configText(['from-file', 'added-to-file']));
      await reload!();
      const apps = (await api('GET', '/v1/helpdesk/apps')).json.items as { id: string; name: string; source: string }[];
      expect(apps.map((a) => [a.id, a.source])).toEqual([
        ['from-file', 'api'],
        ['added-to-file', 'config'],
        ['from-api', 'api'],
      ]);
      expect(apps[0]?.name).toBe('Renamed by API');
      expect(lines.some((l) => /reloaded 2 app\(s\).*3 app\(s\)/.test(l))).toBe(true);
    } finally {
      stop();
      expect(await exit).toBe(0);
      rmSync(dir, { recursive: true, force: true });
      await echo.close();
    }
  }, 60_000);

  it('a reload asked for while the proxy is still starting is done once it is up (the signal never ends it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zg-reload-early-'));
    const file = join(dir, 'zerogate.yaml');
    writeFileSync(file, 'server:\n  listen: "127.0.0.1:0"\n  hostnames: [localhost, 127.0.0.1]\ndataDir: ./data\naudit:\n  file: none\napps: []\n');
    const lines: string[] = [];
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let early: Promise<void> | undefined;
    let registeredBeforeListening: boolean | undefined;
    // The handler is asked at once, as a SIGHUP right after the process started would be.
    const onReload = (fn: () => Promise<void>): void => {
      // Registered before the proxy says it listens: a SIGHUP sent on that line (systemd's
      // ExecReload, a script) finds the handler, never the signal's default (ending the process).
      registeredBeforeListening = !lines.some((l) => l.includes('listening on'));
      early = fn();
    };
    const exit = main(['serve', '--config', file], { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {}, untilStopped: () => stopped, onReload });
    try {
      expect(registeredBeforeListening).toBe(true);
      await waitFor(() => lines.some((l) => l.startsWith('reloaded 0 app(s)')), 20_000, 'the early reload');
      await early;
      const listening = lines.findIndex((l) => l.includes('listening on'));
      expect(listening).toBeGreaterThanOrEqual(0);
      expect(lines.findIndex((l) => l.startsWith('reloaded 0 app(s)'))).toBeGreaterThan(listening);
    } finally {
      stop();
      expect(await exit).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
