import { generateSecret } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONCURRENT_PASSWORD_CHECKS, passwordChecks } from './failure-limiter.ts';
import { hashPassword } from './index.ts';
import { IDP_FORM_POSTS_PER_MINUTE, IDP_REQUESTS_PER_MINUTE } from './options.ts';
import { MESSAGES } from './pages.ts';
import { alertText, authorizeUrl, Browser, formAction, pkce, startTestIdp, TestClock, type HttpResponse, type TestIdp } from './test-helpers.ts';

const PASSWORD = 'rate-limit-test-password';

/** `count` requests, at most 25 at a time. */
async function many(count: number, send: (i: number) => Promise<HttpResponse>): Promise<HttpResponse[]> {
  const answers: HttpResponse[] = [];
  for (let i = 0; i < count; i += 25) {
    answers.push(...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, j) => send(i + j)))));
  }
  return answers;
}

const from = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip });

describe('rate limits on /idp/* where the app registers @fastify/rate-limit as the proxy does', () => {
  const clock = new TestClock();
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({
      now: clock.now,
      server: { rateLimit: true, trustProxy: true },
      rateLimit: { failuresPerUser: 100, failuresPerSource: 2, windowMs: 60_000 },
      users: [{ username: 'alice', email: 'alice@example.com', groups: [], passwordHash: await hashPassword(PASSWORD), totpSecret: generateSecret() }],
    });
  });
  afterAll(async () => t?.close());

  it(`answers oidc-provider's endpoints 429 with Retry-After past ${IDP_REQUESTS_PER_MINUTE} requests a minute from one source, and only that source`, async () => {
    const browser = new Browser(t.ca);
    const url = `${t.issuer}/.well-known/openid-configuration`;
    const answers = await many(IDP_REQUESTS_PER_MINUTE, () => browser.get(url, from('198.51.100.7')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const limited = await browser.get(url, from('198.51.100.7'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(limited.body)).toMatchObject({ statusCode: 429, message: expect.stringMatching(/^too many requests/) });
    expect((await browser.get(url, from('198.51.100.8'))).status).toBe(200);
  });

  it(`answers the sign-in forms 429 past ${IDP_FORM_POSTS_PER_MINUTE} posts a minute from one source, counting an IPv6 /64 as one source`, async () => {
    const browser = new Browser(t.ca);
    const action = `${t.issuer}/interaction/no-such-interaction/abort`;
    // Half from one address, half from another in the same /64.
    const answers = await many(IDP_FORM_POSTS_PER_MINUTE, (i) => browser.post(action, {}, from(i % 2 === 0 ? '2001:db8:0:1::1' : '2001:db8:0:1:ffff:ffff:ffff:2')));
    expect(answers.every((a) => a.status === 400)).toBe(true);
    const limited = await browser.post(action, {}, from('2001:db8:0:1:abcd::9'));
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await browser.post(action, {}, from('2001:db8:0:2::1'))).status).toBe(400);
    // IPv4 behind its IPv6-mapped form is the IPv4 address.
    expect((await browser.post(action, {}, from('::ffff:198.51.100.9'))).status).toBe(400);
  });

  it('counts sign-in failures of an IPv6 source by its /64', async () => {
    const attempt = async (ip: string, username: string): Promise<HttpResponse> => {
      const browser = new Browser(t.ca);
      const page = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge), from(ip)), t.origin);
      return browser.post(new URL(formAction(page.body, '/login'), t.origin).href, { username, password: 'wrong' }, from(ip));
    };
    expect((await attempt('2001:db8:7:7::1', 'u1')).status).toBe(400);
    expect((await attempt('2001:db8:7:7::2', 'u2')).status).toBe(400);
    const limited = await attempt('2001:db8:7:7:1234::3', 'u3');
    expect(limited.status).toBe(429);
    expect(alertText(limited.body)).toMatch(/^Too many failed sign-in attempts/);
    expect((await attempt('2001:db8:7:8::1', 'u4')).status).toBe(400);
  });
});

describe('scrypt checks at once are capped process-wide', () => {
  const clock = new TestClock();
  let t: TestIdp;

  beforeAll(async () => {
    t = await startTestIdp({ now: clock.now, users: [{ username: 'alice', email: 'alice@example.com', groups: [], passwordHash: await hashPassword(PASSWORD), totpSecret: generateSecret() }] });
  });
  afterAll(async () => t?.close());

  it(`answers 503 with Retry-After while ${MAX_CONCURRENT_PASSWORD_CHECKS} checks run, counting no failure, and checks again once one ends`, async () => {
    const browser = new Browser(t.ca);
    const page = await browser.follow(await browser.get(authorizeUrl(t.issuer, pkce().challenge)), t.origin);
    const action = new URL(formAction(page.body, '/login'), t.origin).href;
    // Every slot taken, as by checks of other sign-ins (from any source, at any IdP in this process).
    const held = Array.from({ length: MAX_CONCURRENT_PASSWORD_CHECKS }, () => passwordChecks.tryAcquire());
    try {
      expect(held.every((release) => release !== undefined)).toBe(true);
      expect(passwordChecks.tryAcquire()).toBeUndefined();
      const busy = await browser.post(action, { username: 'alice', password: PASSWORD });
      expect(busy.status).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(alertText(busy.body)).toBe(MESSAGES.busy);
    } finally {
      for (const release of held) release?.();
    }
    expect(passwordChecks.inUse).toBe(0);
    const checked = await browser.post(action, { username: 'alice', password: PASSWORD });
    expect(checked.status).toBe(303);
    expect(passwordChecks.inUse).toBe(0);
    await t.audit.flush();
    const events = await t.store.queryAudit({ type: 'login.fail' });
    expect(events.map((e) => e.detail?.reason)).toEqual(['busy']);
  });
});
