import { describe, expect, it } from 'vitest';
import { isHostOrIp, normalizeHost, parseHostPort, parsePublicUrl, parseUpstream } from './address.ts';

describe('isHostOrIp', () => {
  it.each(['localhost', 'zerogate.example.com', 'a-b.c', '127.0.0.1', '::1', 'fe80::1', 'xn--bcher-kva.example'])(
    'accepts %s',
    (host) => expect(isHostOrIp(host)).toBe(true),
  );
  it.each(['', '*.example.com', '-a.com', 'a-.com', 'a..b', 'example.com.', '1.2.3.999', 'a_b', 'fe80::1%eth0', 'a'.repeat(64)])(
    'rejects %j',
    (host) => expect(isHostOrIp(host)).toBe(false),
  );
  it('allows underscores only when asked (container names)', () => {
    expect(isHostOrIp('my_db', { allowUnderscore: true })).toBe(true);
  });
});

describe('normalizeHost', () => {
  it('lowercases names and shortens IPv6', () => {
    expect(normalizeHost('Proxy.Example.COM')).toBe('proxy.example.com');
    expect(normalizeHost('[0:0:0:0:0:0:0:1]')).toBe('::1');
  });
});

describe('parseHostPort', () => {
  it.each([
    ['0.0.0.0:8443', { host: '0.0.0.0', port: 8443 }],
    ['[::]:8443', { host: '::', port: 8443 }],
    ['Localhost:1', { host: 'localhost', port: 1 }],
    ['[::1]:65535', { host: '::1', port: 65535 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
  ])('parses %s', (text, value) => expect(parseHostPort(text)).toEqual({ ok: true, value }));

  it.each(['8443', ':8443', '::1:8443', '[fe80::1%eth0]:8443', '[x]:1', 'host:65536', 'host:', 'a b:1', 'host:08443x'])(
    'rejects %j',
    (text) => expect(parseHostPort(text).ok).toBe(false),
  );
});

describe('parseUpstream', () => {
  it.each([
    ['tcp://db.internal:5432', { protocol: 'tcp', host: 'db.internal', port: 5432, url: 'tcp://db.internal:5432' }],
    ['tcp://DB:5432/', { protocol: 'tcp', host: 'db', port: 5432, url: 'tcp://db:5432' }],
    ['tcp://my_db:1', { protocol: 'tcp', host: 'my_db', port: 1, url: 'tcp://my_db:1' }],
    ['tcp://[::1]:22', { protocol: 'tcp', host: '::1', port: 22, url: 'tcp://[::1]:22' }],
    ['http://127.0.0.1:8081', { protocol: 'http', host: '127.0.0.1', port: 8081, url: 'http://127.0.0.1:8081' }],
    ['HTTP://Wiki.Internal:80/', { protocol: 'http', host: 'wiki.internal', port: 80, url: 'http://wiki.internal' }],
    ['http://[::1]', { protocol: 'http', host: '::1', port: 80, url: 'http://[::1]' }],
    ['https://grafana/d?x=1', { protocol: 'https', host: 'grafana', port: 443, url: 'https://grafana/d?x=1' }],
  ])('parses %s', (text, value) => expect(parseUpstream(text)).toEqual({ ok: true, value }));

  it.each([
    'ftp://h:21',
    'db:5432',
    'tcp://db',
    'tcp://:5432',
    'tcp://h:0',
    'tcp://h:65536',
    'tcp://h:1/x',
    'tcp://h:1?x',
    'tcp://u:p@h:1',
    'tcp://[fe80::1%25eth0]:1',
    'tcp://%41:1',
    'http://',
    'http://h:0',
    'http://u@h',
    'http://h/#x',
    'http://1.2.3.999',
  ])('rejects %j', (text) => expect(parseUpstream(text).ok).toBe(false));
});

describe('parsePublicUrl', () => {
  it('returns the origin', () => {
    expect(parsePublicUrl('https://[::1]:8443/')).toEqual({ ok: true, value: { origin: 'https://[::1]:8443', host: '::1' } });
    expect(parsePublicUrl('https://Z.example:443')).toEqual({ ok: true, value: { origin: 'https://z.example', host: 'z.example' } });
  });

  it.each(['http://h', 'https://h/x', 'https://h?', 'https://h#', 'https://u:p@h', 'https://', 'h:8443'])(
    'rejects %j',
    (text) => expect(parsePublicUrl(text).ok).toBe(false),
  );
});
