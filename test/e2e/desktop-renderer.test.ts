/**
 * The desktop window (agent/desktop/renderer) in Debian's chromium, loaded from file:// as
 * Electron's loadFile does, under its own CSP, against a fake `window.zerogate` bridge that
 * replays states recorded from the real agent core (test/fixtures/desktop/*.json, written by
 * agent/desktop/main/desktop-app.test.ts against a real proxy): signed out, signing in,
 * connected with apps, blocked by a failing posture check with its remediation, session about to
 * end, no keyring, and two proxy addresses after a failover to the second. Screenshots go to test-results/screenshots/desktop-*.png. No page may
 * log an error or violate its CSP.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesktopState } from '../../agent/desktop/contract/index.ts';
import { RENDERER_CSP } from '../../agent/desktop/main/window-security.ts';
import { buildDesktop } from '../../scripts/build-desktop.ts';
import { launchChromium, screenshot } from '../helpers/browser.ts';
import { tempDir } from '../helpers/stack.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/desktop');
const fixture = (name: string): DesktopState => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as DesktopState;

interface Problems {
  console: string[];
  csp: string[];
}

/**
 * The preload's API as a page script: answers with the recorded state, records each call in
 * `window.__calls`, and lets the test push a new state with `window.__emit(state)`. Injected by
 * the browser (addInitScript), so the page's CSP does not apply to it, as for a preload.
 */
function fakeBridge(state: DesktopState): string {
  return `
    (() => {
      let state = ${JSON.stringify(state)};
      const listeners = new Set();
      window.__calls = [];
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
      window.__emit = (next) => { state = next; listeners.forEach((l) => l(next)); };
      const answer = (name) => (...args) => { window.__calls.push([name, ...args]); return Promise.resolve({ ok: true, state }); };
      window.zerogate = Object.freeze({
        getState: answer('getState'), signIn: answer('signIn'), cancelSignIn: answer('cancelSignIn'), signOut: answer('signOut'),
        connect: answer('connect'), disconnect: answer('disconnect'), setStartAtLogin: answer('setStartAtLogin'),
        onState: (listener) => { listeners.add(listener); return () => listeners.delete(listener); },
      });
    })();`;
}

describe('desktop window (renderer) against a fake bridge replaying core states', () => {
  let dist: string;
  let pageUrl: string;
  let browser: Browser;
  const problems: Problems = { console: [], csp: [] };

  beforeAll(async () => {
    dist = tempDir('zg-desktop-dist-');
    await buildDesktop({ outDir: dist });
    pageUrl = pathToFileURL(join(dist, 'renderer', 'index.html')).href;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dist !== undefined) rmSync(dist, { recursive: true, force: true });
    expect(problems).toEqual({ console: [], csp: [] });
  });

  async function open(state: DesktopState, width = 720): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 760 } });
    page.on('console', (message) => message.type() === 'error' && problems.console.push(message.text()));
    page.on('pageerror', (error) => problems.console.push(`uncaught: ${error.message}`));
    await page.addInitScript({ content: fakeBridge(state) });
    await page.goto(pageUrl);
    await page.getByTestId('status').waitFor();
    return page;
  }

  async function done(page: Page): Promise<void> {
    problems.csp.push(...(await page.evaluate<string[]>('window.__csp')));
    await page.close();
  }

  const calls = (page: Page) => page.evaluate<unknown[][]>('window.__calls');

  it('builds a page with a strict CSP and no inline script or style', () => {
    const html = readFileSync(join(dist, 'renderer', 'index.html'), 'utf8');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${RENDERER_CSP}">`);
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('signed out: asks for the proxy and its CA fingerprint on first sign-in, and starts the browser sign-in', async () => {
    const page = await open(fixture('signed-out'));
    await page.getByRole('heading', { name: 'Sign in to Zerogate' }).waitFor();
    expect(await page.getByTestId('status').innerText()).toBe('Signed out');
    expect(await page.getByTestId('checklist').locator('li').count()).toBe(6);
    await page.getByLabel('Proxy address', { exact: true }).fill('https://access.example.com:8443');
    await page.getByLabel('CA fingerprint (SHA-256)').fill('AB'.repeat(32));
    await screenshot(page, 'desktop-1-signed-out');
    await page.getByRole('button', { name: 'Sign in with your browser' }).click();
    await expect.poll(() => calls(page)).toContainEqual(['signIn', { proxyUrls: ['https://access.example.com:8443'], caFingerprint: 'AB'.repeat(32) }]);
    await done(page);
  });

  it('signed out: takes several proxy addresses, with "Add another address" or commas, from the keyboard', async () => {
    const page = await open(fixture('signed-out'));
    await page.getByLabel('Proxy address', { exact: true }).fill('https://zg1.example.com:8443');
    await page.getByRole('button', { name: 'Add another address' }).click();
    // The new field has the focus: typing goes on there.
    await page.keyboard.type('https://zg2.example.com:8443, https://zg3.example.com:8443');
    expect(await page.getByLabel('Proxy address 2', { exact: true }).inputValue()).toBe('https://zg2.example.com:8443, https://zg3.example.com:8443');
    await page.getByRole('button', { name: 'Add another address' }).click();
    await page.getByLabel('Proxy address 3', { exact: true }).fill('https://mistake.example.com');
    await page.getByRole('button', { name: 'Remove proxy address 3' }).click();
    expect(await page.getByTestId('proxy-fields').locator('input').count()).toBe(2);
    await page.getByLabel('CA fingerprint (SHA-256)').fill('AB'.repeat(32));
    await screenshot(page, 'desktop-1b-signed-out-two-addresses');
    await page.getByRole('button', { name: 'Sign in with your browser' }).click();
    // The preload splits the commas and checks each address (bridge.test.ts); the page sends the fields.
    await expect.poll(() => calls(page)).toContainEqual(['signIn', { proxyUrls: ['https://zg1.example.com:8443', 'https://zg2.example.com:8443, https://zg3.example.com:8443'], caFingerprint: 'AB'.repeat(32) }]);
    await done(page);
  });

  it('signing in: tells the user to continue in the browser, and can cancel', async () => {
    const page = await open(fixture('signing-in'));
    await page.getByRole('heading', { name: 'Continue in your browser' }).waitFor();
    expect(await page.getByTestId('status').innerText()).toBe('Signing in');
    await screenshot(page, 'desktop-2-signing-in');
    await page.getByRole('button', { name: 'Cancel sign-in' }).click();
    await expect.poll(() => calls(page)).toContainEqual(['cancelSignIn']);
    await done(page);
  });

  it('connected: the apps with their local addresses and connect/disconnect buttons', async () => {
    const state = fixture('connected');
    const page = await open(state);
    await page.getByRole('heading', { name: 'Your apps' }).waitFor();
    expect(await page.getByTestId('status').innerText()).toBe('Connected');
    expect(await page.getByTestId('user').innerText()).toBe(state.user);
    const chat = state.apps.find((a) => a.id === 'chat')!;
    expect(await page.locator('li[data-app="chat"]').getByTestId('app-address').innerText()).toBe(chat.connection.address);
    expect(chat.connection.address).toMatch(/^127\.0\.0\.1:\d+$/);
    await page.getByRole('button', { name: 'Disconnect Chat' }).waitFor();
    // One proxy address, in use.
    const proxies = page.getByTestId('proxy');
    expect(await proxies.count()).toBe(1);
    expect(await proxies.first().innerText()).toMatch(new RegExp(`^${state.proxy!.replace(/[.]/g, '\\.')}\\s+In use since \\d{1,2}:\\d{2}`));
    await screenshot(page, 'desktop-3-connected');
    // Disconnect, and the new state (Chat off) shows a Connect button.
    await page.getByRole('button', { name: 'Disconnect Chat' }).click();
    await expect.poll(() => calls(page)).toContainEqual(['disconnect', 'chat']);
    const off = structuredClone(state);
    off.apps.find((a) => a.id === 'chat')!.connection = { state: 'off' };
    await page.evaluate(`window.__emit(${JSON.stringify(off)})`);
    await page.getByRole('button', { name: 'Connect Chat' }).click();
    await expect.poll(() => calls(page)).toContainEqual(['connect', 'chat']);
    await done(page);
  });

  it('blocked: says which app, the failing disk check and what to do, by text and icon', async () => {
    const page = await open(fixture('blocked'));
    await page.getByTestId('blocked').waitFor();
    expect(await page.getByTestId('status').innerText()).toBe('Blocked');
    expect(await page.getByTestId('blocked').innerText()).toContain('Team wiki');
    const wiki = page.locator('li[data-app="wiki"]');
    expect(await wiki.getByTestId('app-access').innerText()).toBe('Blocked');
    expect(await wiki.innerText()).toContain('Turn on disk encryption');
    // Its listener stays up (new connections are refused with the reason) until the user disconnects.
    expect(await page.getByRole('button', { name: 'Disconnect Team wiki', exact: true }).count()).toBe(1);
    const off = fixture('blocked');
    off.apps.find((a) => a.id === 'wiki')!.connection = { state: 'off' };
    await page.evaluate(`window.__emit(${JSON.stringify(off)})`);
    expect(await page.getByRole('button', { name: 'Connect Team wiki', exact: true }).isDisabled()).toBe(true);
    const disk = page.locator('li[data-check="diskEncryption"]');
    expect(await disk.innerText()).toContain('Needs attention');
    expect(await disk.getByTestId('remediation').innerText()).toMatch(/^What to do: Your disk is not encrypted\. Turn on disk encryption/);
    // Status is also in words for screen readers, not colour alone.
    expect(await disk.locator('.visually-hidden').innerText()).toContain('Needs attention');
    await screenshot(page, 'desktop-4-blocked');
    await done(page);
  });

  it('session about to end: prompts to sign in again', async () => {
    const page = await open(fixture('session-expiring'));
    const banner = page.getByTestId('session-expiring');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/Your session ends at \d{1,2}:\d{2}/);
    await screenshot(page, 'desktop-5-session-expiring');
    await page.getByRole('button', { name: 'Sign in again' }).click();
    await expect.poll(() => calls(page)).toContainEqual(['signIn']);
    await done(page);
  });

  it('two proxy addresses: lists both, marks the node in use in words, and follows a failover', async () => {
    const state = fixture('failover');
    const [first, second] = state.proxies!;
    expect(state.endpoint?.origin).toBe(second);
    const page = await open(state);
    await page.getByRole('heading', { name: 'Your apps' }).waitFor();
    const items = page.getByTestId('proxy');
    expect(await items.allInnerTexts()).toEqual([first, expect.stringMatching(new RegExp(`^${second!.replace(/[.]/g, '\\.')}\\s+In use since \\d{1,2}:\\d{2}`))]);
    expect(await page.getByTestId('proxies').innerText()).toMatch(/^Proxy addresses\n/);
    expect(await items.nth(1).getAttribute('aria-current')).toBe('true');
    expect(await items.nth(0).getAttribute('aria-current')).toBeNull();
    await screenshot(page, 'desktop-7-failover');
    // Reconnecting: no node in use, and the page says so.
    const reconnecting = structuredClone(state);
    reconnecting.phase = 'connecting';
    reconnecting.tunnel = 'disconnected';
    delete reconnecting.endpoint;
    await page.evaluate(`window.__emit(${JSON.stringify(reconnecting)})`);
    await page.getByRole('heading', { name: 'Reconnecting to Zerogate…' }).waitFor();
    expect(await page.getByTestId('proxies').innerText()).toContain('Proxy addresses (not connected right now)');
    expect(await page.getByTestId('proxy-in-use').count()).toBe(0);
    // Back on the first node: the mark moves.
    const back = structuredClone(state);
    back.endpoint = { ...state.endpoint!, origin: first!, label: first! };
    await page.evaluate(`window.__emit(${JSON.stringify(back)})`);
    await expect.poll(() => items.nth(0).getAttribute('data-in-use')).toBe('true');
    expect(await items.nth(1).getAttribute('data-in-use')).toBe('false');
    await done(page);
  });

  it("a sign-in's notes (an address that cannot be reached now) are shown as information, not as an error", async () => {
    const state = fixture('failover');
    const note = `${state.proxies![1]} cannot be reached now; it is kept as a proxy address and used when it answers`;
    const page = await open({ ...state, notes: [note] });
    const notes = page.getByTestId('notes');
    await notes.waitFor();
    expect(await notes.getAttribute('role')).toBe('status');
    expect(await notes.innerText()).toBe(note);
    expect(await page.getByTestId('problem').count()).toBe(0);
    await screenshot(page, 'desktop-8-sign-in-note');
    // A later state without notes removes the box.
    await page.evaluate(`window.__emit(${JSON.stringify(state)})`);
    await expect.poll(() => notes.count()).toBe(0);
    await done(page);
  });

  it('no keyring: explains why it will not sign in, and keeps the button off', async () => {
    const page = await open(fixture('secrets-unavailable'), 560);
    expect(await page.getByTestId('secrets-unavailable').innerText()).toContain('will not store your sign-in unencrypted');
    expect(await page.getByRole('button', { name: 'Sign in with your browser' }).isDisabled()).toBe(true);
    await screenshot(page, 'desktop-6-no-keyring');
    await done(page);
  });
});
