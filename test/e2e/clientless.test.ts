/**
 * Clientless browser access end to end (issue 8 item 3, docs/clientless.md): a real proxy with
 * its embedded IdP, the real sample API as the upstream (it verifies the proxy's assertion with
 * the JWKS), and Debian's chromium driven by playwright-core. Nobody here has an agent.
 *
 * Apps live on their own origin (server.appsUrl, https://127.0.0.1:<port>), the console on
 * publicUrl (https://localhost:<port>): two sites, one listener, one certificate.
 *
 * - Signed out, /a/orders/whoami shows a sign-in page; its link goes to the console's handoff,
 *   the person signs in through the console flow (password + TOTP on the IdP's pages), the
 *   console hands a one-time code to the apps origin, which sets its own cookie, and they land
 *   on the sample API's /whoami, which verified an assertion with `via: browser` and no device,
 *   and saw none of the proxy's cookies.
 * - An app whose policy requires posture answers 403 with the readable "managed device
 *   required" page (the required checks, what to do, each reason with its remediation).
 * - A non-clientless app is 404; a policy refusing the user is a 403 page with its reasons.
 * - A POST from another site is refused (ZG_ERR_CONSOLE_CSRF) and never reaches the app; the
 *   same POST from the app's own page does. A link from another site reaches the app.
 * - An admin sees the orders app's API inventory in the console.
 * - A script on an app's page cannot read the console's session (nor its CSRF token) nor make an
 *   admin change with a signed-in admin's cookies; each origin only gets its own cookie; a
 *   replayed handoff code is refused; the apps origin has no console or API (404).
 *
 * Screenshots: test-results/screenshots/clientless-*.png. No page may log a CSP violation.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASONS } from '../../shared/reasons.ts';
import { launchChromium, screenshot, signInOnIdpPages, spkiHash } from '../helpers/browser.ts';
import { configUsers, consoleUser } from '../helpers/console.ts';
import { fetchFromPage, openPerson, type PersonPage } from '../helpers/console-browser.ts';
import { SAMPLE_API_OPENAPI, startSampleApi, type SampleApi } from '../helpers/sample-api.ts';
import { startStack, waitFor, type Stack } from '../helpers/stack.ts';

const EVE = consoleUser('eve', ['staff']);
const ADA = consoleUser('ada', ['admin', 'staff']);
const SHOT = 'clientless';

let stack: Stack;
/** The console's origin (publicUrl). */
let origin: string;
/** The apps origin (server.appsUrl). */
let apps: string;
/** Handoff URLs (with their one-time code) seen by the browser, for the replay test. */
const handoffs: string[] = [];
let api: SampleApi;
let browser: Browser;
let elsewhere: { server: Server; origin: string; html: string };
const people: PersonPage[] = [];
let eve: PersonPage;
/** Ada, an admin signed in to the console (from the inventory test on). */
let admin: PersonPage;

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Another site (another host name: `localhost`, not the proxy's `127.0.0.1`) serving one page. */
async function startOtherSite(): Promise<typeof elsewhere> {
  const state = { html: '<!doctype html><title>other</title>' };
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(state.html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const site = { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
  return Object.defineProperty(site, 'html', { get: () => state.html, set: (v: string) => (state.html = v) }) as typeof elsewhere;
}

async function auditOf(type: string, app: string) {
  return (await stack.proxy.store.queryAudit({ type, limit: 100 })).filter((e) => e.app === app);
}

beforeAll(async () => {
  const port = await freePort();
  const proxyUrl = `https://localhost:${port}`;
  const stackCa = { value: '' };
  // The sample API fetches the JWKS lazily, at its first /whoami: the CA is known by then.
  api = await startSampleApi({
    proxyJwksUrl: `${proxyUrl}/.well-known/zerogate/jwks.json`,
    get ca() {
      return stackCa.value;
    },
  } as Parameters<typeof startSampleApi>[0]);
  const upstream = api.url;
  stack = await startStack({
    server: { listen: `127.0.0.1:${port}`, hostnames: ['localhost', '127.0.0.1'], publicUrl: proxyUrl, appsUrl: `https://127.0.0.1:${port}` },
    identity: { users: await configUsers([EVE, ADA]) },
    apps: [
      // Its OpenAPI document makes discovery flag undeclared endpoints; validation only reports them.
      { id: 'orders', name: 'Orders', upstream, policy: 'staff', http: { clientless: true, openapi: SAMPLE_API_OPENAPI, requestValidation: 'report' } },
      { id: 'payroll', name: 'Payroll', upstream, policy: 'managed', http: { clientless: true } },
      { id: 'vault', name: 'Vault', upstream, policy: 'nobody', http: { clientless: true } },
      { id: 'legacy', name: 'Legacy', upstream, policy: 'staff' },
    ],
    policies: {
      staff: { allow: [{ groups: ['staff'] }], require: { mfa: true } },
      managed: { allow: [{ groups: ['staff'] }], require: { posture: { maxAge: '5m', diskEncryption: true, firewall: true } } },
      nobody: { allow: [{ users: ['carol'] }] },
    },
  } as Parameters<typeof startStack>[0]);
  origin = stack.proxy.config.server.publicUrl;
  apps = stack.proxy.config.server.appsUrl!;
  stackCa.value = stack.proxy.pki.ca.certPem;
  elsewhere = await startOtherSite();
  browser = await launchChromium([spkiHash(readFileSync(join(stack.proxy.config.dataDir, 'server.pem'), 'utf8'))]);
  eve = await openPerson(browser);
  people.push(eve);
  eve.page.on('request', (request) => {
    if (request.url().startsWith(`${apps}/a/-/handoff?`)) handoffs.push(request.url());
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(people.map((p) => p.close().catch(() => undefined)));
  await browser?.close();
  await stack?.close();
  await api?.close();
  await new Promise<void>((resolve) => (elsewhere === undefined ? resolve() : elsewhere.server.close(() => resolve())));
});

function expectNoCsp(who: PersonPage): void {
  expect(who.problems.csp).toEqual([]);
}

describe('clientless browser access in a real browser', () => {
  it('signed out shows a sign-in page; the sign-in leads to the app, which verifies a browser assertion with no device', async () => {
    const { page } = eve;
    eve.expect(401);
    const first = await page.goto(`${apps}/a/orders/whoami`);
    expect(first?.status()).toBe(401);
    expect(first?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
    const link = page.getByRole('link', { name: 'Sign in' });
    expect(await link.getAttribute('href')).toBe(`${origin}/console/app-handoff?next=${encodeURIComponent('/a/orders/whoami')}`);
    await screenshot(page, `${SHOT}-signed-out`);
    const landed = page.waitForResponse((r) => r.url() === `${apps}/a/orders/whoami` && r.request().isNavigationRequest() && r.status() === 200);
    await link.click();
    await page.getByLabel('Username').waitFor();
    await signInOnIdpPages(page, EVE, `${SHOT}-idp`);
    const whoami = (await (await landed).json()) as { claims: Record<string, unknown>; headers: Record<string, string> };
    await screenshot(page, `${SHOT}-orders-whoami`);
    expect(whoami.claims.sub).toBe('eve');
    expect(whoami.claims.via).toBe('browser');
    expect(whoami.claims.aud).toBe('orders');
    expect(whoami.claims.device).toBeUndefined();
    expect(whoami.claims.posture).toBe('none');
    expect(whoami.claims.groups).toEqual(['staff']);
    // The proxy's cookies (console's and apps') never reach the app.
    expect(whoami.headers.cookie ?? '').not.toContain('__Host-zg');
    expect(handoffs).toHaveLength(1);
    await waitFor(async () => (await stack.proxy.store.queryAudit({ type: 'console.handoff', limit: 10 })).length >= 2, 5_000, 'console.handoff');
    const handoffEvents = await stack.proxy.store.queryAudit({ type: 'console.handoff', limit: 10 });
    expect(handoffEvents.map((e) => e.detail?.step).sort()).toEqual(['apps-session', 'code']);
    expect(handoffEvents.every((e) => e.user === 'eve')).toBe(true);
    // The app saw the path without the /a/orders prefix.
    expect(api.requests.at(-1)?.url).toBe('/whoami');
    await waitFor(async () => (await auditOf('http.allow', 'orders')).length > 0, 5_000, 'http.allow');
    const [event] = await auditOf('http.allow', 'orders');
    expect(event?.user).toBe('eve');
    expect(event?.detail?.via).toBe('browser');
    expectNoCsp(eve);
  });

  it('an app whose policy requires posture answers a readable "managed device required" page', async () => {
    const { page } = eve;
    eve.expect(403);
    const before = api.requests.length;
    const response = (await page.goto(`${apps}/a/payroll/`)) as Response;
    expect(response.status()).toBe(403);
    expect(response.headers()['x-zerogate-error']).toBe('ZG_ERR_HTTP_DEVICE_REQUIRED');
    await page.getByRole('heading', { name: 'A managed device is required' }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('Payroll can only be used from a managed device');
    expect(text).toContain('Install the Zerogate agent');
    expect(text).toContain('zerogate login');
    expect(text).toContain('ZG_ERR_HTTP_DEVICE_REQUIRED');
    const checks = await page.getByTestId('required-checks').locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-check')));
    expect(checks).toEqual(['posture-max-age', 'disk-encryption', 'firewall']);
    const reasons = page.getByTestId('reasons');
    expect(await reasons.locator('li[data-reason="posture-missing"]').innerText()).toContain(REASONS['posture-missing'].remediation);
    await screenshot(page, `${SHOT}-payroll-device-required`);
    expect(api.requests.length).toBe(before);
    await waitFor(async () => (await auditOf('http.deny', 'payroll')).length > 0, 5_000, 'http.deny');
    const [deny] = await auditOf('http.deny', 'payroll');
    expect(deny?.user).toBe('eve');
    expect(deny?.reasons).toContain('posture-missing');
    expect(deny?.detail?.via).toBe('browser');
    expect(deny?.detail?.code).toBe('ZG_ERR_HTTP_DEVICE_REQUIRED');
    expectNoCsp(eve);
  });

  it('a non-clientless app is 404 and a policy that does not admit the user is a 403 page with the reason', async () => {
    const { page } = eve;
    eve.expect(404);
    eve.expect(403);
    const missing = (await page.goto(`${apps}/a/legacy/`)) as Response;
    expect(missing.status()).toBe(404);
    await page.getByRole('heading', { name: 'App not found' }).waitFor();
    await screenshot(page, `${SHOT}-legacy-not-found`);
    expect((await page.goto(`${apps}/a/no-such-app/`))?.status()).toBe(404);
    const refused = (await page.goto(`${apps}/a/vault/`)) as Response;
    expect(refused.status()).toBe(403);
    expect(refused.headers()['x-zerogate-error']).toBe('ZG_ERR_POLICY_DENIED');
    expect(await page.locator('li[data-reason="user-not-allowed"]').innerText()).toContain(REASONS['user-not-allowed'].remediation);
    await screenshot(page, `${SHOT}-vault-user-not-allowed`);
    expectNoCsp(eve);
  });

  it('refuses a POST from another site before the app, and lets the app\'s own page POST', async () => {
    const { page } = eve;
    eve.expect(403);
    const before = api.requests.length;
    elsewhere.html = `<!doctype html><title>other site</title><form method="post" action="${apps}/a/orders/users" enctype="text/plain"><input name='{"name":"x","email":"x@example.com","pad":"' value='"}'><button>Send</button></form>`;
    await page.goto(`${elsewhere.origin}/`);
    const refusedNav = page.waitForResponse((r) => r.url() === `${apps}/a/orders/users` && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Send' }).click();
    const refused = await refusedNav;
    expect(refused.status()).toBe(403);
    expect(refused.headers()['x-zerogate-error']).toBe('ZG_ERR_CONSOLE_CSRF');
    await page.getByRole('heading', { name: 'Request refused' }).waitFor();
    await screenshot(page, `${SHOT}-cross-site-post-refused`);
    expect(api.requests.length).toBe(before);
    // The same change from the app's own page (same origin) reaches the app.
    await page.goto(`${apps}/a/orders/health`);
    const created = await page.evaluate(async () => {
      const r = await fetch('/a/orders/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Zoe', email: 'zoe@example.com' }) });
      return { status: r.status, body: (await r.json()) as { name?: string } };
    });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('Zoe');
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', url: '/users' });
    expectNoCsp(eve);
  });

  it('a link from another site reaches the app (the apps cookie is SameSite=Lax)', async () => {
    const { page } = eve;
    elsewhere.html = `<!doctype html><title>intranet</title><a href="${apps}/a/orders/users/7">Open user 7</a>`;
    await page.goto(`${elsewhere.origin}/`);
    const landed = page.waitForResponse((r) => r.url() === `${apps}/a/orders/users/7` && r.status() === 200);
    await page.getByRole('link', { name: 'Open user 7' }).click();
    const user = (await (await landed).json()) as { id: number };
    expect(user.id).toBe(7);
    await screenshot(page, `${SHOT}-link-from-other-site`);
  });

  it('an admin sees the orders app\'s API inventory with templated endpoints and flags', async () => {
    admin = await openPerson(browser);
    people.push(admin);
    const { page } = admin;
    await page.goto(`${origin}/console/apps/orders/inventory`);
    await page.getByRole('heading', { name: 'Sign in to Zerogate' }).waitFor();
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').waitFor();
    await signInOnIdpPages(page, ADA);
    await page.getByRole('heading', { name: 'API inventory of orders' }).waitFor();
    const table = page.getByTestId('inventory-table');
    await table.waitFor();
    // Eve called /users/7 above: discovery lists it as a template.
    const row = table.locator('tr[data-endpoint="GET /users/{id}"]');
    await row.waitFor();
    expect(Number(await row.locator('td').nth(2).innerText())).toBeGreaterThanOrEqual(1);
    // /whoami is declared in the sample API's document; /internal/debug is not: Eve calls it
    // from the app's origin (the console's origin has no apps), and the admin reloads.
    await eve.page.goto(`${apps}/a/orders/health`);
    await eve.page.evaluate(() => fetch('/a/orders/internal/debug').then((r) => r.status));
    await page.reload();
    const debug = table.locator('tr[data-endpoint="GET /internal/debug"]');
    await debug.waitFor();
    expect(await debug.locator('[data-flag]').getAttribute('data-flag')).toBe('undeclared');
    expect(await debug.locator('[data-flag]').innerText()).toContain('undeclared');
    // Declared in the document, never called.
    expect(await table.locator('tr[data-endpoint="GET /orders/{orderId}"] [data-flag]').getAttribute('data-flag')).toBe('unused');
    const download = page.getByTestId('download-openapi');
    expect(await download.getAttribute('href')).toBe('/v1/helpdesk/apps/orders/endpoints/openapi');
    const doc = await page.evaluate(async (href) => (await (await fetch(href!)).json()) as { openapi?: string; paths?: Record<string, unknown> }, await download.getAttribute('href'));
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths ?? {})).toContain('/users/{id}');
    await screenshot(page, `${SHOT}-console-inventory`);
    expectNoCsp(admin);
  });

  it('a signed-in admin opening an app is handed over without signing in again; each origin gets only its own cookie', async () => {
    const { page, context } = admin;
    await page.goto(`${apps}/a/orders/health`);
    await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
    const landed = page.waitForResponse((r) => r.url() === `${apps}/a/orders/health` && r.request().isNavigationRequest() && r.status() === 200);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await landed;
    await page.waitForURL(`${apps}/a/orders/health`, { waitUntil: 'load' });
    const appsCookies = (await context.cookies(apps)).map((c) => c.name);
    const consoleCookies = (await context.cookies(origin)).map((c) => c.name);
    expect(appsCookies).toEqual(['__Host-zg_apps']);
    expect(consoleCookies).toContain('__Host-zg_console');
    expect(consoleCookies).not.toContain('__Host-zg_apps');
    const apps127 = (await context.cookies()).filter((c) => c.name === '__Host-zg_apps');
    expect(apps127.map((c) => [c.domain, c.secure, c.httpOnly, c.sameSite, c.path])).toEqual([['127.0.0.1', true, true, 'Lax', '/']]);
  });

  it('a script on an app\'s page cannot read the console\'s session nor make an admin change with the admin\'s cookies', async () => {
    const { page } = admin;
    admin.expect(404);
    await page.goto(`${apps}/a/orders/health`);
    const attempt = await page.evaluate(async (consoleOrigin) => {
      const read = async (url: string, init: RequestInit): Promise<string> => {
        try {
          const r = await fetch(url, init);
          return r.type === 'opaque' ? 'opaque' : `${r.status}:${await r.text()}`;
        } catch {
          return 'blocked';
        }
      };
      return {
        sameOrigin: await read('/console/api/session', { credentials: 'include' }),
        crossOrigin: await read(`${consoleOrigin}/console/api/session`, { credentials: 'include' }),
        noCors: await read(`${consoleOrigin}/console/api/session`, { credentials: 'include', mode: 'no-cors' }),
        publish: await read(`${consoleOrigin}/v1/admin/apps`, {
          method: 'POST',
          credentials: 'include',
          mode: 'no-cors',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ id: 'evil', upstream: 'http://127.0.0.1:9' }),
        }),
      };
    }, origin);
    // On the apps origin there is no console; the console's origin does not share its answers.
    expect(attempt.sameOrigin.startsWith('404:')).toBe(true);
    expect(attempt.sameOrigin).not.toContain('csrf');
    expect(attempt.crossOrigin).toBe('blocked');
    // Unreadable either way: blocked (the page's connect-src) or an opaque answer.
    expect(['blocked', 'opaque']).toContain(attempt.noCors);
    expect(['blocked', 'opaque']).toContain(attempt.publish);
    // The admin API saw no change (the SameSite=Strict console cookie stays home, and no CSRF token could be read).
    await admin.page.goto(`${origin}/console/`);
    const listed = await fetchFromPage(admin.page, 'GET', '/v1/helpdesk/apps');
    expect(listed.status).toBe(200);
    const ids = (listed.body.items as { id: string }[]).map((a) => a.id);
    expect(ids).toContain('orders');
    expect(ids).not.toContain('evil');
  });

  it('a replayed handoff code is refused and audited', async () => {
    const [used] = handoffs;
    expect(used).toBeDefined();
    const thief = await openPerson(browser);
    people.push(thief);
    thief.expect(401);
    const replay = (await thief.page.goto(used!)) as Response;
    expect(replay.status()).toBe(401);
    expect(replay.headers()['x-zerogate-error']).toBe('ZG_ERR_CONSOLE_LOGIN_FAILED');
    await thief.page.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
    expect((await thief.context.cookies(apps)).map((c) => c.name)).not.toContain('__Host-zg_apps');
    await waitFor(async () => (await stack.proxy.store.queryAudit({ type: 'login.fail', limit: 50 })).some((e) => e.detail?.check === 'replay'), 5_000, 'login.fail replay');
    // A forged code is refused as well.
    const forged = (await thief.page.goto(`${apps}/a/-/handoff?code=eyJhbGciOiJIUzI1NiJ9.e30.x&next=%2Fa%2Forders%2F`)) as Response;
    expect(forged.status()).toBe(401);
  });

  it('the apps origin has no console, API or IdP (404)', async () => {
    const { page } = eve;
    eve.expect(404);
    for (const path of ['/console/', '/console/api/session', '/v1/helpdesk/devices', '/idp/.well-known/openid-configuration']) {
      const response = (await page.goto(`${apps}${path}`)) as Response;
      expect(response.status(), path).toBe(404);
      expect(await response.text()).not.toContain('csrf');
    }
    // /a/ on the console's origin goes to the apps origin.
    const moved = (await page.goto(`${origin}/a/orders/users/7`)) as Response;
    expect(moved.url()).toBe(`${apps}/a/orders/users/7`);
    expect(moved.status()).toBe(200);
  });

  it('signing out of the console ends the apps session handed over from it, though its cookie is still in the browser', async () => {
    const { page, context } = eve;
    eve.expect(401);
    expect((await page.goto(`${apps}/a/orders/health`))?.status()).toBe(200);
    await page.goto(`${origin}/console/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitFor(async () => !(await context.cookies(origin)).some((c) => c.name === '__Host-zg_console'), 5_000, 'the console cookie to be cleared');
    // The apps origin's cookie is still there (another origin's cookie cannot be cleared), but it is refused.
    expect((await context.cookies(apps)).map((c) => c.name)).toContain('__Host-zg_apps');
    const after = (await page.goto(`${apps}/a/orders/health`)) as Response;
    expect(after.status()).toBe(401);
    await page.getByRole('heading', { name: 'Sign in to continue' }).waitFor();
    await screenshot(page, `${SHOT}-after-sign-out`);
    await waitFor(async () => (await auditOf('http.deny', 'orders')).some((e) => e.user === 'eve' && e.detail?.why === 'session-ended'), 5_000, 'http.deny session-ended');
    expectNoCsp(eve);
  });
});
