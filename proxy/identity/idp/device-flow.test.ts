import { createLocalJWKSet, jwtVerify } from 'jose';
import { generateSecret } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLIENT_ID, DEFAULT_ACR, DEVICE_CODE_GRANT_TYPE, hashPassword } from './index.ts';
import { alertText, Browser, completeSignIn, formAction, hiddenInputs, postForm, startTestIdp, TestClock, totpAt, type TestIdp } from './test-helpers.ts';

const PASSWORD = 'device-flow-password';
const SECRET = generateSecret();

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

describe('device authorization grant (RFC 8628)', () => {
  const clock = new TestClock();
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({
      now: clock.now,
      ttl: { deviceCodeSeconds: 300 },
      users: [{ username: 'erin', email: 'erin@example.com', groups: ['ops'], passwordHash: await hashPassword(PASSWORD), totpSecret: SECRET }],
    });
  });
  afterAll(async () => t?.close());

  const startDevice = async (): Promise<DeviceAuthorization> => {
    const response = await postForm(t.ca, `${t.issuer}/device/auth`, { client_id: AGENT_CLIENT_ID, scope: 'openid email groups offline_access' });
    expect(response.status, response.body).toBe(200);
    return JSON.parse(response.body) as DeviceAuthorization;
  };
  const poll = (deviceCode: string) => postForm(t.ca, `${t.issuer}/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: AGENT_CLIENT_ID });

  it('completes through the user-code page, password and TOTP, and the poller gets an ID token and a refresh token', async () => {
    const device = await startDevice();
    expect(device.verification_uri).toBe(`${t.issuer}/device`);
    expect(device.expires_in).toBe(300);
    expect(JSON.parse((await poll(device.device_code)).body)).toMatchObject({ error: 'authorization_pending' });

    const browser = new Browser(t.ca);
    const input = await browser.get(device.verification_uri);
    expect(input.status).toBe(200);
    expect(input.body).toMatch(/<label for="user_code">Code shown on your device<\/label>/);
    expect(input.body).not.toMatch(/<script|onfocus/i);
    expect(input.headers['x-frame-options']).toBe('DENY');
    const action = new URL(formAction(input.body, '/device'), t.origin).href;

    const confirm = await browser.post(action, { ...hiddenInputs(input.body), user_code: device.user_code });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain(device.user_code);
    expect(confirm.body).toMatch(/Zerogate agent/);

    const start = await browser.post(action, hiddenInputs(confirm.body));
    expect(start.status).toBe(303);
    const { final } = await completeSignIn(browser, t.origin, start, { username: 'erin', password: PASSWORD, code: () => totpAt(SECRET, clock.now()) });
    expect(final.status).toBe(200);
    expect(final.body).toMatch(/Device connected/);

    const tokens = JSON.parse((await poll(device.device_code)).body) as Record<string, string>;
    expect(tokens.refresh_token).toBeTruthy();
    const { payload } = await jwtVerify(tokens.id_token!, createLocalJWKSet(t.idp.publicJwks() as Parameters<typeof createLocalJWKSet>[0]), { issuer: t.issuer, audience: AGENT_CLIENT_ID });
    expect(payload).toMatchObject({ sub: 'erin', email: 'erin@example.com', email_verified: true, groups: ['ops'], amr: ['pwd', 'otp', 'mfa'], acr: DEFAULT_ACR });
    expect(typeof payload.auth_time).toBe('number');
    // A device code is used once.
    expect(JSON.parse((await poll(device.device_code)).body)).toMatchObject({ error: 'invalid_grant' });
  });

  it('auto-submits verification_uri_complete with a script the CSP allows by hash alone', async () => {
    const device = await startDevice();
    const page = await new Browser(t.ca).get(device.verification_uri_complete);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<script>/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'none' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(page.body).toMatch(/<noscript>/);
  });

  it('says in words when the user code is wrong', async () => {
    await startDevice();
    const browser = new Browser(t.ca);
    const input = await browser.get(`${t.issuer}/device`);
    const wrong = await browser.post(new URL(formAction(input.body, '/device'), t.origin).href, { ...hiddenInputs(input.body), user_code: 'BCDF-GHJK' });
    expect(alertText(wrong.body)).toMatch(/That code is not right/);
    expect(wrong.body).toMatch(/<html lang="en">/);
  });

  it('tells the poller when the user cancels on the confirmation page', async () => {
    const device = await startDevice();
    const browser = new Browser(t.ca);
    const input = await browser.get(`${t.issuer}/device`);
    const action = new URL(formAction(input.body, '/device'), t.origin).href;
    const confirm = await browser.post(action, { ...hiddenInputs(input.body), user_code: device.user_code });
    const aborted = await browser.post(action, { ...hiddenInputs(confirm.body), abort: 'yes' });
    expect(alertText(aborted.body)).toMatch(/cancelled/);
    expect(JSON.parse((await poll(device.device_code)).body)).toMatchObject({ error: 'access_denied' });
  });
});
