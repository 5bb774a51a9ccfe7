import { describe, expect, it } from 'vitest';
import { safeNext } from './index.ts';
import { errorPage } from './pages.ts';

describe('safeNext', () => {
  it.each([
    ['/console/devices/dev-123', '/console/devices/dev-123'],
    ['/console/apps?edit=wiki', '/console/apps?edit=wiki'],
    ['/console/', '/console/'],
    // Clientless apps (proxy/http/clientless.ts) sign in through the console too.
    ['/a/wiki', '/a/wiki'],
    ['/a/wiki/', '/a/wiki/'],
    ['/a/wiki/pages/42?tab=history', '/a/wiki/pages/42?tab=history'],
    ['/a/wiki?x=1', '/a/wiki?x=1'],
    ['/a/my-app-2/a/b/../c', '/a/my-app-2/a/c'],
  ])('keeps the console path %s', (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });

  it.each([
    undefined,
    '',
    'https://evil.example/console/',
    '//evil.example/console/',
    '/\\evil.example',
    '/console/../idp/auth',
    '/console/%2e%2e/v1/me',
    '/console/%2E%2E/x',
    '/console\\..\\x',
    'javascript:alert(1)',
    '/console/login?next=https://evil.example',
    '/console/callback',
    '/console/api/session',
    '/console/ x',
    `/console/${'a'.repeat(600)}`,
    '/v1/admin/audit',
    '/console',
    '/a/',
    '/a',
    '/a/Wiki/',
    '/a/-wiki/',
    '/a/wiki/../../console/api/session',
    '/a/wiki/..',
    '/a/wiki/%2e%2e/other',
    '/a/wiki/%2E%2E/%2E%2E/v1/me',
    '/a/wiki\\..\\other',
    '/a/wiki//evil.example',
    '/a//evil.example/',
    '//a/wiki/',
    '/a/wiki/\tx',
    'https://evil.example/a/wiki/',
    `/a/${'a'.repeat(64)}/`,
    `/a/wiki/${'a'.repeat(600)}`,
    '/ax/wiki',
  ])('sends %j to the console home', (next) => {
    expect(safeNext(next)).toBe('/console/');
  });
});

describe('errorPage', () => {
  it('escapes everything it shows', () => {
    const html = errorPage({ title: '<b>', code: 'ZG_ERR_X', message: '"><script>alert(1)</script>', link: { href: '/console/login?a=1&b="2"', text: 'Try again' } });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('href="/console/login?a=1&amp;b=&quot;2&quot;"');
  });
});
