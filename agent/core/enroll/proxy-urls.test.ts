/** `--proxy` lists and the enrolment record's proxy URLs (docs/failover.md). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentHome, FILES, proxyUrlsOf } from '../state/index.ts';
import { enrollmentUrls, parseProxyUrls } from './token-enroll.ts';

describe('parseProxyUrls', () => {
  it('takes repeated values and comma-separated lists, in order, without duplicates', () => {
    const urls = parseProxyUrls(['https://a.example:8443, https://b.example:8443', 'https://c.example', 'https://a.example:8443/']);
    expect(urls.map((u) => u.origin)).toEqual(['https://a.example:8443', 'https://b.example:8443', 'https://c.example']);
  });

  it.each([
    ['an http URL', ['http://a.example']],
    ['a path', ['https://a.example/x']],
    ['an empty list', [' , ']],
    ['garbage in a list', ['https://a.example,not a url']],
    ['too many URLs', [Array.from({ length: 17 }, (_, i) => `https://n${i}.example`).join(',')]],
  ])('refuses %s with ZG_ERR_USAGE', (_name, input) => {
    expect(() => parseProxyUrls(input)).toThrow(expect.objectContaining({ code: 'ZG_ERR_USAGE' }));
  });

  it('writes proxyUrls only when there are several, so a one-proxy record reads as before', () => {
    expect(enrollmentUrls(parseProxyUrls(['https://a.example']))).toEqual({ proxyUrl: 'https://a.example' });
    expect(enrollmentUrls(parseProxyUrls(['https://a.example,https://b.example']))).toEqual({ proxyUrl: 'https://a.example', proxyUrls: ['https://a.example', 'https://b.example'] });
  });
});

describe('the enrolment record', () => {
  it('an older record with one proxyUrl still loads, as a list of one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zg-urls-'));
    try {
      const home = new AgentHome(dir);
      home.ensure();
      const old = { proxyUrl: 'https://a.example:8443', deviceId: 'd', user: 'u', caFingerprint: 'AB', certNotAfter: '2030-01-01T00:00:00Z', enrolledAt: '2029-01-01T00:00:00Z' };
      writeFileSync(join(dir, FILES.enrollment), JSON.stringify(old));
      for (const name of [FILES.key, FILES.cert, FILES.ca]) writeFileSync(join(dir, name), 'x');
      const { enrollment } = home.loadCredentials();
      expect(proxyUrlsOf(enrollment)).toEqual(['https://a.example:8443']);
      home.saveEnrollment({ ...enrollment, proxyUrls: ['https://a.example:8443', 'https://b.example:8443'] });
      expect(proxyUrlsOf(home.loadCredentials().enrollment)).toEqual(['https://a.example:8443', 'https://b.example:8443']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
