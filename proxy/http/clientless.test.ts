import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { REASONS } from '../../shared/reasons.ts';
import { browserIdentity, crossSiteWhy, dropProxyCookies, guardResponse, loginHref, rewriteLocation, withoutAppsCookie, writeRefusalPage } from './clientless.ts';
import { deviceRequiredPage, refusedPage, signInPage } from './clientless-pages.ts';

/** The apps origin (server.appsUrl): changes must come from it. */
const ORIGIN = 'https://apps.zerogate.example:8443';
const UPSTREAM = 'http://127.0.0.1:9000';

describe('crossSiteWhy', () => {
  const req = (method: string, headers: Record<string, string>) => ({ method, headers });
  it.each([
    ['GET', {}],
    ['HEAD', { origin: 'https://evil.example' }],
    ['POST', { origin: ORIGIN }],
    ['POST', { 'sec-fetch-site': 'same-origin' }],
    ['DELETE', { origin: ORIGIN, 'sec-fetch-site': 'same-origin' }],
  ])('lets %s %j through', (method, headers) => {
    expect(crossSiteWhy(req(method, headers), ORIGIN)).toBeUndefined();
  });

  it.each([
    ['POST', { origin: 'https://evil.example' }, 'origin'],
    ['POST', { origin: 'null' }, 'origin'],
    ['POST', { origin: 'https://zerogate.example:8443' }, 'origin'],
    ['POST', { origin: 'https://apps.zerogate.example' }, 'origin'],
    ['PUT', { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }, 'origin'],
    ['POST', { 'sec-fetch-site': 'cross-site' }, 'sec-fetch-site'],
    ['POST', { 'sec-fetch-site': 'same-site' }, 'sec-fetch-site'],
    ['PATCH', {}, 'no-origin'],
    ['OPTIONS', {}, 'no-origin'],
  ])('refuses %s %j (%s)', (method, headers, why) => {
    expect(crossSiteWhy(req(method, headers as Record<string, string>), ORIGIN)).toBe(why);
  });
});

describe('rewriteLocation', () => {
  const own = [ORIGIN, UPSTREAM];
  it.each([
    ['/login', '/a/wiki/login'],
    ['/login?next=%2F', '/a/wiki/login?next=%2F'],
    ['/a/wiki/already', '/a/wiki/already'],
    ['/a/wikipedia', '/a/wiki/a/wikipedia'],
    [`${UPSTREAM}/users/1#top`, '/a/wiki/users/1#top'],
    [`${ORIGIN}/x`, '/a/wiki/x'],
    [`${ORIGIN}/a/wiki/x`, '/a/wiki/x'],
    ['https://idp.example/authorize?x=1', 'https://idp.example/authorize?x=1'],
    ['//evil.example/x', '//evil.example/x'],
    ['relative/path', 'relative/path'],
  ])('%s -> %s', (location, expected) => {
    expect(rewriteLocation(location, '/a/wiki', own)).toBe(expected);
  });
});

describe('dropProxyCookies', () => {
  it('removes only the proxy\'s __Host-zg_ cookies', () => {
    expect(dropProxyCookies(['__Host-zg_console=forged; Path=/; Secure', 'app=1; Path=/', '__host-ZG_console_login=x'])).toEqual(['app=1; Path=/']);
    expect(dropProxyCookies('__Host-zg_console=forged; Path=/')).toBeUndefined();
    expect(dropProxyCookies('app=1')).toBe('app=1');
  });
});

describe('guardResponse on a real server', () => {
  it('rewrites Location and drops proxy cookies whether set with setHeader or writeHead', async () => {
    const server = createServer((_req, res) => {
      guardResponse(res, '/a/wiki', [ORIGIN, UPSTREAM]);
      res.setHeader('set-cookie', ['__Host-zg_console=forged; Path=/; Secure; HttpOnly', 'app=1']);
      res.writeHead(302, { location: '/signed-out' });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const response = await new Promise<IncomingMessage>((resolve, reject) => request({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject).end());
    response.resume();
    server.close();
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/a/wiki/signed-out');
    expect(response.headers['set-cookie']).toEqual(['app=1']);
  });
});

describe('writeRefusalPage (the gateway\'s renderer for browsers)', () => {
  it('answers a gateway refusal as an HTML page with the CSP, the code and Retry-After', async () => {
    const server = createServer((_req, res) => {
      writeRefusalPage(res, { status: 429, code: 'ZG_ERR_RATE_LIMITED', reasons: ['rate-limited'], message: 'too many requests <now>', retryAfter: 1.4 }, undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const response = await new Promise<IncomingMessage>((resolve, reject) => request({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject).end());
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    server.close();
    const html = Buffer.concat(chunks).toString('utf8');
    expect(response.statusCode).toBe(429);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['x-zerogate-error']).toBe('ZG_ERR_RATE_LIMITED');
    expect(response.headers['retry-after']).toBe('2');
    expect(html).toContain('Too many requests');
    expect(html).toContain('too many requests &lt;now&gt;');
    expect(html).toContain('data-reason="rate-limited"');
  });
});

describe('loginHref (the console origin\'s handoff)', () => {
  const CONSOLE = 'https://zerogate.example:8443';
  it('returns to the very request through the console\'s handoff', () => {
    expect(loginHref('/a/wiki/pages/1?x=2', '/a/wiki', CONSOLE)).toBe(`${CONSOLE}/console/app-handoff?next=%2Fa%2Fwiki%2Fpages%2F1%3Fx%3D2`);
  });
  it('falls back to the app root for long or odd paths', () => {
    expect(loginHref(`/a/wiki/${'x'.repeat(600)}`, '/a/wiki', CONSOLE)).toBe(`${CONSOLE}/console/app-handoff?next=%2Fa%2Fwiki%2F`);
    expect(loginHref('/a/wiki//evil.example', '/a/wiki', CONSOLE)).toBe(`${CONSOLE}/console/app-handoff?next=%2Fa%2Fwiki%2F`);
  });
});

describe('withoutAppsCookie', () => {
  it('removes only the apps cookie before the request reaches the app', () => {
    const req = { headers: { cookie: 'a=1; __Host-zg_apps=secret; b=2' } } as unknown as IncomingMessage;
    withoutAppsCookie(req);
    expect(req.headers.cookie).toBe('a=1; b=2');
    const only = { headers: { cookie: '__Host-zg_apps=secret' } } as unknown as IncomingMessage;
    withoutAppsCookie(only);
    expect(only.headers.cookie).toBeUndefined();
  });
});

describe('pages', () => {
  it('escape what they show and load no script or inline style', () => {
    for (const page of [
      signInPage('<b>wiki</b>', '/console/login?next=%2Fa%2Fw%2F', false),
      deviceRequiredPage('"><script>x</script>', ['disk-encryption'], ['posture-missing', '<img>']),
      refusedPage(429, 'ZG_ERR_RATE_LIMITED', 'Too many requests', '<i>slow down</i>', ['rate-limited'], 2.2),
    ]) {
      expect(page.html).not.toMatch(/<script|<style|style=|<img/i);
      expect(page.html).toContain('<link rel="stylesheet" href="/a/-/page.css">');
    }
  });

  it('say what a managed device needs and what to do, with each reason\'s remediation', () => {
    const page = deviceRequiredPage('Wiki', ['posture-max-age', 'disk-encryption'], ['posture-missing']);
    expect(page.status).toBe(403);
    expect(page.code).toBe('ZG_ERR_HTTP_DEVICE_REQUIRED');
    expect(page.html).toContain('data-check="disk-encryption"');
    expect(page.html).toContain('<code>zerogate login</code>');
    expect(page.html).toContain('data-reason="posture-missing"');
    expect(page.html).toContain(REASONS['posture-missing'].remediation.replace(/'/g, '&#39;'));
  });

  it('refresh once only for a navigation from another site', () => {
    expect(signInPage('w', '/console/login', true).html).toContain('<meta http-equiv="refresh" content="0">');
    expect(signInPage('w', '/console/login', false).html).not.toContain('http-equiv');
  });
});

describe('browserIdentity (a console session judged by an app policy)', () => {
  const base = { sid: 's'.repeat(43), user: 'ann', groups: ['staff'], role: 'employee' as const, csrf: 'x'.repeat(43), issuedAt: 1_000_000_000_000, expiresAt: 1_000_003_600_000 };
  const config = { identity: { session: { mfaMaxAgeMs: 12 * 3_600_000 } } } as unknown as Parameters<typeof browserIdentity>[1];

  it('uses the amr and auth_time the console sign-in recorded', () => {
    const identity = browserIdentity({ ...base, amr: ['pwd', 'otp', 'mfa'], authTime: base.issuedAt - 5_000 }, config);
    expect(identity.session.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(identity.claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(identity.session.authTime).toBe(base.issuedAt - 5_000);
  });

  it('assumes no MFA and the oldest allowed sign-in for a cookie without them (fails closed)', () => {
    const identity = browserIdentity(base, config);
    expect(identity.session.amr).toEqual([]);
    expect(identity.session.authTime).toBe(base.issuedAt - 12 * 3_600_000);
  });
});
