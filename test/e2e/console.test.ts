/**
 * The web console end to end (issue 5): a real proxy with its embedded IdP, Debian's chromium
 * driven by playwright-core, and real enrolled agents with real tunnels.
 *
 * - An admin signs in (password + TOTP typed into the /idp pages), writes a policy in the editor
 *   (the proxy validates it as they type: invalid, then valid), simulates it, publishes an app
 *   with it, and a device of an allowed user with compliant posture reaches the new app's echo
 *   upstream through its tunnel; the audit page names the admin.
 * - A helpdesk person finds the device whose disk encryption is off, sees the failing check, the
 *   disk-unencrypted reason and its remediation, and "Why blocked?" shows the agent's real denial
 *   with what to tell them.
 * - A helpdesk person gets no publish controls, and the API refuses their browser's publish call.
 * - An employee sees only their own device, with what to fix, and no staff page or route.
 *
 * One proxy and one browser for the file; each person has a browser context of their own, and
 * each test signs its own person in, so the tests do not depend on each other's order. Every
 * page is screenshotted to test-results/screenshots/console-e2e-*.png; no page may log a CSP
 * violation or an unexpected console error.
 */
import { readFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollWithToken } from '../../agent/core/enroll/index.ts';
import { AgentHome, type DeviceCredentials } from '../../agent/core/state/index.ts';
import { listenApp, type TunnelClient } from '../../agent/core/tunnel/index.ts';
import { createApiToken } from '../../proxy/api/index.ts';
import { createEnrollmentToken } from '../../proxy/devices/index.ts';
import type { PostureReport } from '../../shared/posture/index.ts';
import { REASONS } from '../../shared/reasons.ts';
import { echoCheck, startAgent, type RunningAgent } from '../helpers/agent.ts';
import { launchChromium, screenshot, spkiHash } from '../helpers/browser.ts';
import { configUsers, consoleUser } from '../helpers/console.ts';
import { fetchFromPage, openPerson, signInThroughConsole, type PersonPage } from '../helpers/console-browser.ts';
import { compliantReport, unencryptedReport } from '../helpers/posture.ts';
import { startEchoServer, startStack, waitFor, type CountingServer, type Stack } from '../helpers/stack.ts';

const ADA = consoleUser('ada', ['admin', 'engineering']);
const HAL = consoleUser('hal', ['helpdesk']);
const REX = consoleUser('rex', ['helpdesk']);
const EMP = consoleUser('emp', ['staff']);

const DISK = REASONS['disk-unencrypted'].remediation;
const SHOT = 'console-e2e';

interface Device {
  id: string;
  hostname: string;
  agent: RunningAgent;
}

let stack: Stack;
let origin: string;
let wikiEcho: CountingServer;
let crmEcho: CountingServer;
let browser: Browser;
const devices = new Map<string, Device>();
const people: PersonPage[] = [];

/** Enrols a device for `user` with the real agent code, under a readable hostname. */
async function enroll(user: string, hostname: string): Promise<DeviceCredentials> {
  const { token } = await createEnrollmentToken(stack.proxy.store, user, 60_000);
  const home = new AgentHome(join(stack.dir, `agent-${hostname}`));
  await enrollWithToken({ proxyUrl: stack.proxy.url, token, caFingerprint: stack.proxy.pki.caFingerprint, home, hostname });
  return home.loadCredentials();
}

/** A device with a live tunnel that has reported `report`, as the proxy now holds it. */
async function deviceOf(user: string, hostname: string, report: PostureReport): Promise<Device> {
  const creds = await enroll(user, hostname);
  const agent = await startAgent(creds, []);
  const id = creds.enrollment.deviceId;
  expect(agent.client.sendControl({ type: 'posture', report })).toBe(true);
  await waitFor(async () => (await stack.proxy.store.latestPosture(id))?.report.collectedAt === report.collectedAt, 10_000, `the posture report of ${hostname}`);
  return { id, hostname, agent };
}

/** Asks the tunnel for `app` on a throwaway socket pair; resolves with how the open ended. */
async function tryOpen(client: TunnelClient, app: string): Promise<'ok' | { code: string; reasons: readonly string[] }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const local = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  local.on('error', () => undefined);
  const inner = await accepted;
  server.close();
  inner.on('error', () => undefined);
  const result = await new Promise<'ok' | { code: string; reasons: readonly string[] }>((resolve) => {
    void client.open({ app }, inner, { onOpenOk: () => resolve('ok'), onOpenFail: (p) => resolve(p) }).catch(() => resolve({ code: 'tunnel-closed', reasons: [] }));
  });
  local.destroy();
  return result;
}

async function person(): Promise<PersonPage> {
  const opened = await openPerson(browser);
  people.push(opened);
  return opened;
}

/** No CSP violation anywhere the person went, and no console error the test did not provoke. */
function expectCleanPages(who: PersonPage): void {
  expect(who.problems.csp).toEqual([]);
  expect(who.problems.console).toEqual([]);
}

const device = (user: string): Device => devices.get(user)!;

beforeAll(async () => {
  wikiEcho = await startEchoServer();
  crmEcho = await startEchoServer();
  stack = await startStack({
    server: { listen: '127.0.0.1:0', hostnames: ['127.0.0.1', 'localhost'] },
    identity: { users: await configUsers([ADA, HAL, REX, EMP]) },
    apps: [{ id: 'wiki', name: 'Team wiki', upstream: `tcp://127.0.0.1:${wikiEcho.port}`, policy: 'managed' }],
    policies: { managed: { allow: [{ users: ['carol', 'dave', 'emp'] }], require: { posture: { maxAge: '5m', diskEncryption: true } } } },
  } as Parameters<typeof startStack>[0]);
  origin = stack.proxy.config.server.publicUrl;
  await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'ci-bot', ttlMs: 86_400_000 });
  const [carol, dave, emp] = await Promise.all([
    deviceOf('carol', 'carol-laptop', compliantReport()),
    deviceOf('dave', 'dave-laptop', unencryptedReport()),
    deviceOf('emp', 'emp-laptop', unencryptedReport()),
  ]);
  devices.set('carol', carol).set('dave', dave).set('emp', emp);
  browser = await launchChromium([spkiHash(readFileSync(join(stack.proxy.config.dataDir, 'server.pem'), 'utf8'))]);
}, 60_000);

afterAll(async () => {
  await Promise.all(people.map((p) => p.close().catch(() => undefined)));
  await browser?.close();
  await Promise.all([...devices.values()].map((d) => d.agent.stop()));
  await stack?.close();
  await wikiEcho?.close();
  await crmEcho?.close();
});

describe('web console in a real browser', () => {
  it('an admin writes a policy, simulates it, publishes an app with it, and an agent reaches the app', async () => {
    const admin = await person();
    const { page } = admin;
    admin.expect(400); // the policy the admin types wrong on purpose
    await signInThroughConsole(page, origin, ADA, '/console/policies/new', `${SHOT}-admin`);
    expect(await page.getByTestId('user').innerText()).toBe('User ada');
    expect(await page.getByTestId('role').innerText()).toBe('admin');

    // The policy editor: the proxy checks the text as it changes.
    await page.getByLabel('Policy name').fill('carol-managed');
    const editor = page.getByLabel('Policy (JSON)');
    const validation = page.getByTestId('policy-validation');
    await editor.fill(JSON.stringify({ allow: [{ users: ['carol'] }], require: { posture: { maxAge: '5m', diskEncryption: 'yes' } } }, null, 2));
    await validation.and(page.locator('[data-state="invalid"]')).waitFor();
    const problem = validation.locator('li[data-path]').first();
    expect(await problem.getAttribute('data-path')).toBe('policy.require.posture.diskEncryption');
    expect(await page.getByRole('button', { name: 'Save policy' }).isDisabled()).toBe(true);
    await screenshot(page, `${SHOT}-admin-policy-editor-invalid`);
    await editor.fill(JSON.stringify({ allow: [{ users: ['carol'] }], require: { posture: { maxAge: '5m', diskEncryption: true } } }, null, 2));
    await validation.and(page.locator('[data-state="valid"]')).waitFor();
    expect(await validation.innerText()).toContain('Valid policy');
    await screenshot(page, `${SHOT}-admin-policy-editor-valid`);

    // Simulate the candidate policy for carol's real device (its latest posture is used).
    const simulate = page.getByTestId('simulate-panel');
    await simulate.getByLabel('App', { exact: true }).selectOption('wiki');
    await simulate.getByLabel('User', { exact: true }).fill('carol');
    await simulate.getByLabel('Device id (optional)').fill(device('carol').id);
    await simulate.getByRole('button', { name: 'Simulate' }).click();
    const result = page.getByTestId('simulate-result');
    await result.waitFor();
    expect(await result.getAttribute('data-allowed')).toBe('true');
    expect(await result.innerText()).toMatch(/allowed by policy candidate/);
    await screenshot(page, `${SHOT}-admin-policy-simulation-allowed`);
    // The same candidate for dave's unencrypted laptop: denied, with what to tell him.
    await simulate.getByLabel('User', { exact: true }).fill('dave');
    await simulate.getByLabel('Device id (optional)').fill(device('dave').id);
    await simulate.getByRole('button', { name: 'Simulate' }).click();
    await page.locator('[data-testid="simulate-result"][data-allowed="false"]').waitFor();
    expect(await result.innerText()).toContain('user-not-allowed');
    expect(await result.innerText()).toContain('disk-unencrypted');
    expect(await result.getByTestId('remediation').innerText()).toContain(DISK);
    await screenshot(page, `${SHOT}-admin-policy-simulation-denied`);

    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.waitForURL(`${origin}/console/policies/carol-managed`);
    await page.getByRole('heading', { name: 'Policy carol-managed' }).waitFor();

    // Publish an app guarded by the new policy, on an ordinary loopback upstream (not the proxy's own port).
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Apps' }).click();
    const form = page.getByTestId('app-form');
    // The form's policy list is loaded on its own: wait for the new policy to be offered.
    await form.getByLabel('Policy', { exact: true }).locator('option', { hasText: /^carol-managed$/ }).waitFor({ state: 'attached' });
    await form.getByLabel('App id', { exact: true }).fill('crm');
    await form.getByLabel('Name', { exact: true }).fill('CRM');
    await form.getByLabel('Upstream', { exact: true }).fill(`tcp://127.0.0.1:${crmEcho.port}`);
    await form.getByLabel('Policy', { exact: true }).selectOption('carol-managed');
    await form.getByLabel('Reason (optional, recorded in the audit trail)').fill('e2e: CRM for carol');
    await screenshot(page, `${SHOT}-admin-apps-publish-form`);
    await form.getByRole('button', { name: 'Publish app' }).click();
    await page.getByTestId('notice').filter({ hasText: 'Published crm.' }).waitFor();
    const row = page.locator('[data-testid="apps-table"] tr[data-app="crm"]');
    await row.waitFor();
    expect(await row.innerText()).toContain('carol-managed');
    expect(await row.innerText()).toContain('by user:ada');
    await screenshot(page, `${SHOT}-admin-apps`);

    // carol's agent reaches the new app: bytes round-trip through the tunnel to its upstream.
    const before = crmEcho.connections;
    const listener = await listenApp(device('carol').agent.client, 'crm', { host: '127.0.0.1', port: 0 });
    try {
      expect(await echoCheck(listener.address.port, 64 * 1024)).toBe(true);
    } finally {
      await listener.close();
    }
    expect(crmEcho.connections).toBe(before + 1);
    // dave is not admitted by the new policy.
    expect(await tryOpen(device('dave').agent.client, 'crm')).toMatchObject({ reasons: expect.arrayContaining(['user-not-allowed']) });

    // The audit page names the admin for both changes.
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Type', { exact: true }).fill('admin.change');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/console\/audit\?type=admin\.change$/);
    const publish = page.locator('[data-testid="audit-table"] tbody tr').filter({ hasText: '"action":"app.publish"' });
    await publish.waitFor();
    expect(await publish.innerText()).toContain('"by":"user:ada"');
    expect(await publish.innerText()).toContain('"reason":"e2e: CRM for carol"');
    const created = page.locator('[data-testid="audit-table"] tbody tr').filter({ hasText: '"action":"policy.create"' });
    expect(await created.innerText()).toContain('"by":"user:ada"');
    await screenshot(page, `${SHOT}-admin-audit`);

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Sessions' }).click();
    const sessions = page.getByTestId('sessions-table');
    await sessions.locator('tbody tr').filter({ hasText: 'carol-laptop' }).waitFor();
    expect(await sessions.innerText()).toContain('dave-laptop');
    await screenshot(page, `${SHOT}-admin-sessions`);

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'API tokens' }).click();
    await page.getByTestId('tokens-table').locator('tbody tr').filter({ hasText: 'ci-bot' }).waitFor();
    await page.getByTestId('token-form').waitFor();
    await screenshot(page, `${SHOT}-admin-tokens`);
    expectCleanPages(admin);
  }, 60_000);

  it('a helpdesk person finds the device whose disk encryption is off, with the reason, its remediation and the denial', async () => {
    const dave = device('dave');
    // The denial is real: dave's agent asks for the wiki and the proxy refuses it.
    expect(await tryOpen(dave.agent.client, 'wiki')).toMatchObject({ code: 'ZG_ERR_POLICY_DENIED', reasons: ['disk-unencrypted'] });
    await stack.proxy.audit.flush();

    const helpdesk = await person();
    const { page } = helpdesk;
    await signInThroughConsole(page, origin, HAL, '/console/devices', `${SHOT}-helpdesk`);
    expect(await page.getByTestId('role').innerText()).toBe('helpdesk');
    await page.getByLabel('User', { exact: true }).fill('dave');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/console\/devices\?user=dave$/);
    const rows = page.locator('[data-testid="devices-table"] tbody tr[data-device]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-device')).toBe(dave.id);
    await screenshot(page, `${SHOT}-helpdesk-devices`);

    await page.getByRole('link', { name: 'dave-laptop' }).click();
    await page.waitForURL(`${origin}/console/devices/${dave.id}`);
    const disk = page.locator('[data-testid="checklist"] tr[data-check="diskEncryption"]');
    await disk.waitFor();
    expect(await disk.getAttribute('data-status')).toBe('fail');
    expect(await disk.innerText()).toContain('root is not on a crypt device');
    expect(await page.locator('[data-testid="checklist"] tr[data-check="firewall"]').getAttribute('data-status')).toBe('pass');
    const wiki = page.locator('[data-testid="verdicts"] tr[data-app="wiki"]');
    expect(await wiki.getAttribute('data-allowed')).toBe('false');
    expect(await wiki.innerText()).toContain('disk-unencrypted');
    expect(await wiki.innerText()).toContain(DISK);
    const denial = page.getByTestId('decisions').locator('li').filter({ hasText: 'Denied access to wiki' }).first();
    expect(await denial.innerText()).toContain('disk-unencrypted');
    expect(await denial.getByTestId('remediation').innerText()).toMatch(/^Tell them:/);
    await page.getByTestId('posture-history').waitFor();
    expect(await page.getByTestId('session').innerText()).toContain('dave');
    expect(await page.getByRole('button', { name: 'Revoke device' }).count()).toBe(0);
    await screenshot(page, `${SHOT}-helpdesk-device-detail`);

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Why blocked?' }).click();
    await page.getByLabel('User', { exact: true }).fill('dave');
    await page.getByRole('button', { name: 'Look up' }).click();
    const report = page.getByTestId('why-blocked-report');
    const failing = report.locator('li[data-check="diskEncryption"][data-status="fail"]');
    await failing.waitFor();
    expect(await failing.innerText()).toContain('root is not on a crypt device');
    expect(await report.locator('li[data-check]').count()).toBe(1);
    const denials = report.getByTestId('decisions').locator('li').filter({ hasText: 'Denied access to wiki' });
    await denials.first().waitFor();
    expect(await denials.first().innerText()).toContain('ZG_ERR_POLICY_DENIED');
    // What to read out, for the blocked app and for the denial.
    const blocked = report.locator(`article[data-device="${dave.id}"] li[data-app="wiki"]`);
    expect(await blocked.innerText()).toContain('disk-unencrypted');
    for (const tellThem of [blocked.getByTestId('remediation'), denials.first().getByTestId('remediation')]) {
      const text = await tellThem.innerText();
      expect(text).toMatch(/^Tell them:/);
      expect(text).toContain(DISK);
    }
    await screenshot(page, `${SHOT}-helpdesk-why-blocked`);
    expectCleanPages(helpdesk);
  }, 60_000);

  it('a helpdesk person has no publish controls, and the API refuses a publish from their browser with 403', async () => {
    const helpdesk = await person();
    const { page } = helpdesk;
    helpdesk.expect(403);
    await signInThroughConsole(page, origin, REX, '/console/apps', `${SHOT}-helpdesk-2`);
    await page.locator('[data-testid="apps-table"] tr[data-app="wiki"]').waitFor();
    expect(await page.getByTestId('app-form').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Publish app' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Edit|Unpublish)/ }).count()).toBe(0);
    const nav = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allInnerTexts();
    expect(nav).not.toContain('Audit');
    expect(nav).not.toContain('API tokens');
    await screenshot(page, `${SHOT}-helpdesk-apps`);

    // The cookie and the right CSRF header: the refusal is the role check, not CSRF.
    const refused = await fetchFromPage(page, 'POST', '/v1/admin/apps', { id: 'sneaky', upstream: `tcp://127.0.0.1:${wikiEcho.port}`, allowRestrictedUpstream: true });
    expect(refused).toMatchObject({ status: 403, body: { statusCode: 403, code: 'ZG_ERR_API_FORBIDDEN' } });
    const apps = await fetchFromPage(page, 'GET', '/v1/helpdesk/apps');
    expect(apps.status).toBe(200);
    expect((apps.body.items as { id: string }[]).map((a) => a.id)).not.toContain('sneaky');
    expect(stack.proxy.built.catalog.current().apps.has('sneaky')).toBe(false);
    expectCleanPages(helpdesk);
  }, 60_000);

  it('an employee sees only their own device with what to fix, and no staff page or route', async () => {
    const employee = await person();
    const { page } = employee;
    employee.expect(403);
    await signInThroughConsole(page, origin, EMP, '/console/my-devices', `${SHOT}-employee`);
    expect(await page.getByTestId('role').innerText()).toBe('employee');
    expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allInnerTexts()).toEqual(['My devices']);
    const own = page.locator(`article[data-device="${device('emp').id}"]`);
    await own.waitFor();
    expect(await page.locator('article[data-device]').count()).toBe(1);
    for (const other of ['carol', 'dave']) expect(await page.locator(`article[data-device="${device(other).id}"]`).count()).toBe(0);
    expect(await own.getByTestId('to-fix').innerText()).toContain(DISK);
    expect(await own.locator('[data-testid="checklist"] tr[data-check="diskEncryption"]').getAttribute('data-status')).toBe('fail');
    expect(await own.locator('[data-testid="verdicts"] tr[data-app="wiki"]').getAttribute('data-allowed')).toBe('false');
    await screenshot(page, `${SHOT}-employee-my-devices`);
    const mine = await fetchFromPage(page, 'GET', '/v1/me/devices');
    expect((mine.body.items as { device: { id: string } }[]).map((d) => d.device.id)).toEqual([device('emp').id]);

    await page.goto(`${origin}/console/devices`);
    await page.getByTestId('forbidden').waitFor();
    await screenshot(page, `${SHOT}-employee-forbidden`);
    expect(await fetchFromPage(page, 'GET', '/v1/helpdesk/devices')).toMatchObject({ status: 403, body: { code: 'ZG_ERR_API_FORBIDDEN' } });
    expectCleanPages(employee);
  }, 60_000);

  it('would notice a CSP violation on a console page (the watcher itself works)', async () => {
    const visitor = await person();
    await visitor.page.goto(`${origin}/console/`);
    await visitor.page.getByRole('heading', { name: 'Sign in to Zerogate' }).waitFor();
    expect(visitor.problems.csp).toEqual([]);
    await visitor.page.evaluate(`document.head.appendChild(Object.assign(document.createElement('style'), { textContent: 'body { color: red }' }))`);
    await expect.poll(() => visitor.problems.csp.length).toBeGreaterThan(0);
    expect(visitor.problems.csp.some((v) => v.includes('style-src'))).toBe(true);
  });
});
