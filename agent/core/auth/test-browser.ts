/**
 * Test-only (not exported from index.ts): a scripted "browser" for the IdP's plain HTML pages.
 * It keeps a cookie jar, follows redirects within the IdP, submits the one form of each page
 * (oidc-provider's dev login, consent and device pages), and stops at the first redirect that
 * leaves the IdP: the loopback redirect, which the test then delivers (or tampers with).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { loginWithBrowser } from './browser-login.ts';
import type { OidcClient } from './oidc-client.ts';
import type { TokenSet } from './token-set.ts';

export interface PageResponse {
  status: number;
  location: string | undefined;
  body: string;
}

export interface SignInOptions {
  /** The login typed into the dev login form (it accepts any). */
  login?: string;
  /** Follow the login page's abort link, or press the device page's abort button (the IdP answers `access_denied`). */
  abort?: boolean;
  /** For device pages: the user code to type when the page does not have it filled in. */
  userCode?: string;
}

/** Upper bound on pages per sign-in: a loop in the IdP's redirects fails the test instead of hanging it. */
const MAX_STEPS = 20;

export class TestBrowser {
  readonly #ca: string;
  readonly #cookies = new Map<string, string>();

  constructor(ca: string) {
    this.#ca = ca;
  }

  /**
   * Walks the IdP's pages from `startUrl` until a redirect leaves the IdP's origin (returned, not
   * followed) or a page without a form is reached (its URL is returned with `done: true`).
   */
  async signIn(startUrl: string, options: SignInOptions = {}): Promise<{ leftTo: string } | { done: string }> {
    const origin = new URL(startUrl).origin;
    let next: { method: 'GET' | 'POST'; url: string; form?: URLSearchParams } = { method: 'GET', url: startUrl };
    for (let step = 0; step < MAX_STEPS; step += 1) {
      const page = await this.request(next.method, next.url, next.form);
      if (page.location !== undefined) {
        const target = new URL(page.location, next.url);
        if (target.origin !== origin) return { leftTo: target.href };
        next = { method: 'GET', url: target.href };
        continue;
      }
      // After pressing abort, the IdP shows its "aborted" page (with a fresh code form): stop there.
      if (next.form?.get('abort') === 'yes') return { done: next.url };
      if (page.status !== 200) throw new Error(`the IdP answered ${page.status} at ${next.url}: ${page.body.slice(0, 300)}`);
      if (options.abort === true) {
        const abort = /href="([^"]*\/abort)"/.exec(page.body);
        if (abort?.[1] !== undefined) {
          next = { method: 'GET', url: new URL(unescapeHtml(abort[1]), next.url).href };
          continue;
        }
      }
      const form = parseForm(page.body, options);
      if (form === undefined) return { done: next.url };
      next = { method: 'POST', url: new URL(form.action, next.url).href, form: form.fields };
    }
    throw new Error('too many pages: the sign-in went in circles');
  }

  /** One request with the cookie jar; http for the loopback redirect, https (pinned CA) otherwise. */
  request(method: string, url: string, form?: URLSearchParams): Promise<PageResponse> {
    const target = new URL(url);
    const body = form?.toString();
    const headers: Record<string, string | number> = {};
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (cookie !== '' && target.protocol === 'https:') headers.cookie = cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const onResponse = (res: import('node:http').IncomingMessage): void => {
        this.#keepCookies(res.headers['set-cookie'] ?? []);
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      };
      const req =
        target.protocol === 'https:'
          ? httpsRequest(target, { method, headers, ca: this.#ca, agent: false }, onResponse)
          : httpRequest(target, { method, headers, agent: false }, onResponse);
      req.on('error', reject);
      req.end(body);
    });
  }

  #keepCookies(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now());
      if (value === '' || expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

/** The first POST form of a page, its inputs filled as a user would. */
function parseForm(html: string, options: SignInOptions): { action: string; fields: URLSearchParams } | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (form === null) return undefined;
  const action = /action="([^"]*)"/.exec(form[1] ?? '')?.[1];
  if (action === undefined) return undefined;
  const fields = new URLSearchParams();
  for (const input of (form[2] ?? '').matchAll(/<input\b([\s\S]*?)\/?>/gi)) {
    const attributes = input[1] ?? '';
    const name = /name="([^"]*)"/.exec(attributes)?.[1];
    if (name === undefined) continue;
    const value = /value="([^"]*)"/.exec(attributes)?.[1];
    if (value !== undefined) fields.set(name, unescapeHtml(value));
    else if (name === 'login') fields.set(name, options.login ?? 'alice');
    else if (name === 'password') fields.set(name, 'any password');
    else if (name === 'user_code') fields.set(name, options.userCode ?? '');
  }
  if (options.abort === true && (form[1] ?? '').includes('op.deviceConfirmForm')) fields.set('abort', 'yes');
  return { action: unescapeHtml(action), fields };
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A whole browser sign-in as `login`, for tests that need tokens rather than the flow itself. */
export async function signInForTest(client: OidcClient, caPem: string, login = 'alice'): Promise<TokenSet> {
  let walk: Promise<unknown> = Promise.resolve();
  const tokens = await loginWithBrowser(client, {
    open: (url) => {
      const browser = new TestBrowser(caPem);
      walk = browser.signIn(url, { login }).then(async (outcome) => {
        if (!('leftTo' in outcome)) throw new Error('the IdP did not redirect back');
        await browser.request('GET', outcome.leftTo);
      });
      walk.catch(() => undefined);
    },
  });
  await walk;
  return tokens;
}
