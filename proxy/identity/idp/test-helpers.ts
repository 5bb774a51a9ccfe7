/**
 * Test-only helpers for the embedded IdP tests (not exported from index.ts): a real HTTPS
 * fastify server on 127.0.0.1, a tiny browser (cookie jar, manual redirects, form posts) over
 * `https.request` with the test CA, and PKCE helpers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { ZerogateError } from '../../../shared/errors.ts';
import { AuditLog } from '../../audit/index.ts';
import { createCa, createServerCert } from '../../pki/index.ts';
import { SqliteStore } from '../../store/index.ts';
import { agentClient, createEmbeddedIdp, type EmbeddedIdp, type EmbeddedIdpOptions } from './index.ts';

let tls: { ca: string; cert: string; key: string } | undefined;

/** One CA and server certificate for 127.0.0.1 per test file (RSA key generation is slow). */
export function testTls(): { ca: string; cert: string; key: string } {
  if (tls === undefined) {
    const ca = createCa();
    const server = createServerCert(ca, ['127.0.0.1']);
    tls = { ca: ca.certPem, cert: server.certPem, key: server.keyPem };
  }
  return tls;
}

/** A port that was free a moment ago (the issuer must name the port before the server listens). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface TestIdp {
  app: FastifyInstance;
  idp: EmbeddedIdp;
  store: SqliteStore;
  audit: AuditLog;
  origin: string;
  issuer: string;
  ca: string;
  keysFile: string;
  close(): Promise<void>;
}

export type TestIdpOverrides = Partial<Omit<EmbeddedIdpOptions, 'issuer' | 'mountPath' | 'store' | 'audit'>> & {
  /** Runs before the IdP is created (add store users, TOTP secrets). */
  prepare?: (store: SqliteStore) => Promise<void>;
  /** Reuse a store (a restart); it is then not closed by `close()`. */
  store?: SqliteStore;
  /** Listen on this port (a restart keeps the issuer). */
  port?: number;
  /**
   * The fastify app around the IdP: `rateLimit` registers @fastify/rate-limit as the proxy
   * does (proxy/server/app.ts: `global: false`, routes opt in); `trustProxy` takes the source
   * address from `X-Forwarded-For`, so one test can speak from many sources.
   */
  server?: { rateLimit?: boolean; trustProxy?: boolean };
};

export async function startTestIdp(overrides: TestIdpOverrides = {}): Promise<TestIdp> {
  const { prepare, store: sharedStore, port: fixedPort, server = {}, ...options } = overrides;
  const { ca, cert, key } = testTls();
  const port = fixedPort ?? (await freePort());
  const origin = `https://127.0.0.1:${port}`;
  const issuer = `${origin}/idp`;
  const store = sharedStore ?? SqliteStore.open(':memory:');
  await prepare?.(store);
  const audit = new AuditLog(store, 'none');
  const keysFile = options.keysFile ?? join(mkdtempSync(join(tmpdir(), 'zg-idp-')), 'idp-keys.json');
  const idp = await createEmbeddedIdp({
    issuer,
    mountPath: '/idp',
    store,
    audit,
    users: [],
    clients: [agentClient()],
    keysFile,
    ...options,
  });
  const app = Fastify({ https: { cert, key }, logger: false, trustProxy: server.trustProxy === true });
  if (server.rateLimit === true) {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new ZerogateError('ZG_ERR_RATE_LIMITED', `too many requests: retry in ${context.after}`, { reasons: ['rate-limited'] }),
    });
  }
  await app.register(idp.plugin);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    app,
    idp,
    store,
    audit,
    origin,
    issuer,
    ca,
    keysFile,
    async close() {
      await app.close();
      await idp.close();
      await audit.close();
      if (sharedStore === undefined) await store.close();
    },
  };
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  location: string | undefined;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

/** A minimal browser: one cookie jar for one origin, no redirects followed unless asked. */
export class Browser {
  readonly #ca: string;
  readonly #cookies = new Map<string, Cookie>();

  constructor(ca: string) {
    this.#ca = ca;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request('GET', url, undefined, headers);
  }

  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.request('POST', url, new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /** Follows same-origin redirects with GET; stops at a page or a redirect elsewhere (the client). */
  async follow(first: HttpResponse, base: string): Promise<HttpResponse> {
    let response = first;
    for (let hops = 0; hops < 10; hops++) {
      if (response.status < 300 || response.status >= 400 || response.location === undefined) return response;
      const next = new URL(response.location, base);
      if (next.origin !== new URL(base).origin) return response;
      response = await this.get(next.href);
    }
    throw new Error('too many redirects');
  }

  cookieNames(): string[] {
    return [...this.#cookies.values()].map((c) => c.name);
  }

  clearCookies(): void {
    this.#cookies.clear();
  }

  request(method: string, url: string, body: string | undefined, headers: Record<string, string>): Promise<HttpResponse> {
    const target = new URL(url);
    const cookie = [...this.#cookies.values()]
      .filter((c) => target.pathname === c.path || target.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        target,
        {
          method,
          ca: this.#ca,
          headers: { ...(cookie === '' ? {} : { cookie }), ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            this.#store(res.headers['set-cookie'] ?? []);
            const location = res.headers.location;
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), location: location === undefined ? undefined : new URL(location, url).href });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  #store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', val = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path') path = val;
        if (key.toLowerCase() === 'expires' && Date.parse(val) < Date.now()) expired = true;
      }
      const id = `${name};${path}`;
      if (expired || value === '') this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }
}

/** A form-encoded POST without cookies (the agent's back channel: token, revocation, device). */
export function postForm(ca: string, url: string, form: Record<string, string>): Promise<HttpResponse> {
  return new Browser(ca).post(url, form);
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The `action` of the form whose action ends with `suffix`. */
export function formAction(html: string, suffix: string): string {
  const actions = [...html.matchAll(/<form[^>]*action="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  const found = actions.find((a) => a.endsWith(suffix));
  if (found === undefined) throw new Error(`no form posting to *${suffix} in ${actions.join(', ')}`);
  return found;
}

export function hiddenInputs(html: string): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) inputs[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  return inputs;
}

/** The text of the page's `role="alert"` element, if any. */
export function alertText(html: string): string | undefined {
  return /<p class="alert" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
}

/**
 * A clock for the IdP's `now` option. Each sign-in moves it on by a TOTP step or more, since
 * the IdP rightly refuses the same code twice.
 */
export class TestClock {
  #ms: number;

  constructor(start = Date.now()) {
    this.#ms = start;
  }

  readonly now = (): number => this.#ms;

  advance(ms: number): number {
    this.#ms += ms;
    return this.#ms;
  }
}

/** The TOTP code for `secret` at `nowMs`. */
export function totpAt(secret: string, nowMs: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(nowMs / 1000) });
}

export const REDIRECT_URI = 'http://127.0.0.1:53682/callback';

/** An authorization request URL for the agent client (code + PKCE, offline access). */
export function authorizeUrl(issuer: string, challenge: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({
    client_id: 'zerogate-agent',
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile groups offline_access',
    prompt: 'consent',
    state: 'st-123',
    nonce: 'n-456',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  return `${issuer}/auth?${params.toString()}`;
}

/**
 * Drives one browser sign-in from `start` (an authorization or device URL already answered
 * with a redirect to the interaction): password, then the code from `codeFor`.
 */
export async function completeSignIn(
  browser: Browser,
  origin: string,
  start: HttpResponse,
  credentials: { username: string; password: string; code: () => Promise<string> },
): Promise<{ final: HttpResponse; pages: HttpResponse[] }> {
  const pages: HttpResponse[] = [];
  const loginPage = await browser.follow(start, origin);
  pages.push(loginPage);
  if (loginPage.status !== 200) throw new Error(`login page answered ${loginPage.status}: ${loginPage.body.slice(0, 300)}`);
  const afterPassword = await browser.post(new URL(formAction(loginPage.body, '/login'), origin).href, { username: credentials.username, password: credentials.password });
  const codePage = await browser.follow(afterPassword, origin);
  pages.push(codePage);
  if (codePage.status !== 200) throw new Error(`code page answered ${codePage.status}: ${alertText(codePage.body) ?? codePage.body.slice(0, 300)}`);
  const afterCode = await browser.post(new URL(formAction(codePage.body, '/totp'), origin).href, { code: await credentials.code() });
  if (afterCode.status !== 303) throw new Error(`code step answered ${afterCode.status}: ${alertText(afterCode.body) ?? afterCode.body.slice(0, 300)}`);
  return { final: await browser.follow(afterCode, origin), pages };
}

/** True when `page` is the "Continue as <user>?" page of a browser that is signed in already. */
export function isConfirmationPage(page: HttpResponse): boolean {
  return page.status === 200 && /<form method="post" action="[^"]*\/confirm">/.test(page.body);
}

/**
 * A second sign-in in a browser that is signed in already (single sign-on): from `start` to the
 * confirmation page, then its Continue button (a same-origin post). Returns the page and what
 * followed the post (the redirect to the client, or a page of the IdP's).
 */
export async function confirmSignIn(browser: Browser, origin: string, start: HttpResponse): Promise<{ page: HttpResponse; final: HttpResponse }> {
  const page = await browser.follow(start, origin);
  if (!isConfirmationPage(page)) throw new Error(`no confirmation page (${page.status}): ${alertText(page.body) ?? page.body.slice(0, 300)}`);
  const posted = await browser.post(new URL(formAction(page.body, '/confirm'), origin).href, {}, { origin });
  return { page, final: await browser.follow(posted, origin) };
}
