import { generateSecret } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLIENT_ID, hashPassword } from './index.ts';
import { MESSAGES } from './pages.ts';
import {
  alertText,
  authorizeUrl,
  Browser,
  completeSignIn,
  confirmSignIn,
  formAction,
  hiddenInputs,
  pkce,
  postForm,
  startTestIdp,
  TestClock,
  totpAt,
  type HttpResponse,
  type TestIdp,
} from './test-helpers.ts';

const PASSWORD = 'pa55word-for-tests';
const ALICE_SECRET = generateSecret();

/** A fresh browser at the password page of a new sign-in. */
async function atPasswordPage(t: TestIdp): Promise<{ browser: Browser; page: HttpResponse }> {
  const browser = new Browser(t.ca);
  const start = await browser.get(authorizeUrl(t.issuer, pkce().challenge));
  const page = await browser.follow(start, t.origin);
  expect(page.status).toBe(200);
  return { browser, page };
}

async function submitPassword(t: TestIdp, browser: Browser, page: HttpResponse, username: string, password: string): Promise<HttpResponse> {
  return browser.post(new URL(formAction(page.body, '/login'), t.origin).href, { username, password });
}

async function auditEvents(t: TestIdp, type: string) {
  await t.audit.flush();
  return t.store.queryAudit({ type, limit: 1000 });
}

describe('sign-in failures', () => {
  const clock = new TestClock();
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({
      now: clock.now,
      rateLimit: { failuresPerUser: 3, failuresPerSource: 6, windowMs: 60_000 },
      users: [{ username: 'alice', email: 'alice@example.com', groups: [], passwordHash: await hashPassword(PASSWORD), totpSecret: ALICE_SECRET }],
      prepare: async (store) => {
        await store.addIdpUser({ username: 'dave', email: 'dave@example.com', name: undefined, groups: [], passwordHash: await hashPassword(PASSWORD), disabled: true, createdAt: Date.now() });
      },
    });
  });
  afterAll(async () => t?.close());

  it('answers a wrong password, an unknown user and a disabled user alike, and audits each without the password', async () => {
    const answers: HttpResponse[] = [];
    for (const [username, password] of [['alice', 'wrong-password'], ['nobody', PASSWORD], ['dave', PASSWORD]] as const) {
      const { browser, page } = await atPasswordPage(t);
      answers.push(await submitPassword(t, browser, page, username, password));
    }
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(alertText(answer.body)).toBe(MESSAGES.badCredentials);
    }
    const events = await auditEvents(t, 'login.fail');
    expect(events.map((e) => e.detail?.reason).sort()).toEqual(['bad-password', 'unknown-user', 'user-disabled']);
    for (const event of events) {
      expect(event).toMatchObject({ decision: 'deny', source: '127.0.0.1', detail: { stage: 'password', client: AGENT_CLIENT_ID } });
      expect(JSON.stringify(event)).not.toContain(PASSWORD);
      expect(JSON.stringify(event)).not.toContain('wrong-password');
    }
    // The name of someone who does not exist is not recorded (it may be a mistyped password):
    // only a keyed pseudonym, so that a credential-stuffing detector can count distinct accounts.
    const unknown = events.find((e) => e.detail?.reason === 'unknown-user');
    expect(unknown?.user).toBeUndefined();
    expect(unknown?.detail?.account).toMatch(/^unknown:[0-9a-f]{16}$/);
    expect(JSON.stringify(unknown)).not.toContain('nobody');
    expect(events.find((e) => e.detail?.reason === 'bad-password')?.detail?.account).toBe('alice');
    clock.advance(61_000);
  });

  it('refuses a user after too many failures with 429 and Retry-After, even with the right password, until the window passes', async () => {
    for (let i = 0; i < 3; i++) {
      const { browser, page } = await atPasswordPage(t);
      expect((await submitPassword(t, browser, page, 'alice', `guess-${i}`)).status).toBe(400);
    }
    const { browser, page } = await atPasswordPage(t);
    const limited = await submitPassword(t, browser, page, 'alice', PASSWORD);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(alertText(limited.body)).toMatch(/^Too many failed sign-in attempts\. Try again in 1 minute\.$/);
    const events = await auditEvents(t, 'login.fail');
    expect(events[0]).toMatchObject({ reasons: ['rate-limited'], detail: { stage: 'password', reason: 'rate-limited' } });

    clock.advance(61_000);
    const again = await submitPassword(t, browser, page, 'alice', PASSWORD);
    expect(again.status).toBe(303);
  });

  it('refuses a source address that fails for many different names', async () => {
    clock.advance(61_000);
    let last: HttpResponse | undefined;
    for (let i = 0; i < 7; i++) {
      const { browser, page } = await atPasswordPage(t);
      last = await submitPassword(t, browser, page, `user${i}`, 'nope');
    }
    expect(last!.status).toBe(429);
    expect(last!.headers['retry-after']).toBeDefined();
    clock.advance(61_000);
  });

  it('refuses a wrong code and a replayed code, counting both as failures', async () => {
    clock.advance(61_000);
    const sign = async (code: () => Promise<string>) => {
      const browser = new Browser(t.ca);
      const start = await browser.get(authorizeUrl(t.issuer, pkce().challenge));
      const page = await browser.follow(start, t.origin);
      const codePage = await browser.follow(await submitPassword(t, browser, page, 'alice', PASSWORD), t.origin);
      return browser.post(new URL(formAction(codePage.body, '/totp'), t.origin).href, { code: await code() });
    };
    const used = await totpAt(ALICE_SECRET, clock.now());
    expect((await sign(async () => used)).status).toBe(303);

    const replayed = await sign(async () => used);
    expect(replayed.status).toBe(400);
    expect(alertText(replayed.body)).toBe(MESSAGES.replayedCode);

    const wrong = await sign(async () => (Number(used) + 1).toString().padStart(6, '0').slice(-6));
    expect(wrong.status).toBe(400);
    expect(alertText(wrong.body)).toBe(MESSAGES.badCode);

    const events = (await auditEvents(t, 'login.fail')).slice(0, 2);
    expect(events.map((e) => e.detail)).toEqual([
      { stage: 'totp', reason: 'bad-code', client: AGENT_CLIENT_ID, account: 'alice' },
      { stage: 'totp', reason: 'code-replayed', client: AGENT_CLIENT_ID, account: 'alice' },
    ]);
    expect(events.every((e) => e.user === 'alice' && !JSON.stringify(e).includes(used))).toBe(true);
    // The next step's code is accepted.
    clock.advance(30_000);
    expect((await sign(() => totpAt(ALICE_SECRET, clock.now()))).status).toBe(303);
  });

  it('binds every form to the interaction cookie and refuses cross-origin posts', async () => {
    clock.advance(61_000);
    const { browser, page } = await atPasswordPage(t);
    const action = new URL(formAction(page.body, '/login'), t.origin).href;
    const stranger = await new Browser(t.ca).post(action, { username: 'alice', password: PASSWORD });
    expect(stranger.status).toBe(400);
    expect(alertText(stranger.body)).toBe(MESSAGES.expired);
    const crossSite = await browser.post(action, { username: 'alice', password: PASSWORD }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect((await browser.post(action, { username: 'alice', password: PASSWORD }, { origin: t.origin })).status).toBe(303);
  });

  it('returns access_denied to the client when the user cancels', async () => {
    const { browser, page } = await atPasswordPage(t);
    const cancelled = await browser.follow(await browser.post(new URL(formAction(page.body, '/abort'), t.origin).href, {}), t.origin);
    expect(cancelled.status).toBe(303);
    expect(new URL(cancelled.location!).searchParams.get('error')).toBe('access_denied');
  });
});

describe('TOTP enrolment', () => {
  const clock = new TestClock();
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({ now: clock.now, users: [{ username: 'bob', email: 'bob@example.com', groups: ['eng'], passwordHash: await hashPassword(PASSWORD) }] });
  });
  afterAll(async () => t?.close());

  const secretOn = (html: string): string | undefined => /<p class="secret" id="setup-key">([A-Z2-7 ]+)<\/p>/.exec(html)?.[1]?.replace(/ /g, '');

  it('shows a QR code and the secret once, and stores the secret only after a valid code', async () => {
    const { browser, page } = await atPasswordPage(t);
    const enrolUrl = (await submitPassword(t, browser, page, 'bob', PASSWORD)).location!;
    const first = await browser.get(enrolUrl);
    expect(first.status).toBe(200);
    expect(first.body).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="QR code that adds Zerogate to an authenticator app/);
    const firstSecret = secretOn(first.body);
    expect(firstSecret).toMatch(/^[A-Z2-7]{32}$/);
    expect(first.body).not.toMatch(/name="secret"/);
    expect(await t.store.getTotpSecret('bob')).toBeUndefined();

    // Viewing the page again never shows the same secret twice.
    const second = await browser.get(enrolUrl);
    const secret = secretOn(second.body);
    expect(secret).toBeDefined();
    expect(secret).not.toBe(firstSecret);

    // A code from the secret no longer offered is wrong; the page does not repeat the secret.
    const action = new URL(formAction(second.body, '/totp'), t.origin).href;
    const wrong = await browser.post(action, { code: await totpAt(firstSecret!, clock.now()) });
    expect(wrong.status).toBe(400);
    expect(alertText(wrong.body)).toBe(MESSAGES.badCode);
    expect(secretOn(wrong.body)).toBeUndefined();
    expect(await t.store.getTotpSecret('bob')).toBeUndefined();

    const done = await browser.post(action, { code: await totpAt(secret!, clock.now()) });
    expect(done.status).toBe(303);
    expect(await t.store.getTotpSecret('bob')).toBe(secret);
    const success = await auditEvents(t, 'login.success');
    expect(success[0]).toMatchObject({ user: 'bob', detail: { enrolled: true } });

    // The next sign-in asks for a code, no enrolment.
    clock.advance(60_000);
    const next = new Browser(t.ca);
    const { final, pages } = await completeSignIn(next, t.origin, await next.get(authorizeUrl(t.issuer, pkce().challenge)), {
      username: 'bob',
      password: PASSWORD,
      code: () => totpAt(secret!, clock.now()),
    });
    expect(pages[1]!.body).toMatch(/Enter your verification code/);
    expect(secretOn(pages[1]!.body)).toBeUndefined();
    expect(new URL(final.location!).searchParams.get('code')).toBeTruthy();
  });
});

describe('zero-click code to a loopback port: a signed-in browser confirms every further sign-in (RFC 8252 §8.6)', () => {
  const clock = new TestClock();
  const BOB_SECRET = generateSecret();
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({
      now: clock.now,
      users: [
        { username: 'alice', email: 'alice@example.com', groups: [], passwordHash: await hashPassword(PASSWORD), totpSecret: ALICE_SECRET },
        { username: 'bob', email: 'bob@example.com', groups: [], passwordHash: await hashPassword(PASSWORD), totpSecret: BOB_SECRET },
      ],
    });
  });
  afterAll(async () => t?.close());

  /** A browser signed in as alice (one complete sign-in). */
  const signedInBrowser = async (): Promise<Browser> => {
    clock.advance(60_000);
    const browser = new Browser(t.ca);
    const { final } = await completeSignIn(browser, t.origin, await browser.get(authorizeUrl(t.issuer, pkce().challenge)), {
      username: 'alice',
      password: PASSWORD,
      code: () => totpAt(ALICE_SECRET, clock.now()),
    });
    expect(new URL(final.location!).searchParams.get('code')).toBeTruthy();
    return browser;
  };
  const codeIn = (response: HttpResponse): string | null => (response.location === undefined ? null : new URL(response.location).searchParams.get('code'));

  it('shows a confirmation page, sends no code to the loopback until its Continue is posted, and then completes', async () => {
    const browser = await signedInBrowser();
    // What a hostile web page can make the browser do: navigate to /auth with its own PKCE and port.
    const attacker = authorizeUrl(t.issuer, pkce().challenge, { redirect_uri: 'http://127.0.0.1:40404/callback' });
    // Also without prompt=consent and offline_access: oidc-provider asks native clients for consent anyway.
    const quiet = new URL(attacker);
    quiet.searchParams.delete('prompt');
    quiet.searchParams.set('scope', 'openid email');
    for (const url of [attacker, quiet.href]) {
      const start = await browser.get(url);
      expect(start.location).toMatch(new RegExp(`^${t.origin}/idp/interaction/[\\w-]+$`));
      const page = await browser.follow(start, t.origin);
      expect(page.status, url).toBe(200);
      expect(codeIn(page)).toBeNull();
      expect(page.body).toMatch(/<h1>Continue as alice\?<\/h1>/);
      expect(page.body).toMatch(/The <strong>Zerogate agent<\/strong> on this computer wants to sign in to Zerogate as <strong>alice<\/strong>\./);
      expect(page.body).toMatch(/Not you\? Sign in as someone else/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.body).not.toMatch(/<script/i);
      // Viewing it again grants nothing either.
      const again = await browser.get(start.location!);
      expect(again.status).toBe(200);
      expect(codeIn(again)).toBeNull();
    }

    const { page, final } = await confirmSignIn(browser, t.origin, await browser.get(authorizeUrl(t.issuer, pkce().challenge)));
    expect(page.body).toMatch(/Continue as alice\?/);
    expect(final.status).toBe(303);
    expect(final.location).toMatch(/^http:\/\/127\.0\.0\.1:53682\/callback\?/);
    expect(codeIn(final)).toBeTruthy();
    // prompt=login still forces the password.
    const forced = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge, { prompt: 'login consent' })), t.origin);
    expect(forced.status).toBe(200);
    expect(forced.body).toMatch(/<label for="password">/);
  });

  it('grants only on a same-origin post bound to the interaction (the CSRF checks of the other forms)', async () => {
    const browser = await signedInBrowser();
    const page = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge)), t.origin);
    const action = new URL(formAction(page.body, '/confirm'), t.origin).href;
    const crossSite = await browser.post(action, {}, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(codeIn(crossSite)).toBeNull();
    const stranger = await new Browser(t.ca).post(action, {});
    expect(stranger.status).toBe(400);
    expect(alertText(stranger.body)).toBe(MESSAGES.expired);
    const granted = await browser.follow(await browser.post(action, {}, { origin: t.origin }), t.origin);
    expect(codeIn(granted)).toBeTruthy();
  });

  it('cancels to access_denied, and "Not you?" signs in as someone else', async () => {
    const browser = await signedInBrowser();
    const page = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge)), t.origin);
    const cancelled = await browser.follow(await browser.post(new URL(formAction(page.body, '/abort'), t.origin).href, {}), t.origin);
    expect(new URL(cancelled.location!).searchParams.get('error')).toBe('access_denied');

    const second = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge)), t.origin);
    const switched = await browser.post(new URL(formAction(second.body, '/switch'), t.origin).href, {});
    expect(switched.status).toBe(303);
    // The password page, then the code; signing in as bob ends alice's browser session first.
    const { final } = await completeSignIn(browser, t.origin, switched, { username: 'bob', password: PASSWORD, code: () => totpAt(BOB_SECRET, clock.now()) });
    // oidc-provider's logout form, submitted by its script (allowed by hash) in a browser.
    expect(final.status).toBe(200);
    const logout = /<form method="post" action="([^"]+\/session\/end\/confirm)">/.exec(final.body)?.[1];
    expect(logout).toBeDefined();
    expect(final.headers['content-security-policy']).toMatch(/script-src 'none' 'sha256-/);
    const landed = await browser.follow(await browser.post(logout!, hiddenInputs(final.body)), t.origin);
    expect(codeIn(landed)).toBeTruthy();
    // The browser is bob's now.
    const next = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge)), t.origin);
    expect(next.body).toMatch(/Continue as bob\?/);
  });

  it('asks for a password instead of confirming when the signed-in account was disabled meanwhile', async () => {
    const erinSecret = generateSecret();
    await t.store.addIdpUser({ username: 'erin', email: 'erin@example.com', name: undefined, groups: [], passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: Date.now() });
    await t.store.setTotpSecret('erin', erinSecret, Date.now());
    clock.advance(60_000);
    const browser = new Browser(t.ca);
    await completeSignIn(browser, t.origin, await browser.get(authorizeUrl(t.issuer, pkce().challenge)), { username: 'erin', password: PASSWORD, code: () => totpAt(erinSecret, clock.now()) });
    const start = await browser.get(authorizeUrl(t.issuer, pkce().challenge));
    expect(start.status).toBe(303);
    await t.store.setIdpUserDisabled('erin', true);
    const page = await browser.follow(start, t.origin);
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/Continue as/);
    expect(page.body).toMatch(/<label for="password">/);
    expect(page.body).not.toMatch(/value="erin"/);
  });

  it('asks the same on a device authorization (RFC 8628) in a signed-in browser', async () => {
    const browser = await signedInBrowser();
    const device = JSON.parse((await postForm(t.ca, `${t.issuer}/device/auth`, { client_id: AGENT_CLIENT_ID, scope: 'openid email offline_access' })).body) as { user_code: string };
    const input = await browser.get(`${t.issuer}/device`);
    const action = new URL(formAction(input.body, '/device'), t.origin).href;
    const confirm = await browser.post(action, { ...hiddenInputs(input.body), user_code: device.user_code });
    const start = await browser.post(action, hiddenInputs(confirm.body));
    const { page, final } = await confirmSignIn(browser, t.origin, start);
    expect(page.body).toMatch(/on the device you are connecting wants to sign in to Zerogate as <strong>alice<\/strong>/);
    expect(final.body).toMatch(/Device connected/);
  });
});

describe('login-failure limiter race: concurrent attempts are counted before they are checked', () => {
  const clock = new TestClock();
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({
      now: clock.now,
      rateLimit: { failuresPerUser: 3, failuresPerSource: 50, windowMs: 60_000 },
      users: [{ username: 'alice', email: 'alice@example.com', groups: [], passwordHash: await hashPassword(PASSWORD), totpSecret: ALICE_SECRET }],
    });
  });
  afterAll(async () => t?.close());

  /** `login.fail` events since `after` (audit ids), counted by `detail.reason`. */
  const reasonsSince = async (after: number): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const event of await auditEvents(t, 'login.fail')) {
      if ((event.id ?? 0) <= after) continue;
      const reason = String(event.detail?.reason);
      counts[reason] = (counts[reason] ?? 0) + 1;
    }
    return counts;
  };
  const lastAuditId = async (): Promise<number> => (await auditEvents(t, 'login.fail'))[0]?.id ?? 0;

  it('lets at most the limit of a burst of wrong passwords reach scrypt, and refuses the right one inside the burst with 429', async () => {
    clock.advance(61_000);
    const before = await lastAuditId();
    const { browser, page } = await atPasswordPage(t);
    const action = new URL(formAction(page.body, '/login'), t.origin).href;
    const burst = 30;
    const rightAt = 15;
    const answers = await Promise.all(
      Array.from({ length: burst }, (_, i) => browser.post(action, { username: 'alice', password: i === rightAt ? PASSWORD : `guess-${i}` })),
    );
    expect(answers[rightAt]!.status).toBe(429);
    expect(Number(answers[rightAt]!.headers['retry-after'])).toBeGreaterThan(0);
    const reasons = await reasonsSince(before);
    expect(reasons['bad-password'] ?? 0).toBeLessThanOrEqual(3);
    expect((reasons['bad-password'] ?? 0) + (reasons['rate-limited'] ?? 0)).toBe(burst);
    expect(answers.filter((a) => a.status === 303)).toEqual([]);
  });

  it('lets at most the limit of a burst of wrong codes be checked, and refuses the right code inside the burst with 429', async () => {
    clock.advance(61_000);
    const { browser, page } = await atPasswordPage(t);
    const codePage = await browser.follow(await submitPassword(t, browser, page, 'alice', PASSWORD), t.origin);
    expect(codePage.body).toMatch(/Enter your verification code/);
    const action = new URL(formAction(codePage.body, '/totp'), t.origin).href;
    const before = await lastAuditId();
    const right = await totpAt(ALICE_SECRET, clock.now());
    const burst = 30;
    const rightAt = 15;
    const wrong = (i: number) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0');
    const answers = await Promise.all(Array.from({ length: burst }, (_, i) => browser.post(action, { code: i === rightAt ? right : wrong(i) })));
    expect(answers[rightAt]!.status).toBe(429);
    const reasons = await reasonsSince(before);
    expect(reasons['bad-code'] ?? 0).toBeLessThanOrEqual(3);
    expect((reasons['bad-code'] ?? 0) + (reasons['rate-limited'] ?? 0)).toBe(burst);
    expect(answers.filter((a) => a.status === 303)).toEqual([]);
  });

  it('lets at most the per-source limit of a burst over many usernames reach scrypt', async () => {
    clock.advance(61_000);
    const before = await lastAuditId();
    const { browser, page } = await atPasswordPage(t);
    const action = new URL(formAction(page.body, '/login'), t.origin).href;
    const burst = 80;
    const answers = await Promise.all(Array.from({ length: burst }, (_, i) => browser.post(action, { username: `spray-${i}`, password: 'nope' })));
    const reasons = await reasonsSince(before);
    expect(reasons['unknown-user'] ?? 0).toBeLessThanOrEqual(50);
    expect((reasons['unknown-user'] ?? 0) + (reasons['rate-limited'] ?? 0)).toBe(burst);
    expect(answers.some((a) => a.status === 429)).toBe(true);
  });
});
