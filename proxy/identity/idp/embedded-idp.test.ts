import { createLocalJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { generateSecret } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLIENT_ID, DEFAULT_ACR, hashPassword } from './index.ts';
import {
  alertText,
  authorizeUrl,
  Browser,
  completeSignIn,
  hiddenInputs,
  pkce,
  postForm,
  REDIRECT_URI,
  startTestIdp,
  TestClock,
  totpAt,
  type TestIdp,
} from './test-helpers.ts';

const ALICE_SECRET = generateSecret();
const CAROL_SECRET = generateSecret();
const ALICE_PASSWORD = 'correct horse battery staple';
const CAROL_PASSWORD = 'carol-password-1';
const clock = new TestClock();

/** Exchanges an authorization code at the token endpoint. */
async function exchange(t: TestIdp, code: string, verifier: string, redirectUri = REDIRECT_URI) {
  return postForm(t.ca, `${t.issuer}/token`, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: AGENT_CLIENT_ID,
  });
}

async function verifyIdToken(t: TestIdp, idToken: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(idToken, createLocalJWKSet(t.idp.publicJwks() as Parameters<typeof createLocalJWKSet>[0]), {
    issuer: t.issuer,
    audience: AGENT_CLIENT_ID,
  });
  return payload;
}

/** A full browser sign-in with code + PKCE; returns the token response. */
async function signIn(t: TestIdp, username: string, password: string, secret: string, redirectUri = REDIRECT_URI) {
  const browser = new Browser(t.ca);
  const { verifier, challenge } = pkce();
  const start = await browser.get(authorizeUrl(t.issuer, challenge, { redirect_uri: redirectUri }));
  expect(start.status).toBe(303);
  const { final, pages } = await completeSignIn(browser, t.origin, start, { username, password, code: () => totpAt(secret, clock.advance(60_000)) });
  expect(final.status).toBe(303);
  const callback = new URL(final.location!);
  expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri.replace(/\?.*$/, ''));
  expect(callback.searchParams.get('state')).toBe('st-123');
  const code = callback.searchParams.get('code');
  expect(code, callback.href).toBeTruthy();
  const token = await exchange(t, code!, verifier, redirectUri);
  expect(token.status, token.body).toBe(200);
  return { tokens: JSON.parse(token.body) as Record<string, string>, pages, browser };
}

describe('embedded IdP: authorization code + PKCE', () => {
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({
      now: clock.now,
      users: [{ username: 'alice', email: 'alice@example.com', name: 'Alice Liddell', groups: ['engineering', 'admin'], passwordHash: await hashPassword(ALICE_PASSWORD), totpSecret: ALICE_SECRET }],
      prepare: async (store) => {
        await store.addIdpUser({ username: 'carol', email: 'carol@example.com', name: undefined, groups: ['sales'], passwordHash: await hashPassword(CAROL_PASSWORD), disabled: false, createdAt: Date.now() });
        await store.setTotpSecret('carol', CAROL_SECRET, Date.now());
      },
    });
  });
  afterAll(async () => t?.close());

  it('signs a config user in with password and TOTP; the ID token carries amr, acr, auth_time, groups and email', async () => {
    const before = Math.floor(clock.now() / 1000);
    const { tokens, pages } = await signIn(t, 'alice', ALICE_PASSWORD, ALICE_SECRET);
    const claims = await verifyIdToken(t, tokens.id_token!);
    expect(claims).toMatchObject({
      iss: t.issuer,
      aud: AGENT_CLIENT_ID,
      sub: 'alice',
      email: 'alice@example.com',
      name: 'Alice Liddell',
      groups: ['engineering', 'admin'],
      amr: ['pwd', 'otp', 'mfa'],
      acr: DEFAULT_ACR,
      nonce: 'n-456',
    });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope!.split(' ').sort()).toEqual(['email', 'groups', 'offline_access', 'openid', 'profile']);

    // Accessible, uncacheable, unframeable pages with no script.
    for (const page of pages) {
      expect(page.body).toMatch(/<html lang="en">/);
      expect(page.body).toMatch(/<main>/);
      expect(page.body).not.toMatch(/<script/i);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'none'/);
    }
    expect(pages[0]!.body).toMatch(/<label for="username">/);
    expect(pages[0]!.body).toMatch(/<label for="password">/);
    expect(pages[1]!.body).toMatch(/<label for="code">/);

    await t.audit.flush();
    const events = await t.store.queryAudit({ type: 'login.success', user: 'alice' });
    expect(events[0]).toMatchObject({ decision: 'allow', source: '127.0.0.1', detail: { client: AGENT_CLIENT_ID, enrolled: false } });
  });

  it('issues Secure, HttpOnly cookies scoped to the mount', async () => {
    const browser = new Browser(t.ca);
    const start = await browser.get(authorizeUrl(t.issuer, pkce().challenge));
    const setCookies = start.headers['set-cookie'] ?? [];
    expect(setCookies.length).toBeGreaterThan(0);
    for (const line of setCookies) {
      expect(line.toLowerCase()).toContain('; secure');
      expect(line.toLowerCase()).toContain('; httponly');
      expect(line).toMatch(/; path=\/idp\//);
    }
    expect(start.location).toMatch(new RegExp(`^${t.origin}/idp/interaction/[\\w-]+$`));
  });

  it('refreshes: the new ID token keeps auth_time, amr and acr; the refresh token rotates', async () => {
    const { tokens } = await signIn(t, 'alice', ALICE_PASSWORD, ALICE_SECRET);
    const first = await verifyIdToken(t, tokens.id_token!);
    const refreshed = await postForm(t.ca, `${t.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: AGENT_CLIENT_ID });
    expect(refreshed.status, refreshed.body).toBe(200);
    const body = JSON.parse(refreshed.body) as Record<string, string>;
    const second = await verifyIdToken(t, body.id_token!);
    expect(second).toMatchObject({ sub: 'alice', auth_time: first.auth_time, amr: ['pwd', 'otp', 'mfa'], acr: DEFAULT_ACR, groups: ['engineering', 'admin'], email: 'alice@example.com' });
    expect(body.refresh_token).toBeTruthy();
    expect(body.refresh_token).not.toBe(tokens.refresh_token);
    // The rotated-away token is spent.
    const again = await postForm(t.ca, `${t.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: AGENT_CLIENT_ID });
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body)).toMatchObject({ error: 'invalid_grant' });
  });

  it('email_verified: ID tokens from the code exchange and from a refresh say email_verified true (admin-set addresses)', async () => {
    for (const [user, password, secret] of [['alice', ALICE_PASSWORD, ALICE_SECRET], ['carol', CAROL_PASSWORD, CAROL_SECRET]] as const) {
      const { tokens } = await signIn(t, user, password, secret);
      expect(await verifyIdToken(t, tokens.id_token!)).toMatchObject({ sub: user, email: `${user}@example.com`, email_verified: true });
      const refreshed = await postForm(t.ca, `${t.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: AGENT_CLIENT_ID });
      expect(refreshed.status, refreshed.body).toBe(200);
      const body = JSON.parse(refreshed.body) as Record<string, string>;
      expect(await verifyIdToken(t, body.id_token!)).toMatchObject({ sub: user, email: `${user}@example.com`, email_verified: true });
    }
    const discovery = JSON.parse((await new Browser(t.ca).get(`${t.issuer}/.well-known/openid-configuration`)).body) as { claims_supported: string[] };
    expect(discovery.claims_supported).toContain('email_verified');
  });

  it('revokes a refresh token (agent logout): it no longer refreshes', async () => {
    const { tokens } = await signIn(t, 'alice', ALICE_PASSWORD, ALICE_SECRET);
    const revoked = await postForm(t.ca, `${t.issuer}/token/revocation`, { token: tokens.refresh_token!, token_type_hint: 'refresh_token', client_id: AGENT_CLIENT_ID });
    expect(revoked.status).toBe(200);
    const refreshed = await postForm(t.ca, `${t.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: AGENT_CLIENT_ID });
    expect(JSON.parse(refreshed.body)).toMatchObject({ error: 'invalid_grant' });
  });

  it('signs a store user in, and refuses their refresh once they are disabled', async () => {
    const { tokens } = await signIn(t, 'carol', CAROL_PASSWORD, CAROL_SECRET);
    expect(await verifyIdToken(t, tokens.id_token!)).toMatchObject({ sub: 'carol', groups: ['sales'], email: 'carol@example.com' });
    await t.store.setIdpUserDisabled('carol', true);
    try {
      const refreshed = await postForm(t.ca, `${t.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: AGENT_CLIENT_ID });
      expect(refreshed.status).toBe(400);
      expect(JSON.parse(refreshed.body)).toMatchObject({ error: 'invalid_grant' });
    } finally {
      await t.store.setIdpUserDisabled('carol', false);
    }
  });

  it('accepts the loopback redirect on any port (RFC 8252 §7.3) and refuses a non-loopback one', async () => {
    const { tokens } = await signIn(t, 'alice', ALICE_PASSWORD, ALICE_SECRET, 'http://127.0.0.1:1/callback');
    expect(decodeJwt(tokens.id_token!).sub).toBe('alice');

    const browser = new Browser(t.ca);
    const { challenge } = pkce();
    for (const redirect of ['http://evil.example/callback', 'http://evil.example:53682/callback', 'https://127.0.0.1:53682/callback', 'http://127.0.0.1:53682/other']) {
      const refused = await browser.get(authorizeUrl(t.issuer, challenge, { redirect_uri: redirect }), { accept: 'text/html' });
      expect(refused.status, redirect).toBe(400);
      expect(refused.location).toBeUndefined();
      expect(alertText(refused.body)).toMatch(/redirect_uri/);
    }
  });

  it('requires PKCE with S256', async () => {
    const browser = new Browser(t.ca);
    const withoutPkce = await browser.get(authorizeUrl(t.issuer, 'x', { code_challenge: '', code_challenge_method: '' }).replace(/&code_challenge(_method)?=/g, ''));
    expect(withoutPkce.status).toBe(303);
    expect(new URL(withoutPkce.location!).searchParams.get('error')).toBe('invalid_request');
    const plain = await browser.get(authorizeUrl(t.issuer, 'a'.repeat(43), { code_challenge_method: 'plain' }));
    expect(new URL(plain.location!).searchParams.get('error')).toBe('invalid_request');
  });

  it('serves only under its mount path and answers unknown IdP routes itself', async () => {
    const browser = new Browser(t.ca);
    const outside = await browser.get(`${t.origin}/idpx/auth`);
    expect(outside.status).toBe(404);
    expect(outside.headers['x-frame-options']).toBeUndefined();
    const unknown = await browser.get(`${t.issuer}/nope`);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'invalid_request' });
    expect(unknown.headers['x-frame-options']).toBe('DENY');
    // A JSON body on the token endpoint reaches oidc-provider unparsed, which refuses it itself.
    const json = await browser.request('POST', `${t.issuer}/token`, '{"grant_type":"refresh_token"}', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('renders the sign-out confirmation with its own accessible page', async () => {
    const { browser } = await signIn(t, 'alice', ALICE_PASSWORD, ALICE_SECRET);
    const page = await browser.get(`${t.issuer}/session/end`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<html lang="en">/);
    expect(page.body).toMatch(/<form id="op.logoutForm"/);
    expect(page.body).toMatch(/<button type="submit" form="op.logoutForm" name="logout" value="yes">/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    const done = await browser.follow(await browser.post(new URL(/action="([^"]+)"/.exec(page.body)![1]!, t.origin).href, { ...hiddenInputs(page.body), logout: 'yes' }), t.origin);
    expect(done.status).toBe(200);
    expect(done.body).toMatch(/You are signed out of Zerogate/);
  });

  it('publishes discovery and JWKS under the mount path', async () => {
    const browser = new Browser(t.ca);
    const discovery = await browser.get(`${t.issuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    const doc = JSON.parse(discovery.body) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: t.issuer,
      authorization_endpoint: `${t.issuer}/auth`,
      token_endpoint: `${t.issuer}/token`,
      device_authorization_endpoint: `${t.issuer}/device/auth`,
      revocation_endpoint: `${t.issuer}/token/revocation`,
      jwks_uri: `${t.issuer}/jwks`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(doc.claims_supported).toEqual(expect.arrayContaining(['amr', 'acr', 'auth_time', 'groups', 'email']));
    const jwks = JSON.parse((await browser.get(`${t.issuer}/jwks`)).body) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(t.idp.publicJwks().keys.map((k) => k.kid));
    expect(JSON.stringify(t.idp.publicJwks())).not.toMatch(/"d"/);
  });
});

describe('embedded IdP restart', () => {
  it('keeps its keys and its sign-ins: a refresh token from before a restart still works', async () => {
    const users = [{ username: 'alice', email: 'alice@example.com', groups: ['eng'], passwordHash: await hashPassword(ALICE_PASSWORD), totpSecret: ALICE_SECRET }];
    const first = await startTestIdp({ now: clock.now, users });
    const { tokens } = await signIn(first, 'alice', ALICE_PASSWORD, ALICE_SECRET);
    const port = Number(new URL(first.origin).port);
    await first.app.close();
    await first.idp.close();
    await first.audit.close();

    const second = await startTestIdp({ now: clock.now, users, store: first.store, keysFile: first.keysFile, port });
    try {
      expect(second.idp.publicJwks()).toEqual(first.idp.publicJwks());
      // An ID token issued before the restart verifies against the restarted IdP's keys.
      expect((await verifyIdToken(second, tokens.id_token!)).sub).toBe('alice');
      const refreshed = await postForm(second.ca, `${second.issuer}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: AGENT_CLIENT_ID });
      expect(refreshed.status, refreshed.body).toBe(200);
    } finally {
      await second.close();
      await first.store.close();
    }
  });
});

describe('embedded IdP acting as another IdP: configurable claims', () => {
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({
      now: clock.now,
      users: [{ username: 'alice', email: 'alice@example.com', groups: ['eng'], passwordHash: await hashPassword(ALICE_PASSWORD), totpSecret: ALICE_SECRET }],
      claims: { groupsClaim: 'roles', amr: ['pwd', 'hwk'], acr: 'urn:example:loa:gold' },
    });
  });
  afterAll(async () => t?.close());

  it('puts the configured groups claim, amr and acr in the ID token', async () => {
    const { tokens } = await signIn(t, 'alice', ALICE_PASSWORD, ALICE_SECRET);
    const claims = await verifyIdToken(t, tokens.id_token!);
    expect(claims).toMatchObject({ roles: ['eng'], amr: ['pwd', 'hwk'], acr: 'urn:example:loa:gold' });
    expect(claims).not.toHaveProperty('groups');
  });
});
