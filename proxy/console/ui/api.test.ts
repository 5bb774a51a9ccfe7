import { describe, expect, it, vi } from 'vitest';
import { ApiError, BAD_RESPONSE, createApi, CSRF_HEADER, errorOf, NETWORK_ERROR, SESSION_REQUIRED, withQuery } from './api.ts';

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that records calls and answers with `status` and `body` (a string is sent as is). */
function fakeFetch(status: number, body: unknown): { fetch: (url: string, init: RequestInit) => Promise<Response>; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      const text = typeof body === 'string' ? body : body === undefined ? null : JSON.stringify(body);
      return new Response(status === 204 ? null : text, { status, headers: { 'content-type': 'application/json' } });
    },
  };
}

const headersOf = (call: Call | undefined): Record<string, string> => (call?.init.headers ?? {}) as Record<string, string>;

describe('api client', () => {
  it('sends reads same-origin without the CSRF header', async () => {
    const f = fakeFetch(200, { items: [] });
    const api = createApi({ fetch: f.fetch, csrf: () => 'c1' });
    await expect(api.get('/v1/helpdesk/devices', { user: 'a b', hostname: '', before: undefined, limit: 5 })).resolves.toEqual({ items: [] });
    expect(f.calls[0]?.url).toBe('/v1/helpdesk/devices?user=a+b&limit=5');
    expect(f.calls[0]?.init.credentials).toBe('same-origin');
    expect(f.calls[0]?.init.method).toBe('GET');
    expect(headersOf(f.calls[0])[CSRF_HEADER]).toBeUndefined();
  });

  it('sends changes with the CSRF header and a JSON body', async () => {
    const f = fakeFetch(200, { ok: true });
    const api = createApi({ fetch: f.fetch, csrf: () => 'c1' });
    await api.send('POST', '/v1/admin/apps', { id: 'wiki' });
    expect(headersOf(f.calls[0])).toMatchObject({ [CSRF_HEADER]: 'c1', 'content-type': 'application/json' });
    expect(f.calls[0]?.init.body).toBe('{"id":"wiki"}');
  });

  it('sends a change without a body and without content-type, and reads 204 as nothing', async () => {
    const f = fakeFetch(204, undefined);
    const api = createApi({ fetch: f.fetch, csrf: () => 'c2' });
    await expect(api.send('POST', '/console/logout')).resolves.toBeUndefined();
    expect(headersOf(f.calls[0])).toEqual({ accept: 'application/json', [CSRF_HEADER]: 'c2' });
    expect(f.calls[0]?.init.body).toBeUndefined();
  });

  it('turns the error shape into an ApiError with code, reasons and policy issues', async () => {
    const body = {
      statusCode: 400,
      code: 'ZG_ERR_BAD_REQUEST',
      error: 'Bad Request',
      message: 'policy is invalid',
      reasons: ['x'],
      valid: false,
      errors: [{ path: 'policy.require.mfa', expected: 'a boolean', found: '"yes"', message: 'must be a boolean' }],
    };
    const api = createApi({ fetch: fakeFetch(400, body).fetch, csrf: () => undefined });
    const error = await api.send('POST', '/v1/admin/policies/validate', { policy: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'ZG_ERR_BAD_REQUEST', message: 'policy is invalid', reasons: ['x'] });
    expect((error as ApiError).issues).toEqual([body.errors[0]]);
  });

  it('reports a lost session once, and still throws', async () => {
    const lost = vi.fn();
    const api = createApi({
      fetch: fakeFetch(401, { statusCode: 401, code: SESSION_REQUIRED, error: 'Unauthorized', message: 'sign in' }).fetch,
      csrf: () => undefined,
      onSessionLost: lost,
    });
    await expect(api.get('/v1/me/devices')).rejects.toMatchObject({ code: SESSION_REQUIRED });
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it('does not treat another 401 (an API token error) as a lost session', async () => {
    const lost = vi.fn();
    const api = createApi({ fetch: fakeFetch(401, { statusCode: 401, code: 'ZG_ERR_API_TOKEN_REQUIRED', error: 'Unauthorized', message: 'x' }).fetch, csrf: () => undefined, onSessionLost: lost });
    await expect(api.get('/v1/admin/audit')).rejects.toMatchObject({ code: 'ZG_ERR_API_TOKEN_REQUIRED' });
    expect(lost).not.toHaveBeenCalled();
  });

  it('gives a failure without an error body a code too', async () => {
    const api = createApi({ fetch: fakeFetch(502, '<html>bad gateway</html>').fetch, csrf: () => undefined });
    await expect(api.get('/v1/helpdesk/apps')).rejects.toMatchObject({ status: 502, code: 'http-502' });
  });

  it('refuses a 200 that is not JSON', async () => {
    const api = createApi({ fetch: fakeFetch(200, '<html>').fetch, csrf: () => undefined });
    await expect(api.get('/v1/helpdesk/apps')).rejects.toMatchObject({ code: BAD_RESPONSE });
  });

  it('reports an unreachable proxy as a network error', async () => {
    const api = createApi({
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      csrf: () => undefined,
    });
    await expect(api.get('/v1/helpdesk/apps')).rejects.toMatchObject({ status: 0, code: NETWORK_ERROR });
  });
});

describe('helpers', () => {
  it('drops empty query members', () => {
    expect(withQuery('/x', { a: '', b: undefined, c: null, d: 0, e: 'é&' })).toBe('/x?d=0&e=%C3%A9%26');
    expect(withQuery('/x')).toBe('/x');
  });

  it('reads a non-object error body as an http code', () => {
    expect(errorOf(500, ['x'])).toMatchObject({ code: 'http-500' });
    expect(errorOf(403, { code: 'ZG_ERR_CONSOLE_CSRF', message: 'm' })).toMatchObject({ code: 'ZG_ERR_CONSOLE_CSRF', message: 'm', reasons: [], issues: [] });
  });
});
