/**
 * The device authorization grant (RFC 8628) against a real oidc-provider over the pinned CA;
 * the test plays the user on the "other device" while the agent polls.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createServerCert } from '../../../proxy/pki/index.ts';
import { expectZgRejection } from '../../../proxy/pki/test-helpers.ts';
import { discoverIssuer, loginWithDeviceCode, type DeviceCodePrompt, type OidcClient } from './index.ts';
import { TestBrowser } from './test-browser.ts';
import { startTestIdp, TEST_CLIENT_ID, TEST_SCOPES, type TestIdp } from './test-idp.ts';

let ca: { certPem: string; keyPem: string };
let idp: TestIdp;
let client: OidcClient;

beforeAll(async () => {
  ca = createCa({ commonName: 'device test CA' });
  idp = await startTestIdp(createServerCert(ca, ['127.0.0.1']));
  client = await discoverIssuer({ issuer: idp.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES }, { ca: ca.certPem });
});

afterEach(() => {
  idp.knobs.deviceCodeTtlSeconds = 600;
  idp.knobs.deviceInterval = 1;
  idp.knobs.slowDownNextPoll = false;
  idp.knobs.devicePollTimes.length = 0;
});

afterAll(async () => {
  await idp?.close();
});

/** The user, on another device, opening the verification URI and signing in (or refusing). */
function userCompletes(prompt: DeviceCodePrompt, options: { login?: string; abort?: boolean; delayMs?: number } = {}): Promise<unknown> {
  return new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 0)).then(() =>
    new TestBrowser(ca.certPem).signIn(prompt.verificationUriComplete ?? prompt.verificationUri, { login: options.login ?? 'bob', userCode: prompt.userCode, abort: options.abort ?? false }),
  );
}

describe('loginWithDeviceCode', () => {
  it('shows the code, polls while the user signs in elsewhere, and returns verified claims', async () => {
    let prompt: DeviceCodePrompt | undefined;
    let user: Promise<unknown> = Promise.resolve();
    const tokens = await loginWithDeviceCode(client, {
      show: (shown) => {
        prompt = shown;
        user = userCompletes(shown, { login: 'bob', delayMs: 1_500 });
      },
    });
    await expect(user).resolves.toMatchObject({ done: expect.stringContaining('/device/') });

    expect(prompt?.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(prompt?.verificationUri).toBe(`${idp.issuer}/device`);
    expect(prompt?.verificationUriComplete).toContain('user_code=');
    expect(prompt?.expiresInSeconds).toBe(600);
    expect(idp.knobs.devicePollTimes.length).toBeGreaterThanOrEqual(2);
    expect(tokens.claims).toMatchObject({ iss: idp.issuer, aud: TEST_CLIENT_ID, sub: 'bob', groups: ['engineering'] });
    expect(tokens.claims.nonce).toBeUndefined();
    expect(tokens.refreshToken).toBeDefined();
  });

  it('waits 5 s longer after slow_down (RFC 8628 §3.5)', async () => {
    idp.knobs.slowDownNextPoll = true;
    let user: Promise<unknown> = Promise.resolve();
    await loginWithDeviceCode(client, {
      show: (shown) => {
        user = userCompletes(shown);
      },
    });
    await user;
    const [slowDown, next] = idp.knobs.devicePollTimes;
    expect(next! - slowDown!).toBeGreaterThanOrEqual(5_900);
  }, 20_000);

  it('fails with ZG_ERR_AUTH_LOGIN_TIMEOUT when the device code expires', async () => {
    idp.knobs.deviceCodeTtlSeconds = 2;
    let expiresIn = 0;
    const started = Date.now();
    const error = await expectZgRejection(
      loginWithDeviceCode(client, {
        show: (shown) => {
          expiresIn = shown.expiresInSeconds;
        },
      }),
      'ZG_ERR_AUTH_LOGIN_TIMEOUT',
    );
    expect(expiresIn).toBe(2);
    expect(error.message).toContain('--device-code');
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('fails with ZG_ERR_AUTH_LOGIN_FAILED when the user refuses at the IdP', async () => {
    let user: Promise<unknown> = Promise.resolve();
    const error = await expectZgRejection(
      loginWithDeviceCode(client, {
        show: (shown) => {
          user = userCompletes(shown, { abort: true });
        },
      }),
      'ZG_ERR_AUTH_LOGIN_FAILED',
    );
    await user;
    expect(error.detail).toMatchObject({ operation: 'device-poll', oauthError: 'access_denied' });
  });

  it('stops polling when the signal fires', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const error = await expectZgRejection(
      loginWithDeviceCode(client, {
        signal: controller.signal,
        show: () => void setTimeout(() => controller.abort(), 200),
      }),
      'ZG_ERR_AUTH_LOGIN_FAILED',
    );
    expect(error.detail).toEqual({ cancelled: true });
    expect(Date.now() - started).toBeLessThan(3_000);

    await expectZgRejection(loginWithDeviceCode(client, { signal: controller.signal, show: () => undefined }), 'ZG_ERR_AUTH_LOGIN_FAILED');
  });

  it('rejects misuse with a TypeError', async () => {
    await expect(loginWithDeviceCode(client, {} as { show: () => void })).rejects.toBeInstanceOf(TypeError);
  });
});
