/**
 * Console sign-in for tests: a person walks the real embedded IdP's pages (password, TOTP) from
 * `/console/login` up to the IdP's redirect to `/console/callback`, in the cookie-jar Browser of
 * proxy/identity/idp/test-helpers.ts. The test then delivers the callback itself, to look at it.
 */
import { request as httpsRequest } from 'node:https';
import { generateSecret, generate } from 'otplib';
import { hashPassword } from '../../proxy/identity/idp/index.ts';
import { alertText, Browser, formAction, type HttpResponse } from '../../proxy/identity/idp/test-helpers.ts';

export interface ConsoleUser {
  username: string;
  password: string;
  totpSecret: string;
  groups: string[];
}

/** A config user of the embedded IdP. Each signs in once: the IdP refuses a TOTP code twice. */
export function consoleUser(username: string, groups: string[]): ConsoleUser {
  return { username, password: `${username}-pass-phrase-1`, totpSecret: generateSecret(), groups };
}

/** `identity.users` entries for `users`. */
export async function configUsers(users: ConsoleUser[]) {
  return Promise.all(
    users.map(async (u) => ({ username: u.username, email: `${u.username}@example.com`, name: `User ${u.username}`, groups: u.groups, passwordHash: await hashPassword(u.password), totpSecret: u.totpSecret })),
  );
}

export interface StartedSignIn {
  browser: Browser;
  /** The `/console/login` answer (its Set-Cookie holds the sign-in state cookie). */
  login: HttpResponse;
  /** The absolute `/console/callback?code=...&state=...` URL the IdP sent the browser to. */
  callbackUrl: string;
}

/** From `/console/login?next=...` through the IdP's pages, stopping before the callback. */
export async function signInUntilCallback(origin: string, ca: string, who: ConsoleUser, next?: string): Promise<StartedSignIn> {
  const browser = new Browser(ca);
  const login = await browser.get(`${origin}/console/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`);
  if (login.status !== 302) throw new Error(`/console/login answered ${login.status}: ${login.body.slice(0, 300)}`);
  const loginPage = await browser.follow(login, origin);
  if (loginPage.status !== 200) throw new Error(`IdP login page answered ${loginPage.status}: ${loginPage.body.slice(0, 300)}`);
  const afterPassword = await browser.post(new URL(formAction(loginPage.body, '/login'), origin).href, { username: who.username, password: who.password });
  const codePage = await browser.follow(afterPassword, origin);
  if (codePage.status !== 200) throw new Error(`code page answered ${codePage.status}: ${alertText(codePage.body) ?? codePage.body.slice(0, 300)}`);
  let response = await browser.post(new URL(formAction(codePage.body, '/totp'), origin).href, { code: await generate({ secret: who.totpSecret }) });
  for (let hops = 0; hops < 10; hops++) {
    const location = response.location;
    if (response.status < 300 || response.status >= 400 || location === undefined) break;
    if (new URL(location).pathname === '/console/callback') return { browser, login, callbackUrl: location };
    response = await browser.get(location);
  }
  throw new Error(`the IdP did not send the browser to /console/callback (${response.status}): ${alertText(response.body) ?? response.body.slice(0, 300)}`);
}

/** A full sign-in; returns the browser holding the session cookie and the callback's answer. */
export async function signInToConsole(origin: string, ca: string, who: ConsoleUser, next?: string): Promise<{ browser: Browser; callback: HttpResponse }> {
  const started = await signInUntilCallback(origin, ca, who, next);
  const callback = await started.browser.get(started.callbackUrl);
  if (callback.status !== 302) throw new Error(`/console/callback answered ${callback.status}: ${callback.body.slice(0, 300)}`);
  return { browser: started.browser, callback };
}

/** The `name=value` part of the Set-Cookie line for `name` in a response. */
export function cookieFrom(response: HttpResponse, name: string): { value: string; line: string } | undefined {
  const line = (response.headers['set-cookie'] ?? []).find((l) => l.startsWith(`${name}=`));
  if (line === undefined) return undefined;
  return { value: line.slice(name.length + 1).split(';')[0] ?? '', line };
}

/** One HTTPS request with exactly this path (no URL normalisation) and these headers, no cookie jar. */
export function rawRequest(origin: string, ca: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<HttpResponse> {
  const target = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: target.hostname, port: target.port, method, path, ca, headers: { ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            location: res.headers.location === undefined ? undefined : new URL(res.headers.location, origin).href,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
