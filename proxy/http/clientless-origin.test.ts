import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ProxyConfig } from '../config/index.ts';
import { appsOriginHook, requestHost } from './clientless-origin.ts';

async function server(appsUrl: string | undefined) {
  const app = Fastify();
  const server = { publicUrl: 'https://console.example:8443', ...(appsUrl === undefined ? {} : { appsUrl }) } as unknown as ProxyConfig['server'];
  app.addHook('onRequest', appsOriginHook({ server }));
  app.get('/console/api/session', async () => ({ csrf: 'secret' }));
  app.get('/v1/helpdesk/devices', async () => []);
  app.get('/a/*', async () => 'app');
  return app;
}

describe('appsOriginHook', () => {
  it('answers only /a/ on the apps origin, 404 for the console, API and anything else', async () => {
    const app = await server('https://apps.example:8443');
    const on = (url: string) => app.inject({ url, headers: { host: 'apps.example:8443' } });
    expect((await on('/a/wiki/x')).body).toBe('app');
    expect((await on('/a/-/handoff?code=x')).body).toBe('app');
    for (const url of ['/console/api/session', '/console/', '/v1/helpdesk/devices', '/idp/.well-known/openid-configuration', '/', '/ab']) {
      const res = await on(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('secret');
    }
  });

  it('redirects /a/ on the console origin to the same path on the apps origin', async () => {
    const app = await server('https://apps.example:8443');
    const res = await app.inject({ url: '/a/wiki/x?y=1', headers: { host: 'console.example:8443' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://apps.example:8443/a/wiki/x?y=1');
    expect((await app.inject({ url: '/console/api/session', headers: { host: 'console.example:8443' } })).statusCode).toBe(200);
  });

  it('serves no /a/ at all without an apps origin', async () => {
    const app = await server(undefined);
    expect((await app.inject({ url: '/a/wiki/x', headers: { host: 'console.example:8443' } })).statusCode).toBe(404);
  });

  it('compares hosts as URLs do (case, default port)', () => {
    expect(requestHost('APPS.example:443')).toBe('apps.example');
    expect(requestHost('apps.example:8443')).toBe('apps.example:8443');
    expect(requestHost('bad host')).toBeUndefined();
    expect(requestHost(undefined)).toBeUndefined();
  });
});
