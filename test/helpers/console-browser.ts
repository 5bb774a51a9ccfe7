/**
 * The web console in a real browser (issue 5's end-to-end tests): one browser context per person,
 * a page that records every console error, uncaught exception and Content Security Policy
 * violation, a sign-in that starts from the console's own "Sign in" link and types the password
 * and TOTP code into the embedded IdP's pages, and API calls made from the page itself (its
 * cookie, its CSRF header), as a script running in the console would make them.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { screenshot, signInOnIdpPages } from './browser.ts';
import type { ConsoleUser } from './console.ts';

/** What went wrong in a page, with the URL it happened on. */
export interface PageProblems {
  /** Console errors (other than the expected HTTP statuses), uncaught exceptions. */
  console: string[];
  /** `securitypolicyviolation` events and console messages naming the Content Security Policy. */
  csp: string[];
}

export interface PersonPage {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  /** Statuses the test provokes on purpose: Chromium logs each non-2xx fetch as a console error. */
  expect(status: number): void;
  close(): Promise<void>;
}

const CSP_TEXT = /content security policy/i;

/**
 * A fresh context (its own cookie jar: one person) with one watched page. The signed-out session
 * check always answers 401, so that status is expected from the start.
 */
export async function openPerson(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<PersonPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: PageProblems = { console: [], csp: [] };
  const expected = new Set<number>([401]);
  page.on('console', (message) => {
    const text = message.text();
    if (CSP_TEXT.test(text)) problems.csp.push(`${page.url()}: ${text}`);
    if (message.type() !== 'error') return;
    if ([...expected].some((s) => text.includes(`status of ${s}`))) return;
    problems.console.push(`${page.url()}: ${text}`);
  });
  page.on('pageerror', (error) => problems.console.push(`${page.url()}: uncaught ${error.message}`));
  // A binding is installed by the browser itself, not by a page script: the CSP cannot block it,
  // and it reports from every document the page loads (the console, the IdP, the console again).
  await page.exposeFunction('__zgCspViolation', (text: string) => problems.csp.push(text));
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => window.__zgCspViolation(location.href + ': ' + e.violatedDirective + ' blocked ' + e.blockedURI));`,
  });
  return {
    context,
    page,
    problems,
    expect: (status) => void expected.add(status),
    close: () => context.close(),
  };
}

/**
 * Opens `path` signed out, checks the console's sign-in page, follows its "Sign in" link to the
 * IdP, types the password and TOTP code, and waits until the console shows the person signed in
 * back on `path`. Screenshots: `<shots>-signed-out`, `<shots>-idp-1-password`, `<shots>-idp-2-totp`.
 */
export async function signInThroughConsole(page: Page, origin: string, who: ConsoleUser, path: string, shots: string): Promise<void> {
  await page.goto(`${origin}${path}`);
  await page.getByRole('heading', { name: 'Sign in to Zerogate' }).waitFor();
  const link = page.getByRole('link', { name: 'Sign in' });
  const href = await link.getAttribute('href');
  if (href !== `/console/login?next=${encodeURIComponent(path)}`) throw new Error(`the sign-in link is ${href}`);
  await screenshot(page, `${shots}-signed-out`);
  await link.click();
  await page.getByLabel('Username').waitFor();
  await signInOnIdpPages(page, who, `${shots}-idp`);
  await page.waitForURL((url) => url.origin === origin && `${url.pathname}${url.search}` === path);
  await page.getByTestId('user').waitFor();
}

export interface PageReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * A fetch from inside the page, with its session cookie and, for a change, the CSRF value the
 * console itself would send (read from /console/api/session), as the console's own code calls.
 */
export async function fetchFromPage(page: Page, method: string, path: string, body?: unknown): Promise<PageReply> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (method !== 'GET') {
        const session = (await (await fetch('/console/api/session', { credentials: 'same-origin' })).json()) as { csrf: string };
        headers['x-zerogate-csrf'] = session.csrf;
      }
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(path, { method, credentials: 'same-origin', headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    { method, path, body },
  );
}
