/**
 * The web console's sign-in and sessions against a real proxy and its real embedded IdP: people
 * sign in with a password and a TOTP code through the /idp pages; the proxy, as a confidential
 * client, exchanges the code and sets its session cookie; the cookie then works as an API
 * principal with its role, with CSRF protection on changes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../proxy/console/headers.ts';
import { CONSOLE_KEY_FILE, ConsoleTokens } from '../../proxy/console/session.ts';
import type { Browser, HttpResponse } from '../../proxy/identity/idp/test-helpers.ts';
import { configUsers, consoleUser, cookieFrom, rawRequest, signInToConsole, signInUntilCallback, type ConsoleUser } from '../helpers/console.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const SESSION = '__Host-zg_console';
const LOGIN = '__Host-zg_console_login';

const ADA = consoleUser('ada', ['zg-admins', 'engineering']);
const HAL = consoleUser('hal', ['zg-support']);
const EMP = consoleUser('emp', ['staff']);
const REX = consoleUser('rex', ['zg-support']);
const OUT = consoleUser('out', ['zg-admins']);
const ZED = consoleUser('zed', ['zg-support']);
/** A store user, so that it can be disabled while signed in. */
const DORA = consoleUser('dora', ['zg-admins']);

let stack: Stack;
let origin: string;
let ca: string;
let dist: string;
let admin: { browser: Browser; callback: HttpResponse; csrf: string };

const json = (response: HttpResponse): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

async function session(browser: Browser): Promise<HttpResponse> {
  return browser.get(`${origin}/console/api/session`);
}

async function csrfOf(browser: Browser): Promise<string> {
  const answer = await session(browser);
  expect(answer.status).toBe(200);
  return json(answer).csrf as string;
}

/** A JSON request with the browser's cookies. */
function send(browser: Browser, method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return browser.request(method, `${origin}${path}`, body === undefined ? undefined : JSON.stringify(body), {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...headers,
  });
}

const VALIDATE = '/v1/admin/policies/validate';
const POLICY = { policy: { allow: [{ groups: ['engineering'] }], require: { mfa: true } } };

async function auditOf(type: string): Promise<Array<{ user?: string; detail?: Record<string, unknown>; decision?: string }>> {
  await stack.proxy.audit.flush();
  return stack.proxy.store.queryAudit({ type, limit: 100 });
}

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'zg-console-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Zerogate console</title><script type="module" src="/console/assets/app-ABCDEFGH.js"></script><div id="app"></div>\n');
  writeFileSync(join(dist, 'assets', 'app-ABCDEFGH.js'), 'console.log("zerogate")\n');
  writeFileSync(join(dist, 'assets', 'notes.txt'), 'not hashed\n');
  process.env.ZEROGATE_CONSOLE_DIST = dist;
  stack = await startStack({
    server: { listen: '127.0.0.1:0', hostnames: ['127.0.0.1', 'localhost'] },
    identity: { users: await configUsers([ADA, HAL, EMP, REX, OUT, ZED]) },
    console: { roles: { admin: ['zg-admins'], helpdesk: ['zg-support'] }, sessionTtl: '1h' },
  });
  const [dora] = await configUsers([DORA]);
  await stack.proxy.store.addIdpUser({ username: 'dora', email: 'dora@example.com', name: undefined, groups: DORA.groups, passwordHash: dora!.passwordHash, disabled: false, createdAt: Date.now() });
  await stack.proxy.store.setTotpSecret('dora', DORA.totpSecret, Date.now());
  origin = stack.proxy.config.server.publicUrl;
  ca = stack.proxy.pki.ca.certPem;
  expect(origin).toBe(stack.proxy.url);
  const signedIn = await signInToConsole(origin, ca, ADA, '/console/devices/dev-123?tab=posture');
  admin = { ...signedIn, csrf: await csrfOf(signedIn.browser) };
});

afterAll(async () => {
  await stack?.close();
  delete process.env.ZEROGATE_CONSOLE_DIST;
  rmSync(dist, { recursive: true, force: true });
});

describe('console sign-in through the embedded IdP', () => {
  it('sets a __Host- session cookie: HttpOnly, Secure, SameSite=Strict, Path=/, no Domain; clears the sign-in state', () => {
    const { callback } = admin;
    expect(callback.location).toBe(`${origin}/console/devices/dev-123?tab=posture`);
    const cookie = cookieFrom(callback, SESSION);
    expect(cookie).toBeDefined();
    const attributes = cookie!.line.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['path=/', 'httponly', 'secure', 'samesite=strict', 'max-age=3600']));
    expect(attributes.some((a) => a.startsWith('domain'))).toBe(false);
    const cleared = cookieFrom(callback, LOGIN);
    expect(cleared?.value).toBe('');
    expect(cleared?.line).toContain('Max-Age=0');
  });

  it('/console/api/session names the person, groups, role, CSRF token and expiry', async () => {
    const answer = await session(admin.browser);
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    const body = json(answer);
    expect(body).toMatchObject({ user: 'ada', name: 'User ada', email: 'ada@example.com', groups: ['zg-admins', 'engineering'], role: 'admin' });
    expect(body.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(body.expiresAt as string);
    expect(expires).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    const audit = await auditOf('console.login');
    expect(audit.find((e) => e.user === 'ada')).toMatchObject({ decision: 'allow', detail: { role: 'admin', amr: ['pwd', 'otp', 'mfa'] } });
  });

  it('maps groups to roles with the configured group names (helpdesk, employee)', async () => {
    // `next` pointing elsewhere is not followed: the sign-in lands on the console's home.
    const hal = await signInToConsole(origin, ca, HAL, '//evil.example/steal');
    expect(hal.callback.location).toBe(`${origin}/console/`);
    expect(json(await session(hal.browser))).toMatchObject({ user: 'hal', role: 'helpdesk', groups: ['zg-support'] });
    expect((await hal.browser.get(`${origin}/v1/helpdesk/devices`)).status).toBe(200);
    const denied = await send(hal.browser, 'POST', VALIDATE, POLICY, { 'x-zerogate-csrf': await csrfOf(hal.browser) });
    expect(denied.status).toBe(403);
    expect(json(denied).code).toBe('ZG_ERR_API_FORBIDDEN');
  });

  it('refuses open redirects in next, whatever their spelling', async () => {
    for (const next of ['https://evil.example/', '/\\evil.example', '/console/../idp/x', '/console/%2e%2e/v1/me', 'javascript:alert(1)']) {
      const answer = await rawRequest(origin, ca, 'GET', `/console/login?next=${encodeURIComponent(next)}`);
      expect(answer.status, next).toBe(302);
      const sealed = cookieFrom(answer, LOGIN)!.value;
      const login = await ConsoleTokens.open(join(stack.proxy.config.dataDir, CONSOLE_KEY_FILE), origin).openLogin(sealed, Date.now());
      expect(login?.next, next).toBe('/console/');
    }
  });
});

describe('console sessions as API principals', () => {
  it('an admin cookie with the CSRF header calls an admin route', async () => {
    const answer = await send(admin.browser, 'POST', VALIDATE, POLICY, { 'x-zerogate-csrf': admin.csrf, origin });
    expect(answer.status).toBe(200);
    expect(json(answer)).toMatchObject({ valid: true });
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('refuses a change without the CSRF header, with a wrong one, or from another origin (403 ZG_ERR_CONSOLE_CSRF)', async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { 'x-zerogate-csrf': 'A'.repeat(43) },
      { 'x-zerogate-csrf': admin.csrf.slice(0, -1) },
      { 'x-zerogate-csrf': admin.csrf, origin: 'https://evil.example' },
      { 'x-zerogate-csrf': admin.csrf, origin: 'null' },
    ];
    for (const headers of cases) {
      const answer = await send(admin.browser, 'POST', VALIDATE, POLICY, headers);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(json(answer).code).toBe('ZG_ERR_CONSOLE_CSRF');
    }
    const audit = await auditOf('console.deny');
    expect(audit.filter((e) => e.user === 'ada').map((e) => e.detail?.why)).toEqual(expect.arrayContaining(['csrf-token', 'origin']));
  });

  it('a bearer header wins over the cookie', async () => {
    const answer = await send(admin.browser, 'GET', '/v1/helpdesk/devices', undefined, { authorization: 'Bearer zga_nope_nope' });
    expect(answer.status).toBe(401);
    expect(json(answer).code).toBe('ZG_ERR_API_TOKEN_INVALID');
  });

  it('without a token or a cookie: 401 ZG_ERR_API_TOKEN_REQUIRED, naming the console as an alternative', async () => {
    const answer = await rawRequest(origin, ca, 'GET', '/v1/helpdesk/devices');
    expect(answer.status).toBe(401);
    expect(json(answer)).toMatchObject({ code: 'ZG_ERR_API_TOKEN_REQUIRED' });
    expect(json(answer).message).toContain('/console/');
  });

  it('an employee gets 403 on admin and helpdesk routes, and only their own devices at /v1/me/devices', async () => {
    const mine = await stack.enroll('emp');
    const theirs = await stack.enroll('ada');
    const emp = await signInToConsole(origin, ca, EMP);
    expect(json(await session(emp.browser))).toMatchObject({ user: 'emp', role: 'employee' });
    const csrf = await csrfOf(emp.browser);
    for (const [method, path, body] of [
      ['GET', '/v1/helpdesk/devices', undefined],
      ['GET', `/v1/helpdesk/devices/${theirs.enrollment.deviceId}`, undefined],
      ['POST', VALIDATE, POLICY],
      ['POST', `/v1/admin/devices/${theirs.enrollment.deviceId}/revoke`, { reason: 'nope' }],
    ] as const) {
      const answer = await send(emp.browser, method, path, body, { 'x-zerogate-csrf': csrf });
      expect(answer.status, path).toBe(403);
      expect(json(answer).code).toBe('ZG_ERR_API_FORBIDDEN');
    }
    const list = await emp.browser.get(`${origin}/v1/me/devices`);
    expect(list.status).toBe(200);
    const items = json(list).items as Array<{ device: { id: string; current: boolean } }>;
    expect(items.map((i) => i.device.id)).toEqual([mine.enrollment.deviceId]);
    expect(items[0]?.device.current).toBe(false);
    expect((await emp.browser.get(`${origin}/v1/me/devices/${mine.enrollment.deviceId}`)).status).toBe(200);
    const other = await emp.browser.get(`${origin}/v1/me/devices/${theirs.enrollment.deviceId}`);
    expect(other.status).toBe(404);
  });

  it('refuses tampered, expired and foreign-key cookies with 401', async () => {
    const value = cookieFrom(admin.callback, SESSION)!.value;
    const [header, payload, signature] = value.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const elevated = Buffer.from(JSON.stringify({ ...claims, sub: 'hal' })).toString('base64url');
    const now = Date.now();
    const base = { sid: String(claims.sid), user: 'ada', groups: ['zg-admins'], role: 'admin' as const, csrf: admin.csrf };
    const real = ConsoleTokens.open(join(stack.proxy.config.dataDir, CONSOLE_KEY_FILE), origin);
    const otherDir = mkdtempSync(join(tmpdir(), 'zg-other-key-'));
    const foreign = ConsoleTokens.open(join(otherDir, CONSOLE_KEY_FILE), origin);
    const forged = [
      `${header}.${elevated}.${signature}`,
      `${header}.${payload}.${signature!.slice(0, -2)}AA`,
      await real.signSession({ ...base, issuedAt: now - 2 * 3600_000, expiresAt: now - 3600_000 }, new Set()),
      await foreign.signSession({ ...base, issuedAt: now, expiresAt: now + 3600_000 }, new Set()),
      `eyJhbGciOiJub25lIn0.${payload}.`,
    ];
    rmSync(otherDir, { recursive: true, force: true });
    for (const cookie of forged) {
      const answer = await rawRequest(origin, ca, 'GET', '/console/api/session', { cookie: `${SESSION}=${cookie}` });
      expect(answer.status).toBe(401);
      expect(json(answer).code).toBe('ZG_ERR_CONSOLE_SESSION_REQUIRED');
      const api = await rawRequest(origin, ca, 'GET', '/v1/helpdesk/devices', { cookie: `${SESSION}=${cookie}` });
      expect(api.status).toBe(401);
    }
    // The real one still works, and a second copy of the cookie name makes it ambiguous.
    expect((await rawRequest(origin, ca, 'GET', '/console/api/session', { cookie: `${SESSION}=${value}` })).status).toBe(200);
    expect((await rawRequest(origin, ca, 'GET', '/console/api/session', { cookie: `${SESSION}=${value}; ${SESSION}=${forged[3]}` })).status).toBe(401);
  });

  it('a disabled user\'s live cookie stops working at once', async () => {
    const dora = await signInToConsole(origin, ca, DORA);
    expect(json(await session(dora.browser))).toMatchObject({ user: 'dora', role: 'admin' });
    expect((await dora.browser.get(`${origin}/v1/helpdesk/devices`)).status).toBe(200);
    await stack.proxy.store.setIdpUserDisabled('dora', true);
    const after = await session(dora.browser);
    expect(after.status).toBe(401);
    expect((await dora.browser.get(`${origin}/v1/helpdesk/devices`)).status).toBe(401);
    const audit = await auditOf('console.deny');
    expect(audit.some((e) => e.user === 'dora' && e.detail?.why === 'account')).toBe(true);
  });
});

describe('the callback refuses what it did not start', () => {
  it('a wrong state, a replayed callback and a callback without the sign-in cookie are refused (401 page)', async () => {
    const started = await signInUntilCallback(origin, ca, REX);
    const sealed = cookieFrom(started.login, LOGIN)!.value;
    const callback = new URL(started.callbackUrl);
    const wrongState = new URL(callback);
    wrongState.searchParams.set('state', 'x'.repeat(43));
    const mismatch = await rawRequest(origin, ca, 'GET', `${wrongState.pathname}${wrongState.search}`, { cookie: `${LOGIN}=${sealed}` });
    expect(mismatch.status).toBe(401);
    expect(mismatch.headers['content-type']).toContain('text/html');
    expect(mismatch.body).toContain('ZG_ERR_CONSOLE_LOGIN_FAILED');
    expect(mismatch.body).toContain('href="/console/login"');
    expect(mismatch.body).not.toContain(callback.searchParams.get('code')!);
    expect(cookieFrom(mismatch, SESSION)).toBeUndefined();

    const ok = await started.browser.get(started.callbackUrl);
    expect(ok.status).toBe(302);
    expect(cookieFrom(ok, SESSION)).toBeDefined();

    // The same callback again: from the browser (its sign-in cookie is gone) and with a copy of it.
    const again = await started.browser.get(started.callbackUrl);
    expect(again.status).toBe(401);
    const replay = await rawRequest(origin, ca, 'GET', `${callback.pathname}${callback.search}`, { cookie: `${LOGIN}=${sealed}` });
    expect(replay.status).toBe(401);
    expect(cookieFrom(replay, SESSION)).toBeUndefined();
    const none = await rawRequest(origin, ca, 'GET', `${callback.pathname}${callback.search}`);
    expect(none.status).toBe(401);

    const checks = (await auditOf('login.fail')).filter((e) => e.detail?.route === 'console').map((e) => e.detail?.check);
    expect(checks).toEqual(expect.arrayContaining(['state', 'replay']));
  });

  it('an IdP error on the callback is refused without echoing it', async () => {
    const started = await rawRequest(origin, ca, 'GET', '/console/login');
    const sealed = cookieFrom(started, LOGIN)!.value;
    const state = new URL(started.location!).searchParams.get('state')!;
    const iss = encodeURIComponent(`${origin}/idp`);
    const answer = await rawRequest(origin, ca, 'GET', `/console/callback?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=${state}&iss=${iss}`, {
      cookie: `${LOGIN}=${sealed}`,
    });
    expect(answer.status).toBe(401);
    expect(answer.body).not.toContain('<script>');
    const last = (await auditOf('login.fail')).find((e) => e.detail?.route === 'console');
    expect(last?.detail).toMatchObject({ check: 'idp', error: 'access_denied' });
  });

  it('the authorization request uses PKCE S256, state, nonce and the registered redirect URI', async () => {
    const answer = await rawRequest(origin, ca, 'GET', '/console/login');
    const url = new URL(answer.location!);
    expect(`${url.origin}${url.pathname}`).toBe(`${origin}/idp/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'zerogate-console',
      response_type: 'code',
      redirect_uri: `${origin}/console/callback`,
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('scope')?.split(' ')).not.toContain('offline_access');
    const cookie = cookieFrom(answer, LOGIN)!.line.toLowerCase();
    expect(cookie).toContain('httponly');
    expect(cookie).toContain('secure');
    expect(cookie).toContain('samesite=lax');
    expect(cookie).toContain('max-age=600');
    expect(cookie).not.toContain(url.searchParams.get('state')!.toLowerCase());
  });
});

describe('console pages and headers', () => {
  it('serves the app with a strict CSP and security headers on every console path', async () => {
    for (const path of ['/console/', '/console/devices/dev-123', '/console/why-blocked']) {
      const answer = await rawRequest(origin, ca, 'GET', path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.body).toContain('<div id="app"></div>');
      expect(answer.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(answer.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(answer.headers).toMatchObject({
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
        'strict-transport-security': 'max-age=31536000',
      });
    }
    const api = await rawRequest(origin, ca, 'GET', '/console/api/session');
    expect(api.status).toBe(401);
    expect(api.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(api.headers['cache-control']).toBe('no-store');
    const health = await rawRequest(origin, ca, 'GET', '/healthz');
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['cache-control']).toBe('no-store');
  });

  it('serves hashed assets as immutable, others for revalidation, with their content type', async () => {
    const js = await rawRequest(origin, ca, 'GET', '/console/assets/app-ABCDEFGH.js');
    expect(js.status).toBe(200);
    expect(js.body).toBe('console.log("zerogate")\n');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const text = await rawRequest(origin, ca, 'GET', '/console/assets/notes.txt');
    expect(text.headers['cache-control']).toBe('no-cache');
  });

  it('answers 404 for asset paths outside assets/ (traversal) and unknown files', async () => {
    for (const path of [
      '/console/assets/../index.html',
      '/console/assets/..%2findex.html',
      '/console/assets/%2e%2e%2f%2e%2e%2f..%2fdata%2fconsole-cookie-key',
      '/console/assets/../../../../etc/passwd',
      '/console/assets/.hidden.js',
      '/console/assets/missing-ABCDEFGH.js',
      '/console/assets/sub/app-ABCDEFGH.js',
      '/console/assets/app-ABCDEFGH.js%00.txt',
      '/console/api/nothing',
    ]) {
      const answer = await rawRequest(origin, ca, 'GET', path);
      expect(answer.status, path).toBe(404);
      expect(answer.body).not.toContain('<div id="app">');
    }
  });

  it('answers 503 ZG_ERR_CONSOLE_NOT_BUILT with a readable page when the bundle is missing', async () => {
    process.env.ZEROGATE_CONSOLE_DIST = join(dist, 'nowhere');
    try {
      const answer = await rawRequest(origin, ca, 'GET', '/console/');
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toContain('text/html');
      expect(answer.body).toContain('ZG_ERR_CONSOLE_NOT_BUILT');
      expect(answer.body).toContain('npm run build');
      expect(answer.headers['content-security-policy']).toBe(CONSOLE_CSP);
    } finally {
      process.env.ZEROGATE_CONSOLE_DIST = dist;
    }
  });
});

describe('signing out', () => {
  it('needs the CSRF header, then clears the cookie; the old session is gone from the browser, and a copy of its cookie is refused', async () => {
    const out = await signInToConsole(origin, ca, OUT);
    const csrf = await csrfOf(out.browser);
    const copy = cookieFrom(out.callback, SESSION)!.value;
    // A second sign-in of the same person (another browser) is a session of its own: recorded
    // and signed as the callback does (a second real sign-in would reuse the TOTP step).
    const tokens = ConsoleTokens.open(join(stack.proxy.config.dataDir, CONSOLE_KEY_FILE), origin);
    const now = Date.now();
    const second = { sid: ConsoleTokens.sid(), user: 'out', groups: OUT.groups, role: 'admin' as const, csrf: ConsoleTokens.csrf(), issuedAt: now, expiresAt: now + 3_600_000 };
    await stack.proxy.store.createBrowserSession({ id: second.sid, user: 'out', createdAt: now, expiresAt: second.expiresAt }, now);
    const otherCookie = `${SESSION}=${await tokens.signSession(second, new Set())}`;
    expect((await rawRequest(origin, ca, 'GET', '/console/api/session', { cookie: otherCookie })).status).toBe(200);
    const refused = await send(out.browser, 'POST', '/console/logout', undefined, {});
    expect(refused.status).toBe(403);
    expect(json(refused).code).toBe('ZG_ERR_CONSOLE_CSRF');
    const done = await send(out.browser, 'POST', '/console/logout', undefined, { 'x-zerogate-csrf': csrf, origin });
    expect(done.status).toBe(204);
    const cleared = cookieFrom(done, SESSION);
    expect(cleared?.value).toBe('');
    expect(cleared?.line).toContain('Max-Age=0');
    expect((await session(out.browser)).status).toBe(401);
    expect((await auditOf('console.logout')).some((e) => e.user === 'out')).toBe(true);
    // The session ended in the store, not only in that browser: its signature is still good,
    // but a copy of the cookie (stolen, or kept by a shared machine) works no more.
    for (const path of ['/console/api/session', '/v1/helpdesk/devices']) {
      const replayed = await rawRequest(origin, ca, 'GET', path, { cookie: `${SESSION}=${copy}` });
      expect([replayed.status, json(replayed).code]).toEqual([401, 'ZG_ERR_CONSOLE_SESSION_REQUIRED']);
    }
    expect((await auditOf('console.deny')).some((e) => e.user === 'out' && e.detail?.why === 'session-ended')).toBe(true);
    expect((await rawRequest(origin, ca, 'GET', '/console/api/session', { cookie: otherCookie })).status).toBe(200);
  });

  it("an admin ending a user's sessions ends their console sign-ins at once", async () => {
    const zed = await signInToConsole(origin, ca, ZED);
    expect((await session(zed.browser)).status).toBe(200);
    const ended = await send(admin.browser, 'POST', '/v1/admin/users/zed/sessions/revoke', { reason: 'laptop left in a taxi' }, { 'x-zerogate-csrf': admin.csrf, origin });
    expect([ended.status, json(ended)]).toEqual([200, { user: 'zed', revoked: 0, browserSessions: 1 }]);
    expect((await session(zed.browser)).status).toBe(401);
    expect((await zed.browser.get(`${origin}/v1/helpdesk/devices`)).status).toBe(401);
    // Only theirs: the admin who did it is still signed in.
    expect((await session(admin.browser)).status).toBe(200);
  });
});

describe('rate limits (last: they use up this source\'s budget)', () => {
  it('limits sign-in starts per source with 429 and Retry-After', async () => {
    let limited: HttpResponse | undefined;
    for (let i = 0; i < 40 && limited === undefined; i++) {
      const answer = await rawRequest(origin, ca, 'GET', '/console/login');
      if (answer.status === 429) limited = answer;
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expect(json(limited!).code).toBe('ZG_ERR_RATE_LIMITED');
  });
});

describe('an external IdP without identity.oidc.clientSecret', () => {
  let external: Stack;
  beforeAll(async () => {
    external = await startStack({
      server: { listen: '127.0.0.1:0', hostnames: ['127.0.0.1'] },
      identity: { oidc: { issuer: 'https://idp.example.invalid', clientId: 'zerogate-agent' } },
    });
  });
  afterAll(async () => external?.close());

  it('answers the sign-in with a clear error naming the missing key', async () => {
    const answer = await rawRequest(external.proxy.url, external.proxy.pki.ca.certPem, 'GET', '/console/login');
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('identity.oidc.clientSecret');
    expect(answer.body).toContain('ZG_ERR_CONSOLE_LOGIN_FAILED');
    await external.proxy.audit.flush();
    const [event] = await external.proxy.store.queryAudit({ type: 'login.fail', limit: 1 });
    expect(event?.detail).toMatchObject({ route: 'console', check: 'config', missing: 'identity.oidc.clientSecret' });
  });
});

export type { ConsoleUser };
