/**
 * The browser sign-in against a real oidc-provider on HTTPS, reached only through the pinned
 * CA: authorization code + PKCE with the RFC 8252 loopback redirect, driven by a scripted browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createServerCert } from '../../../proxy/pki/index.ts';
import { expectZgRejection } from '../../../proxy/pki/test-helpers.ts';
import { discoverIssuer, loginWithBrowser, type OidcClient } from './index.ts';
import { TestBrowser } from './test-browser.ts';
import { startTestIdp, TEST_CLIENT_ID, TEST_SCOPES, type TestIdp } from './test-idp.ts';

let ca: { certPem: string; keyPem: string };
let idp: TestIdp;
let client: OidcClient;

beforeAll(async () => {
  ca = createCa({ commonName: 'auth test CA' });
  idp = await startTestIdp(createServerCert(ca, ['127.0.0.1']));
  client = await discoverIssuer({ issuer: idp.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, acrValues: 'urn:zerogate:test' }, { ca: ca.certPem });
});

afterAll(async () => {
  await idp?.close();
});

/** Signs in at the IdP and returns where the IdP sent the browser (the loopback redirect). */
async function signInAt(authorizationUrl: string, options: { login?: string; abort?: boolean } = {}): Promise<{ browser: TestBrowser; callback: URL }> {
  const browser = new TestBrowser(ca.certPem);
  const outcome = await browser.signIn(authorizationUrl, options);
  if (!('leftTo' in outcome)) throw new Error(`the IdP did not redirect back (ended at ${outcome.done})`);
  return { browser, callback: new URL(outcome.leftTo) };
}

/**
 * An `open` callback that behaves like a browser: it returns at once and walks the pages in the
 * background; `done()` waits for that walk (and rethrows its failures) once the sign-in is over.
 */
function backgroundBrowser(drive: (url: string) => Promise<void>): { open: (url: string) => void; done: () => Promise<void> } {
  let pending: Promise<void> = Promise.resolve();
  return {
    open: (url) => {
      pending = drive(url);
      pending.catch(() => undefined);
    },
    done: () => pending,
  };
}

describe('loginWithBrowser', () => {
  it('signs in with code + PKCE S256, state and nonce, and returns verified claims', async () => {
    let authorizationUrl: URL | undefined;
    let page: { status: number; body: string } | undefined;
    const user = backgroundBrowser(async (url) => {
      authorizationUrl = new URL(url);
      const { browser, callback } = await signInAt(url, { login: 'alice' });
      page = await browser.request('GET', callback.href);
    });
    const tokens = await loginWithBrowser(client, { open: user.open });
    await user.done();

    const params = authorizationUrl!.searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')?.length).toBeGreaterThanOrEqual(16);
    expect(params.get('nonce')?.length).toBeGreaterThanOrEqual(16);
    expect(params.get('scope')).toBe(TEST_SCOPES.join(' '));
    expect(params.get('prompt')).toBe('consent');
    expect(params.get('acr_values')).toBe('urn:zerogate:test');
    expect(params.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    expect(page?.status).toBe(200);
    expect(page?.body).toContain('Signed in to Zerogate, you can close this tab.');

    expect(tokens.idToken.split('.')).toHaveLength(3);
    expect(tokens.accessToken).not.toBe('');
    expect(tokens.refreshToken).toBeDefined();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    expect(tokens.claims).toMatchObject({
      iss: idp.issuer,
      aud: TEST_CLIENT_ID,
      sub: 'alice',
      email: 'alice@example.test',
      groups: ['engineering'],
      nonce: params.get('nonce'),
    });
  });

  it('checks the ID token signature against the JWKS, fetched through the pinned CA', async () => {
    idp.knobs.tamperNextIdToken = true;
    let page: { status: number; body: string } | undefined;
    const user = backgroundBrowser(async (url) => {
      const { browser, callback } = await signInAt(url);
      page = await browser.request('GET', callback.href);
    });
    const error = await expectZgRejection(loginWithBrowser(client, { open: user.open }), 'ZG_ERR_AUTH_ID_TOKEN_INVALID');
    await user.done();
    expect(error.message).toContain('JWT signature verification failed');
    // The JWKS is cached per client: it was fetched (through the pinned fetch, the only way to this IdP) at the first sign-in.
    expect(idp.knobs.paths).toContain('/jwks');
    expect(page?.status).toBe(400);
    expect(page?.body).toContain('failed verification');
  });

  it('closes the loopback server once the sign-in is done', async () => {
    let redirectUri = '';
    const user = backgroundBrowser(async (url) => {
      redirectUri = new URL(url).searchParams.get('redirect_uri')!;
      const { browser, callback } = await signInAt(url);
      await browser.request('GET', callback.href);
    });
    await loginWithBrowser(client, { open: user.open });
    await user.done();
    await expect(new TestBrowser(ca.certPem).request('GET', `${redirectUri}?state=x&code=y`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('ignores a callback with the wrong state and still accepts the real one', async () => {
    const answers: { status: number; body: string }[] = [];
    const user = backgroundBrowser(async (url) => {
      const { browser, callback } = await signInAt(url);
      const forged = new URL(callback);
      forged.searchParams.set('state', 'someone-elses-state-value');
      answers.push(await browser.request('GET', forged.href));
      const noState = new URL(callback);
      noState.searchParams.delete('state');
      answers.push(await browser.request('GET', noState.href));
      answers.push(await browser.request('GET', new URL('/favicon.ico', callback).href));
      answers.push(await browser.request('GET', callback.href));
      answers.push(await browser.request('GET', callback.href).catch(() => ({ status: 0, body: 'closed' })));
    });
    const tokens = await loginWithBrowser(client, { open: user.open });
    await user.done();
    expect(answers.map((a) => a.status)).toEqual([400, 400, 404, 200, expect.any(Number)]);
    expect(answers[0]?.body).toContain('does not belong to the sign-in in progress');
    expect(answers[4]?.status === 409 || answers[4]?.status === 0).toBe(true);
    expect(tokens.claims.sub).toBe('alice');
  });

  it('times out with a wrong-state callback only, and closes the server', async () => {
    let redirectUri = '';
    let forgedAnswer = 0;
    const user = backgroundBrowser(async (url) => {
      const { browser, callback } = await signInAt(url);
      redirectUri = new URL(url).searchParams.get('redirect_uri')!;
      callback.searchParams.set('state', 'not-the-state-we-sent');
      forgedAnswer = (await browser.request('GET', callback.href)).status;
    });
    const error = await expectZgRejection(loginWithBrowser(client, { timeoutMs: 1_500, open: user.open }), 'ZG_ERR_AUTH_LOGIN_TIMEOUT');
    await user.done();
    expect(forgedAnswer).toBe(400);
    expect(error.detail).toEqual({ timeoutMs: 1_500 });
    await expect(new TestBrowser(ca.certPem).request('GET', redirectUri)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('turns the IdP answering error=access_denied into ZG_ERR_AUTH_LOGIN_FAILED and tells the browser', async () => {
    let page: { status: number; body: string } | undefined;
    let idpError: string | null = null;
    const user = backgroundBrowser(async (url) => {
      const { browser, callback } = await signInAt(url, { abort: true });
      idpError = callback.searchParams.get('error');
      page = await browser.request('GET', callback.href);
    });
    const error = await expectZgRejection(loginWithBrowser(client, { open: user.open }), 'ZG_ERR_AUTH_LOGIN_FAILED');
    await user.done();
    expect(idpError).toBe('access_denied');
    expect(error.detail).toMatchObject({ operation: 'authorization', oauthError: 'access_denied' });
    expect(error.message).toContain('access_denied');
    expect(page?.status).toBe(400);
    expect(page?.body).toContain('Sign-in failed: ');
    expect(page?.body).toContain('access_denied');
  });

  it('times out when the browser never comes back', async () => {
    const started = Date.now();
    await expectZgRejection(loginWithBrowser(client, { timeoutMs: 300, open: () => undefined }), 'ZG_ERR_AUTH_LOGIN_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops when the signal fires, before or during the wait', async () => {
    const before = new AbortController();
    before.abort();
    const early = await expectZgRejection(loginWithBrowser(client, { signal: before.signal, open: () => undefined }), 'ZG_ERR_AUTH_LOGIN_FAILED');
    expect(early.detail).toEqual({ cancelled: true });

    const during = new AbortController();
    const late = await expectZgRejection(
      loginWithBrowser(client, { signal: during.signal, open: () => void setTimeout(() => during.abort(), 50) }),
      'ZG_ERR_AUTH_LOGIN_FAILED',
    );
    expect(late.detail).toEqual({ cancelled: true });
  });

  it('passes an error of the open callback through, and still closes the server', async () => {
    let redirectUri = '';
    await expect(
      loginWithBrowser(client, {
        open: (url) => {
          redirectUri = new URL(url).searchParams.get('redirect_uri')!;
          throw new Error('no display');
        },
      }),
    ).rejects.toThrow('no display');
    await expect(new TestBrowser(ca.certPem).request('GET', redirectUri)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects misuse with a TypeError', async () => {
    await expect(loginWithBrowser(client, { open: () => undefined, timeoutMs: 0 })).rejects.toBeInstanceOf(TypeError);
    await expect(loginWithBrowser(client, { open: () => undefined, listenHost: 'localhost' as '127.0.0.1' })).rejects.toBeInstanceOf(TypeError);
    await expect(loginWithBrowser({} as OidcClient, { open: () => undefined })).rejects.toBeInstanceOf(TypeError);
  });
});
