import { describe, expect, it } from 'vitest';
import { safeNext } from './index.ts';
import { errorPage } from './pages.ts';

describe('safeNext', () => {
  it.each([
    ['/console/devices/dev-123', '/console/devices/dev-123'],
    ['/console/apps?edit=wiki', '/console/apps?edit=wiki'],
    ['/console/', '/console/'],
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
