/**
 * A development smoke test of the web console bundle (issue 5): builds it, serves it from a
 * stand-in for the proxy's console routes with canned API answers (test/helpers/console-canned.ts)
 * under the console's strict CSP, and drives it with Debian's chromium: the signed-out page, the
 * admin's apps page and publish form, the helpdesk's read-only apps page, a device's checklist
 * with a failing disk check and what to tell the user, the policy editor's validation, and sign
 * out. Every page must load with no CSP violation and no console error. The real end-to-end
 * tests run the console against a real proxy and IdP.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.ts';
import { launchChromium, screenshot } from '../helpers/browser.ts';
import { CSRF, startCannedConsole, type CannedConsole } from '../helpers/console-canned.ts';
import { tempDir } from '../helpers/stack.ts';

interface Problems {
  console: string[];
  csp: string[];
}

/**
 * A page that records console errors, uncaught exceptions and CSP violations. Chromium logs every
 * non-2xx fetch as a console error ("Failed to load resource"): `expectedStatuses` lists the
 * answers a test provokes on purpose (the signed-out session check is a 401, a duplicate app a
 * 409, an invalid policy a 400).
 */
async function watchedPage(browser: Browser, width: number, problems: Problems, expectedStatuses: number[] = []): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (expectedStatuses.some((s) => text.includes(`status of ${s}`))) return;
    problems.console.push(text);
  });
  page.on('pageerror', (error) => problems.console.push(`uncaught: ${error.message}`));
  // Injected by the browser itself (not a page script), so the CSP does not block it.
  // Injected by the browser itself (not a page script), so the CSP does not block it. A string:
  // the test code is type-checked for Node, without the DOM's types.
  await page.addInitScript({
    content: `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  return page;
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__csp ?? []');
}

describe('web console bundle (canned API)', () => {
  let dist: string;
  let canned: CannedConsole;
  let browser: Browser;
  const problems: Problems = { console: [], csp: [] };

  beforeAll(async () => {
    dist = tempDir();
    const built = await buildConsole({ outDir: dist });
    expect(built.js).toMatch(/^app-[A-Z0-9]+\.js$/);
    canned = await startCannedConsole(dist, undefined);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await canned?.close();
    if (dist !== undefined) rmSync(dist, { recursive: true, force: true });
  });

  it('builds a page with no inline script or style', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    expect(html).toMatch(/<script type="module" src="\/console\/assets\/app-[A-Z0-9]+\.js"><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/console\/assets\/app-[A-Z0-9]+\.css">/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('shows the sign-in page to a visitor without a session, returning to the page they asked for', async () => {
    canned.role = undefined;
    const page = await watchedPage(browser, 1280, problems, [401]);
    await page.goto(`${canned.url}/console/devices/dev-0123abcd`);
    await page.getByRole('heading', { name: 'Sign in to Zerogate' }).waitFor();
    const link = page.getByRole('link', { name: 'Sign in' });
    expect(await link.getAttribute('href')).toBe('/console/login?next=%2Fconsole%2Fdevices%2Fdev-0123abcd');
    await screenshot(page, 'console-smoke-1-signed-out');
    problems.csp.push(...(await cspViolations(page)));
    await page.close();
  });

  it('shows an admin the apps with the publish form, and publishes an app with the CSRF header', async () => {
    canned.role = 'admin';
    const page = await watchedPage(browser, 1280, problems, [409]);
    await page.goto(`${canned.url}/console/`);
    await page.waitForURL(/\/console\/apps$/);
    await page.getByRole('heading', { name: 'Apps', level: 1 }).waitFor();
    expect(await page.getByTestId('user').innerText()).toBe('Ada admin');
    expect(await page.getByTestId('role').innerText()).toBe('admin');
    const rows = page.getByTestId('apps-table').locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('tr[data-app="wiki"]').innerText()).toContain('http://wiki.internal:8080');
    await page.getByRole('button', { name: 'Edit db' }).waitFor();
    expect(await page.locator('tr[data-app="wiki"]').getByRole('button').allInnerTexts()).toEqual(['Edit', 'Unpublish']);

    await page.getByLabel('App id', { exact: true }).fill('grafana');
    await page.getByLabel('Name', { exact: true }).fill('Grafana');
    await page.getByLabel('Upstream', { exact: true }).fill('http://grafana.internal:3000');
    await page.getByLabel('Policy', { exact: true }).selectOption('engineering');
    await page.getByLabel('Users', { exact: true }).fill('bob@example.com, carol@example.com');
    await screenshot(page, 'console-smoke-2-admin-apps');
    await page.getByRole('button', { name: 'Publish app' }).click();
    await page.getByTestId('notice').filter({ hasText: 'Published grafana.' }).waitFor();
    await page.locator('tr[data-app="grafana"]').waitFor();
    const publish = canned.requests.find((r) => r.method === 'POST' && r.url === '/v1/admin/apps');
    expect(publish?.csrf).toBe(CSRF);
    expect(publish?.body).toEqual({ id: 'grafana', name: 'Grafana', upstream: 'http://grafana.internal:3000', policy: 'engineering', users: ['bob@example.com', 'carol@example.com'], allowRestrictedUpstream: false });

    // A conflict is shown with its code.
    await page.getByLabel('App id', { exact: true }).fill('wiki');
    await page.getByLabel('Upstream', { exact: true }).fill('http://x.internal');
    await page.getByRole('button', { name: 'Publish app' }).click();
    await page.getByTestId('error-code').filter({ hasText: 'ZG_ERR_API_CONFLICT' }).waitFor();

    await page.setViewportSize({ width: 800, height: 900 });
    await screenshot(page, 'console-smoke-3-admin-apps-800');
    problems.csp.push(...(await cspViolations(page)));
    await page.close();
  });

  it('shows the helpdesk the apps without any publish, edit or unpublish control', async () => {
    canned.role = 'helpdesk';
    const page = await watchedPage(browser, 1280, problems);
    await page.goto(`${canned.url}/console/apps`);
    await page.getByTestId('apps-table').waitFor();
    expect(await page.getByTestId('role').innerText()).toBe('helpdesk');
    expect(await page.getByRole('button', { name: 'Publish app' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^(Edit|Unpublish)/ }).count()).toBe(0);
    expect(await page.getByTestId('app-form').count()).toBe(0);
    const nav = await page.getByRole('navigation', { name: 'Console' }).innerText();
    expect(nav).toContain('Why blocked?');
    expect(nav).not.toContain('Audit');
    expect(nav).not.toContain('API tokens');
    await screenshot(page, 'console-smoke-4-helpdesk-apps');
    problems.csp.push(...(await cspViolations(page)));
    await page.close();
  });

  it("shows a device's checklist with the failing disk check and what to tell the user", async () => {
    canned.role = 'helpdesk';
    const page = await watchedPage(browser, 1280, problems);
    await page.goto(`${canned.url}/console/devices`);
    await page.getByRole('link', { name: 'alice-laptop' }).click();
    await page.waitForURL(/\/console\/devices\/dev-0123abcd$/);
    const disk = page.locator('[data-testid="checklist"] tr[data-check="diskEncryption"]');
    await disk.waitFor();
    expect(await disk.getAttribute('data-status')).toBe('fail');
    expect(await disk.innerText()).toMatch(/Disk encryption\s+✗ fail\s+\/: not encrypted/);
    expect(await page.locator('tr[data-check="edr"]').getAttribute('data-status')).toBe('unknown');
    const wiki = page.locator('[data-testid="verdicts"] tr[data-app="wiki"]');
    expect(await wiki.getAttribute('data-allowed')).toBe('false');
    expect(await wiki.innerText()).toContain('Turn on disk encryption');
    expect(await page.getByTestId('decisions').innerText()).toContain('Tell them:');
    // Revoking is for admins only.
    expect(await page.getByRole('button', { name: 'Revoke device' }).count()).toBe(0);
    await screenshot(page, 'console-smoke-5-device');
    await page.setViewportSize({ width: 800, height: 900 });
    await screenshot(page, 'console-smoke-6-device-800');
    problems.csp.push(...(await cspViolations(page)));
    await page.close();
  });

  it('validates a policy as the admin types, showing the path of each problem', async () => {
    canned.role = 'admin';
    const page = await watchedPage(browser, 1280, problems, [400]);
    await page.goto(`${canned.url}/console/policies/engineering`);
    const editor = page.getByLabel('Policy (JSON)');
    await page.getByTestId('policy-validation').and(page.locator('[data-state="valid"]')).waitFor();
    await editor.fill('{"require": {"mfa": "yes"}}');
    await page.locator('[data-testid="policy-validation"] li[data-path="policy.require.mfa"]').waitFor();
    expect(await page.getByRole('button', { name: 'Save policy' }).isDisabled()).toBe(true);
    await editor.fill('{"require": ');
    await page.getByTestId('policy-validation').filter({ hasText: 'not valid JSON' }).waitFor();
    await page.getByRole('button', { name: 'Simulate' }).waitFor();
    await screenshot(page, 'console-smoke-7-policy-editor');
    problems.csp.push(...(await cspViolations(page)));
    await page.close();
  });

  it('shows an employee only their devices, with what to fix', async () => {
    canned.role = 'employee';
    const page = await watchedPage(browser, 800, problems);
    await page.goto(`${canned.url}/console/`);
    await page.waitForURL(/\/console\/my-devices$/);
    await page.getByTestId('to-fix').filter({ hasText: 'Turn on disk encryption' }).waitFor();
    expect(await page.locator('tr[data-check="diskEncryption"]').getAttribute('data-status')).toBe('fail');
    expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allInnerTexts()).toEqual(['My devices']);
    await screenshot(page, 'console-smoke-8-my-devices-800');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Zerogate' }).waitFor();
    expect(canned.requests.find((r) => r.method === 'POST' && r.url === '/console/logout')?.csrf).toBe(CSRF);
    problems.csp.push(...(await cspViolations(page)));
    await page.close();
  });

  it('would notice a CSP violation (the watcher itself works)', async () => {
    const own: Problems = { console: [], csp: [] };
    const page = await watchedPage(browser, 800, own);
    await page.goto(`${canned.url}/console/`);
    await page.evaluate(`document.head.appendChild(Object.assign(document.createElement('style'), { textContent: 'body { color: red }' }))`);
    await expect.poll(() => cspViolations(page)).toEqual([expect.stringMatching(/^style-src/)]);
    await page.close();
  });

  it('reported no CSP violation and no console error', () => {
    expect(problems.csp).toEqual([]);
    expect(problems.console).toEqual([]);
  });
});
