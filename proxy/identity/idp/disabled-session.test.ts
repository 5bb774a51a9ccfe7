import { generateSecret } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from './index.ts';
import { MESSAGES } from './pages.ts';
import { alertText, authorizeUrl, Browser, completeSignIn, formAction, hiddenInputs, pkce, startTestIdp, TestClock, totpAt, type TestIdp } from './test-helpers.ts';

const PASSWORD = 'pa55word-for-tests';

/**
 * Regression: a browser still holding an IdP session of a store user who was disabled since
 * (or removed: `findAccount` answers undefined for both) got HTTP 500 on its next authorization
 * request (oidc-provider's consent checks ran without the account), not the password page.
 */
describe('IdP session of a user disabled since: the next authorization answered HTTP 500 instead of the password page', () => {
  const clock = new TestClock();
  const secrets = new Map<string, string>();
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({ now: clock.now });
  });
  afterAll(async () => t?.close());

  const addUser = async (username: string): Promise<void> => {
    const secret = generateSecret();
    secrets.set(username, secret);
    await t.store.addIdpUser({ username, email: `${username}@example.com`, name: undefined, groups: [], passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: Date.now() });
    await t.store.setTotpSecret(username, secret, Date.now());
  };
  const signIn = async (browser: Browser, username: string) => {
    clock.advance(60_000);
    return completeSignIn(browser, t.origin, await browser.get(authorizeUrl(t.issuer, pkce().challenge)), { username, password: PASSWORD, code: () => totpAt(secrets.get(username)!, clock.now()) });
  };
  const codeIn = (location: string | undefined): string | null => (location === undefined ? null : new URL(location).searchParams.get('code'));

  it('shows the password page to a browser signed in as a user disabled since, refuses that user, and signs in another', async () => {
    const gone = 'erin';
    const other = 'frank';
    await addUser(gone);
    await addUser(other);
    const browser = new Browser(t.ca);
    const first = await signIn(browser, gone);
    expect(codeIn(first.final.location)).toBeTruthy();
    await t.store.setIdpUserDisabled(gone, true);

    // With prompt=consent (as the agent asks), and without it.
    const quiet = new URL(authorizeUrl(t.issuer, pkce().challenge, { scope: 'openid email' }));
    quiet.searchParams.delete('prompt');
    for (const url of [authorizeUrl(t.issuer, pkce().challenge), quiet.href]) {
      const start = await browser.get(url);
      expect(start.status).not.toBe(500);
      expect(start.status).toBe(303);
      const page = await browser.follow(start, t.origin);
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/<label for="password">/);
      expect(page.body).not.toMatch(/Continue as/);
      expect(page.body).not.toMatch(new RegExp(`value="${gone}"`));
    }

    // prompt=none: the client is told to sign in (RFC 6749 error, not a 500).
    const none = new URL(quiet);
    none.searchParams.set('prompt', 'none');
    const silent = await browser.get(none.href);
    expect(silent.status).toBe(303);
    expect(new URL(silent.location!).searchParams.get('error')).toBe('login_required');

    // The disabled user's sign-in is refused as ever.
    const page = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge)), t.origin);
    const refused = await browser.post(new URL(formAction(page.body, '/login'), t.origin).href, { username: gone, password: PASSWORD });
    expect(refused.status).toBe(400);
    expect(alertText(refused.body)).toBe(MESSAGES.badCredentials);
    await t.audit.flush();
    const failures = await t.store.queryAudit({ type: 'login.fail', limit: 1000 });
    expect(failures.some((e) => e.detail?.reason === 'user-disabled' && e.user === gone)).toBe(true);

    // Another user signs in in the same browser. As after "Not you?", oidc-provider first ends
    // the old browser session with its logout form (submitted by its script in a browser).
    const { final } = await signIn(browser, other);
    expect(final.status).toBe(200);
    const logout = /<form method="post" action="([^"]+\/session\/end\/confirm)">/.exec(final.body)?.[1];
    expect(logout).toBeDefined();
    const landed = await browser.follow(await browser.post(logout!, hiddenInputs(final.body)), t.origin);
    expect(codeIn(landed.location)).toBeTruthy();
    // The browser is the other user's now: single sign-on asks only to confirm.
    const next = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge)), t.origin);
    expect(next.status).toBe(200);
    expect(next.body).toMatch(new RegExp(`Continue as ${other}\\?`));
  });
});
