import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, sanitizeRequestHeaders, upstreamRequestHeaders, withoutProxyCookies } from './headers.ts';

describe('gateway headers', () => {
  it('removes spoofable identity, forwarding and hop-by-hop headers, and those named in Connection', () => {
    const clean = sanitizeRequestHeaders({
      host: 'h',
      accept: 'application/json',
      'x-forwarded-user': 'admin',
      'x-zerogate-anything': '1',
      'x-auth-request-groups': 'admin',
      'remote-user': 'admin',
      'x-forwarded-for': '1.2.3.4',
      forwarded: 'for=1.2.3.4',
      'x-request-id': 'mine',
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'v',
      'transfer-encoding': 'chunked',
      'proxy-authorization': 'Basic x',
      authorization: 'Bearer app-token',
    });
    expect(clean).toEqual({ host: 'h', accept: 'application/json', authorization: 'Bearer app-token' });
  });

  it('drops only the proxy console cookies', () => {
    expect(withoutProxyCookies('__Host-zg_console=a; b=1; __Host-zg_console_login=c;c=2')).toBe('b=1; c=2');
    expect(withoutProxyCookies('__Host-zg_console=a')).toBeUndefined();
    expect(sanitizeRequestHeaders({ cookie: '__Host-zg_console=a' })).toEqual({});
  });

  it('adds the proxy headers, replacing any client value', () => {
    const out = upstreamRequestHeaders({ accept: '*/*' }, { requestId: 'r', source: '10.0.0.1', proto: 'http', host: 'localhost:5000', upstreamHost: 'app.internal:8080', assertion: 'jwt' });
    expect(out).toEqual({ accept: '*/*', host: 'app.internal:8080', 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'localhost:5000', 'x-request-id': 'r', 'x-zerogate-assertion': 'jwt' });
  });

  it('keeps end-to-end response headers only', () => {
    expect(downstreamResponseHeaders({ 'content-type': 'text/plain', connection: 'close, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', 'set-cookie': ['a=1'] })).toEqual({ 'content-type': 'text/plain', 'set-cookie': ['a=1'] });
  });
});
