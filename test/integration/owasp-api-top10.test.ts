/**
 * The OWASP API Security Top 10 (2023), one test per item, against a real proxy over real TLS
 * (issue 5): the admin and helpdesk API with API tokens and console sessions (real sign-ins
 * through the embedded IdP's password + TOTP pages), employees' agents on `/v1/me/*`, and an
 * external OIDC IdP whose answers the proxy must not take on trust.
 *
 * Requests that a per-source limit counts come from their own loopback address (127.0.0.0/8 is
 * all local on Linux), so the tests do not spend each other's budgets.
 */
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, generateDeviceKey } from '../../agent/core/enroll/index.ts';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { API_RATE_PER_TOKEN_PER_MINUTE, createApiToken, OPENAPI_PATH, PAGE_MAX, POLICY_BODY_LIMIT } from '../../proxy/api/index.ts';
import { CONSOLE_CSP } from '../../proxy/console/headers.ts';
import { BODY_LIMIT } from '../../proxy/server/index.ts';
import { ENROLL_PER_USER_PER_HOUR } from '../../proxy/server/identity-rate.ts';
import { MAX_TOKEN_GROUPS } from '../../proxy/identity/id-token.ts';
import type { AuditEvent } from '../../proxy/store/index.ts';
import type { Browser, HttpResponse } from '../../proxy/identity/idp/test-helpers.ts';
import { configUsers, consoleUser, cookieFrom, rawRequest, signInToConsole } from '../helpers/console.ts';
import { requestJson, type JsonReply } from '../helpers/http.ts';
import { createIssuerKey, startTestIssuer, type IssuerKey, type TestIssuer } from '../helpers/oidc-issuer.ts';
import { startEchoServer, startStack, type CountingServer, type Stack } from '../helpers/stack.ts';

const ADA = consoleUser('ada', ['admin']);
const HANK = consoleUser('hank', ['helpdesk']);
const EVE = consoleUser('eve', ['staff']);
/** Spends a whole per-identity API budget; nobody else uses this person. */
const RITA = consoleUser('rita', ['staff']);

interface Signed {
  browser: Browser;
  csrf: string;
  cookie: string;
}

interface Operation {
  method: string;
  path: string;
  /** The path with every `{param}` filled in. */
  url: string;
}

/** Every operation of the OpenAPI document. */
function operationsOf(document: Record<string, unknown>): Operation[] {
  const paths = document.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((method) => ({ method: method.toUpperCase(), path, url: path.replace(/\{[^}]+\}/g, 'x-1') })),
  );
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

/** Routes as fastify's router prints them (`printRoutes`, a tree): `METHOD /path` for each. */
function registeredRoutes(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const depth = at / 4;
    const rest = line.slice(at + 4);
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(rest);
    if (match === null) continue;
    stack.length = depth;
    stack.push(match[1] ?? '');
    const methods = match[2]?.split(', ').filter((m) => m !== 'HEAD' && m !== 'OPTIONS') ?? [];
    for (const method of methods) routes.push(`${method} ${stack.join('')}`);
  }
  return routes;
}

describe('OWASP API Top 10 (2023), embedded IdP', () => {
  let echo: CountingServer;
  let stack: Stack;
  let origin: string;
  let ca: string;
  let adminToken: string;
  let helpdeskToken: string;
  let eveDevice: DeviceCredentials;
  let bobDevice: DeviceCredentials;
  let admin: Signed;
  let hank: Signed;
  let eve: Signed;
  let rita: Signed;
  let document: Record<string, unknown>;
  let source = 10;

  /** A fresh loopback source address. */
  const nextSource = (): string => `127.0.9.${++source}`;

  function api(method: 'GET' | 'POST', path: string, options: { bearer?: string; body?: unknown; raw?: Buffer; device?: DeviceCredentials; source?: string } = {}): Promise<JsonReply> {
    const { device, ...rest } = options;
    return requestJson(`${origin}${path}`, {
      method,
      tls: { ca, ...(device === undefined ? {} : { cert: device.certPem, key: device.keyPem }) },
      source: options.source ?? nextSource(),
      ...rest,
    });
  }

  /** A request with a console session's cookie (and its CSRF header on changes). */
  function asConsole(who: Signed, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const changes = method !== 'GET' && method !== 'HEAD';
    return who.browser.request(method, `${origin}${path}`, body === undefined ? undefined : JSON.stringify(body), {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(changes ? { 'x-zerogate-csrf': who.csrf } : {}),
      ...headers,
    });
  }

  async function signIn(who: ReturnType<typeof consoleUser>): Promise<Signed> {
    const { browser, callback } = await signInToConsole(origin, ca, who);
    const cookie = cookieFrom(callback, '__Host-zg_console')?.value;
    if (cookie === undefined) throw new Error('no console session cookie');
    const session = await browser.get(`${origin}/console/api/session`);
    return { browser, cookie, csrf: (JSON.parse(session.body) as { csrf: string }).csrf };
  }

  async function auditOf(type: string): Promise<AuditEvent[]> {
    await stack.proxy.audit.flush();
    return stack.proxy.store.queryAudit({ type, limit: 200 });
  }

  beforeAll(async () => {
    echo = await startEchoServer();
    stack = await startStack({
      // 127.0.0.1 first: the public URL (and so the cookies' origin) is the address the tests call.
      server: { listen: '127.0.0.1:0', hostnames: ['127.0.0.1', 'localhost'] },
      identity: { users: await configUsers([ADA, HANK, EVE, RITA]) },
      apps: [{ id: 'wiki', name: 'Wiki', upstream: `tcp://127.0.0.1:${echo.port}`, users: ['eve'] }],
    });
    origin = stack.proxy.url;
    ca = stack.proxy.pki.ca.certPem;
    adminToken = (await createApiToken(stack.proxy.store, { role: 'admin', name: 'automation', ttlMs: 3_600_000 })).token;
    helpdeskToken = (await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'desk-bot', ttlMs: 3_600_000 })).token;
    eveDevice = await stack.enroll('eve');
    bobDevice = await stack.enroll('bob');
    admin = await signIn(ADA);
    hank = await signIn(HANK);
    eve = await signIn(EVE);
    rita = await signIn(RITA);
    document = (await api('GET', OPENAPI_PATH)).json;
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
    await echo?.close();
  });

  it('API1 broken object-level authorization: another user\'s device id answers like a missing one, through the agent and the console, and is audited', async () => {
    const bobId = bobDevice.enrollment.deviceId;
    const viaAgent = await api('GET', `/v1/me/devices/${bobId}`, { device: eveDevice, bearer: eveDevice.session?.token ?? '' });
    const missing = await api('GET', '/v1/me/devices/dev-does-not-exist', { device: eveDevice, bearer: eveDevice.session?.token ?? '' });
    expect(viaAgent.status).toBe(404);
    expect(viaAgent.json).toEqual({ ...missing.json });
    expect(viaAgent.text).not.toContain('bob');

    const viaConsole = await asConsole(eve, 'GET', `/v1/me/devices/${bobId}`);
    expect(viaConsole.status).toBe(404);
    expect(JSON.parse(viaConsole.body).code).toBe('ZG_ERR_NOT_FOUND');
    const own = await asConsole(eve, 'GET', '/v1/me/devices');
    expect(own.status).toBe(200);
    const ids = (JSON.parse(own.body) as { items: { device: { id: string } }[] }).items.map((i) => i.device.id);
    expect(ids).toEqual([eveDevice.enrollment.deviceId]);

    const denials = (await auditOf('api.deny')).filter((e) => (e.detail as { objectId?: string } | undefined)?.objectId === bobId);
    expect(denials.length).toBeGreaterThanOrEqual(2);
    expect(denials.every((e) => e.user === 'eve' && (e.reasons ?? []).includes('user-not-allowed'))).toBe(true);
  });

  it('API2 broken authentication: no credential, a forged or expired API token, a forged console cookie or session token: 401 on every protected route', async () => {
    const protectedOps = operationsOf(document).filter((op) => /^\/v1\/(admin|helpdesk)\//.test(op.path));
    expect(protectedOps.length).toBeGreaterThan(15);
    for (const op of protectedOps) {
      const reply = await rawRequest(origin, ca, op.method, op.url, op.method === 'GET' ? {} : { 'content-type': 'application/json' }, op.method === 'GET' ? undefined : '{}');
      expect(reply.status, `${op.method} ${op.url}`).toBe(401);
      expect(JSON.parse(reply.body).code, `${op.method} ${op.url}`).toBe('ZG_ERR_API_TOKEN_REQUIRED');
    }

    // The id of a real token with another secret.
    const forged = adminToken.replace(/_[A-Za-z0-9_-]{43}$/, `_${'A'.repeat(43)}`);
    const refused = await api('GET', '/v1/helpdesk/devices', { bearer: forged });
    expect([refused.status, refused.json.code]).toEqual([401, 'ZG_ERR_API_TOKEN_INVALID']);
    const expired = await createApiToken(stack.proxy.store, { role: 'admin', name: 'old', ttlMs: 60_000 }, Date.now() - 120_000);
    const late = await api('GET', '/v1/helpdesk/devices', { bearer: expired.token });
    expect([late.status, late.json.code]).toEqual([401, 'ZG_ERR_API_TOKEN_EXPIRED']);

    // eve's own cookie with its payload changed to claim the admin role: the signature no longer matches.
    const [header, payload, signature] = eve.cookie.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin', groups: ['admin'] })).toString('base64url')}.${signature}`;
    const escalated = await rawRequest(origin, ca, 'GET', '/v1/helpdesk/devices', { cookie: `__Host-zg_console=${tampered}` });
    expect([escalated.status, JSON.parse(escalated.body).code]).toEqual([401, 'ZG_ERR_CONSOLE_SESSION_REQUIRED']);

    // An unsigned session token on an employee route.
    const none = `${Buffer.from('{"alg":"none","typ":"zerogate-session+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'eve', exp: 9_999_999_999 })).toString('base64url')}.`;
    const unsigned = await api('GET', '/v1/me/devices', { device: eveDevice, bearer: none });
    expect(unsigned.status).toBe(401);
    expect(String(unsigned.json.code)).toMatch(/^ZG_ERR_AUTH_SESSION_/);
  });

  it('API3 broken object property-level authorization: no mass assignment of server-owned fields, no secret or internal field in any answer', async () => {
    const attempts: [string, Record<string, unknown>][] = [
      ['/v1/admin/apps', { id: 'sneaky', upstream: `tcp://127.0.0.1:${echo.port}`, source: 'config' }],
      ['/v1/admin/apps', { id: 'sneaky', upstream: `tcp://127.0.0.1:${echo.port}`, updatedBy: 'user:someone-else' }],
      ['/v1/admin/api-tokens', { name: 'mine', role: 'helpdesk', ttl: '1h', id: '0123456789abcdef' }],
      ['/v1/admin/api-tokens', { name: 'mine', role: 'helpdesk', ttl: '1h', expiresAt: 9_999_999_999_999 }],
      [`/v1/admin/devices/${bobDevice.enrollment.deviceId}/revoke`, { reason: 'x', revokedAt: 0 }],
    ];
    for (const [path, body] of attempts) {
      const reply = await api('POST', path, { bearer: adminToken, body });
      expect(reply.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(reply.json.code).toBe('ZG_ERR_BAD_REQUEST');
    }
    const apps = await api('GET', '/v1/helpdesk/apps', { bearer: helpdeskToken });
    expect((apps.json.items as { id: string }[]).map((a) => a.id)).not.toContain('sneaky');
    expect((await stack.proxy.store.getDevice(bobDevice.enrollment.deviceId))?.revokedAt).toBeUndefined();

    // Excessive data exposure: every read a helpdesk person or an employee makes.
    const reads = [
      await api('GET', `/v1/helpdesk/devices/${eveDevice.enrollment.deviceId}`, { bearer: helpdeskToken }),
      await api('GET', '/v1/helpdesk/devices', { bearer: helpdeskToken }),
      await api('GET', '/v1/helpdesk/sessions', { bearer: helpdeskToken }),
      await api('GET', '/v1/admin/api-tokens', { bearer: adminToken }),
      await api('GET', '/v1/me/devices', { device: eveDevice, bearer: eveDevice.session?.token ?? '' }),
    ];
    for (const reply of reads) {
      expect(reply.status).toBe(200);
      const keys = keysOf(reply.json);
      for (const k of ['token', 'secret', 'secretHash', 'passwordHash', 'totpSecret', 'keyPem', 'password', 'sessionId', 'certPem']) expect(keys.has(k), k).toBe(false);
      expect(reply.text).not.toMatch(/BEGIN [A-Z ]*(CERTIFICATE|PRIVATE KEY)/);
      expect(reply.text).not.toContain(adminToken.slice('zga_'.length + 16 + 1)); // the secret part (it may itself hold '_')
    }
    // An employee's view leaves out certificate internals.
    const mine = keysOf(reads[4]!.json);
    expect(mine.has('certSerial') || mine.has('certFingerprint')).toBe(false);
  });

  it('API4 unrestricted resource consumption: page sizes, body sizes and request rates are capped, with Retry-After', async () => {
    for (const path of ['/v1/helpdesk/devices', '/v1/helpdesk/decisions', '/v1/helpdesk/sessions', '/v1/admin/audit']) {
      const reply = await api('GET', `${path}?limit=${PAGE_MAX + 1}`, { bearer: adminToken });
      expect([reply.status, reply.json.code], path).toEqual([400, 'ZG_ERR_BAD_REQUEST']);
    }
    const huge = Buffer.from(JSON.stringify({ id: 'big', upstream: `tcp://127.0.0.1:${echo.port}`, name: 'x'.repeat(BODY_LIMIT) }));
    expect((await api('POST', '/v1/admin/apps', { bearer: adminToken, raw: huge })).status).toBe(413);
    const bigPolicy = Buffer.from(JSON.stringify({ policy: { allow: [{ users: Array.from({ length: POLICY_BODY_LIMIT / 8 }, (_, i) => `user${i}`) }] } }));
    expect(bigPolicy.length).toBeGreaterThan(POLICY_BODY_LIMIT);
    expect((await api('POST', '/v1/admin/policies/validate', { bearer: adminToken, raw: bigPolicy })).status).toBe(413);

    // One person's budget, whichever address they come from (a console session here).
    let limited: HttpResponse | undefined;
    for (let i = 0; i <= API_RATE_PER_TOKEN_PER_MINUTE && limited === undefined; i++) {
      const reply = await asConsole(rita, 'GET', '/v1/me/devices');
      if (reply.status === 429) limited = reply;
      else expect(reply.status).toBe(200);
    }
    expect(limited, 'the per-identity limit never answered 429').toBeDefined();
    expect(JSON.parse(limited!.body)).toMatchObject({ code: 'ZG_ERR_RATE_LIMITED', reasons: ['rate-limited'] });
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);

    // Console sign-in starts per source address.
    let signInLimited: JsonReply | undefined;
    for (let i = 0; i < 100 && signInLimited === undefined; i++) {
      const reply = await requestRaw('GET', '/console/login', '127.0.8.1');
      if (reply.status === 429) signInLimited = reply;
    }
    expect(signInLimited, 'console sign-in was never rate limited').toBeDefined();
    expect(Number(signInLimited!.headers['retry-after'])).toBeGreaterThan(0);
  });

  /** A bare request from a given source address, any content type. */
  function requestRaw(method: 'GET' | 'POST', path: string, from: string): Promise<JsonReply> {
    return requestJson(`${origin}${path}`, { method, tls: { ca }, source: from });
  }

  it('API5 broken function-level authorization: helpdesk tokens and sessions get 403 on every admin route, employees on every staff route, and nothing changes', async () => {
    const ops = operationsOf(document);
    const adminOps = ops.filter((op) => op.path.startsWith('/v1/admin/'));
    const staffOps = ops.filter((op) => /^\/v1\/(admin|helpdesk)\//.test(op.path));
    expect(adminOps.length).toBeGreaterThan(10);
    const body = (op: Operation) => (op.method === 'GET' || op.method === 'DELETE' ? undefined : {});
    for (const op of adminOps) {
      const withToken = await rawRequest(origin, ca, op.method, op.url, { authorization: `Bearer ${helpdeskToken}`, ...(body(op) ? { 'content-type': 'application/json' } : {}) }, body(op) ? '{}' : undefined);
      expect([withToken.status, JSON.parse(withToken.body).code], `token ${op.method} ${op.url}`).toEqual([403, 'ZG_ERR_API_FORBIDDEN']);
      const withSession = await asConsole(hank, op.method, op.url, body(op));
      expect([withSession.status, JSON.parse(withSession.body).code], `helpdesk ${op.method} ${op.url}`).toEqual([403, 'ZG_ERR_API_FORBIDDEN']);
    }
    for (const op of staffOps) {
      const employee = await asConsole(eve, op.method, op.url, body(op));
      expect([employee.status, JSON.parse(employee.body).code], `employee ${op.method} ${op.url}`).toEqual([403, 'ZG_ERR_API_FORBIDDEN']);
    }
    // The helpdesk can still read; the refused changes left no trace in the catalogue.
    expect((await asConsole(hank, 'GET', '/v1/helpdesk/devices')).status).toBe(200);
    expect((await api('GET', '/v1/helpdesk/apps', { bearer: adminToken })).json.items).toHaveLength(1);
    expect((await auditOf('admin.change')).filter((e) => String((e.detail as { by?: string }).by).match(/hank|desk-bot|eve/))).toEqual([]);
  });

  it('API7 server-side request forgery: an app cannot be published onto the proxy itself or a metadata address unless explicitly allowed (and audited)', async () => {
    const port = stack.proxy.port;
    const attempts = [
      'http://169.254.169.254/latest/meta-data/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://[fd00:ec2::254]/',
      'tcp://[fe80::1]:22',
      `tcp://127.0.0.1:${port}`,
      `https://localhost:${port}`,
      'tcp://0.0.0.0:22',
    ];
    for (const [i, upstream] of attempts.entries()) {
      const reply = await api('POST', '/v1/admin/apps', { bearer: adminToken, body: { id: `ssrf-${i}`, upstream, users: ['eve'] } });
      expect([reply.status, reply.json.code], upstream).toEqual([400, 'ZG_ERR_API_UPSTREAM_FORBIDDEN']);
    }
    const explicit = await asConsole(admin, 'POST', '/v1/admin/apps', { id: 'cloud-meta', upstream: 'http://169.254.169.254/', users: ['ada'], allowRestrictedUpstream: true, reason: 'instance metadata for the platform team' });
    expect(explicit.status).toBe(201);
    const change = (await auditOf('admin.change')).find((e) => (e.detail as { app?: string; action?: string }).action === 'app.publish' && JSON.stringify(e.detail).includes('cloud-meta'));
    expect(change?.detail).toMatchObject({ by: 'user:ada', restrictedUpstream: true });
    // The data plane is no open proxy: an unpublished app id is refused before any dial.
    const apps = (await api('GET', '/v1/helpdesk/apps', { bearer: adminToken })).json.items as { id: string }[];
    expect(apps.map((a) => a.id).sort()).toEqual(['cloud-meta', 'wiki']);
  });

  it('API8 security misconfiguration: TLS 1.2+ with forward-secret AEAD only, security headers, strict CSP, no CORS, errors without internals', async () => {
    const handshake = (options: ConnectionOptions) =>
      new Promise<string>((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: stack.proxy.port, ca, servername: 'localhost', ...options }, () => {
          resolve(`ok ${socket.getProtocol()}`);
          socket.end();
        });
        socket.on('error', (error) => resolve(`refused ${error.message}`));
      });
    expect(await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toBe('ok TLSv1.2');
    expect(await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })).toMatch(/^refused .*(protocol version|unsupported protocol)/i);
    // Static RSA key exchange (no forward secrecy) and CBC suites are not offered.
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA256:AES256-SHA:ECDHE-RSA-AES128-SHA' })).toMatch(/^refused /);

    const json = await api('GET', '/v1/helpdesk/devices', { bearer: helpdeskToken });
    expect(json.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    expect(json.headers['x-content-type-options']).toBe('nosniff');
    expect(json.headers['cache-control']).toBe('no-store');
    expect(json.headers['x-powered-by']).toBeUndefined();
    expect(json.headers.server).toBeUndefined();

    const page = await rawRequest(origin, ca, 'GET', '/console/');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(page.headers['x-frame-options']).toBe('DENY');

    const preflight = await rawRequest(origin, ca, 'OPTIONS', '/v1/admin/apps', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const cross = await rawRequest(origin, ca, 'GET', '/v1/helpdesk/devices', { origin: 'https://evil.example', authorization: `Bearer ${helpdeskToken}` });
    expect(cross.headers['access-control-allow-origin']).toBeUndefined();

    const broken = await rawRequest(origin, ca, 'POST', '/v1/admin/apps', { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, '{"id": ');
    expect(broken.status).toBe(400);
    expect(broken.body).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
    const unknown = await rawRequest(origin, ca, 'GET', '/v1/admin/../../etc/passwd');
    expect(unknown.status).toBe(404);
    expect(unknown.body).not.toMatch(/\n\s+at |node_modules/);
  });

  it('API9 improper inventory management: every route the server answers is in the OpenAPI document, and every documented route exists', async () => {
    const documented = new Set(operationsOf(document).map((op) => `${op.method} ${op.path}`));
    const served = registeredRoutes(stack.proxy.built.app.printRoutes({ commonPrefix: false }))
      .map((r) => r.replace(/:([A-Za-z]+)/g, '{$1}'))
      // The embedded IdP's OIDC endpoints are described by its own discovery document
      // (/idp/.well-known/openid-configuration); console pages and assets are HTML, not API.
      .filter((r) => !/^[A-Z]+ \/idp(\/|\*|$)/.test(r) && !/^GET \/console\/(\*|assets\/\{file\}|\{[^}]+\}|)$/.test(r) && r !== 'GET /console')
      // Clientless browser access (docs/clientless.md): /a/{app}/* is each published app's own HTTP
      // surface, forwarded under a prefix, not the proxy's API; it is inventoried per app by
      // shadow-API discovery (/v1/helpdesk/apps/{id}/endpoints), and its refusals are HTML pages.
      .filter((r) => !/^[A-Z]+ \/a\/(\{app\}(\/?\*)?|-\/page\.css)$/.test(r));
    expect(served.length).toBeGreaterThan(30);
    const undocumented = served.filter((r) => !documented.has(r));
    expect(undocumented).toEqual([]);
    const unserved = [...documented].filter((r) => !served.includes(r));
    expect(unserved).toEqual([]);
  });
});

describe('OWASP API Top 10 (2023), external IdP', () => {
  const CLIENT_ID = 'zerogate-agent';
  let key: IssuerKey;
  let issuer: TestIssuer;
  let stack: Stack;
  let source = 10;
  const nextSource = (): string => `127.0.10.${++source}`;

  const idToken = (user: string, extra: Record<string, unknown> = {}) =>
    issuer.sign({ iss: issuer.issuer, aud: CLIENT_ID, sub: user, email: user, email_verified: true, amr: ['pwd', 'mfa'], auth_time: Math.floor(Date.now() / 1000), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300, ...extra });

  async function enroll(token: string, from = nextSource()): Promise<JsonReply> {
    const device = generateDeviceKey();
    return requestJson(`${stack.proxy.url}/v1/enroll`, {
      method: 'POST',
      tls: { ca: stack.proxy.pki.ca.certPem },
      source: from,
      body: { idToken: token, csr: createCsr(device.privateKeyPem, { commonName: 'owasp' }), hostname: 'laptop' },
    });
  }

  beforeAll(async () => {
    key = await createIssuerKey('ES256');
    issuer = await startTestIssuer({ keys: [key] });
    stack = await startStack(
      { identity: { oidc: { issuer: issuer.issuer, clientId: CLIENT_ID, groupsClaim: 'groups', userClaim: 'email' } } },
      { identity: { fetch: issuer.fetch } },
    );
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await issuer?.close();
  });

  it('API10 unsafe consumption of APIs: the IdP\'s discovery document, key set and token claims are validated, and the proxy fails closed', async () => {
    // A discovery document naming another issuer (a mix-up): the proxy will not use that IdP.
    issuer.mode = 'wrong-issuer';
    const wrongIssuer = await enroll(await idToken('dan@example.com'));
    expect([wrongIssuer.status, wrongIssuer.json.code], `wrong issuer: ${wrongIssuer.text}`).toEqual([503, 'ZG_ERR_AUTH_IDP_UNAVAILABLE']);

    issuer.mode = 'huge-jwks';
    const huge = await enroll(await idToken('dan@example.com'));
    expect([huge.status, huge.json.code], `huge key set: ${huge.text}`).toEqual([503, 'ZG_ERR_AUTH_IDP_UNAVAILABLE']);

    issuer.mode = 'up';
    const tooManyGroups = await enroll(await idToken('dan@example.com', { groups: Array.from({ length: MAX_TOKEN_GROUPS + 1 }, (_, i) => `g${i}`) }));
    expect([tooManyGroups.status, tooManyGroups.json.code]).toEqual([401, 'ZG_ERR_AUTH_ID_TOKEN_INVALID']);
    const wrongType = await enroll(await idToken('dan@example.com', { email_verified: 'yes' }));
    expect(wrongType.status).toBe(401);
    // Once the IdP answers sanely, the same person enrols.
    const fine = await enroll(await idToken('dan@example.com'));
    expect(fine.status, fine.text).toBe(200);
    expect(fine.text).not.toContain(key.kid);
  });

  it('API6 unrestricted access to sensitive business flows: one identity cannot enrol devices in bulk, even from many addresses (429 with Retry-After, audited)', async () => {
    issuer.mode = 'up';
    for (let i = 0; i < ENROLL_PER_USER_PER_HOUR; i++) {
      const reply = await enroll(await idToken('mallory@example.com'));
      expect(reply.status, reply.text).toBe(200);
    }
    const refused = await enroll(await idToken('mallory@example.com'));
    expect([refused.status, refused.json.code]).toEqual([429, 'ZG_ERR_RATE_LIMITED']);
    expect(refused.json.reasons).toEqual(['rate-limited']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60);
    await stack.proxy.audit.flush();
    const events = await stack.proxy.store.queryAudit({ type: 'device.enroll', user: 'mallory@example.com', limit: 50 });
    expect(events.filter((e) => e.decision === 'deny' && (e.reasons ?? []).includes('rate-limited'))).toHaveLength(1);
    // Another person is not affected.
    expect((await enroll(await idToken('nina@example.com'))).status).toBe(200);
  });
});
