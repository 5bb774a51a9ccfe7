import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, generateDeviceKey } from '../../agent/core/enroll/index.ts';
import { ENROLL_RATE_PER_MINUTE, TUNNEL_RATE_PER_MINUTE } from '../../proxy/server/index.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

describe('proxy HTTP surface', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });
  const inject = (opts: InjectOptions) => stack.proxy.built.app.inject(opts);

  it('serves liveness, readiness and discovery without authentication', async () => {
    expect((await inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const wellKnown = (await inject({ url: '/.well-known/zerogate' })).json();
    expect(wellKnown).toMatchObject({
      caFingerprint: stack.proxy.pki.caFingerprint,
      tunnel: '/v1/tunnel',
      enroll: '/v1/enroll',
      // The embedded IdP, on the proxy's own origin (the agent then trusts only the pinned CA for it).
      oidc: { issuer: `${stack.proxy.config.server.publicUrl}/idp`, clientId: 'zerogate-agent', embedded: true },
    });
    expect(wellKnown.oidc.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access']));
    const ca = await inject({ url: '/v1/ca.pem' });
    expect(ca.body).toBe(stack.proxy.pki.ca.certPem);
  });

  it('answers unknown routes and bad bodies with the one error shape', async () => {
    expect((await inject({ url: '/nope?secret=1' })).json()).toEqual({ statusCode: 404, code: 'ZG_ERR_NOT_FOUND', error: 'Not Found', message: 'no route GET /nope' });
    for (const payload of [{}, { token: 'x', csr: 'y' }, { token: 'x', csr: 'y', hostname: 'h', admin: true }, { token: 'x', csr: 'y', hostname: 'bad host!' }]) {
      const response = await inject({ method: 'POST', url: '/v1/enroll', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ statusCode: 400, code: 'ZG_ERR_BAD_REQUEST', error: 'Bad Request' });
    }
    const big = await inject({ method: 'POST', url: '/v1/enroll', payload: { token: 'x', csr: 'y'.repeat(70_000), hostname: 'h' } });
    expect(big.statusCode).toBe(413);
  });

  it('refuses an unknown token with 401 and never echoes it', async () => {
    const token = `zgt_0123456789abcdef_${'S'.repeat(43)}`;
    const csr = createCsr(generateDeviceKey().privateKeyPem, { commonName: 'h' });
    const response = await inject({ method: 'POST', url: '/v1/enroll', payload: { token, csr, hostname: 'h' }, remoteAddress: '10.0.0.9' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'ZG_ERR_AUTH_TOKEN_INVALID', reasons: ['user-unauthenticated'] });
    expect(response.body).not.toContain('SSSS');
  });

  it('rate-limits enrolment per source with Retry-After and ZG_ERR_RATE_LIMITED', async () => {
    const attempt = (remoteAddress: string) =>
      inject({ method: 'POST', url: '/v1/enroll', payload: { token: 'zgt_bad', csr: 'x', hostname: 'h' }, remoteAddress });
    const statuses: number[] = [];
    for (let i = 0; i < ENROLL_RATE_PER_MINUTE; i++) statuses.push((await attempt('10.0.0.1')).statusCode);
    expect(statuses).toEqual(Array(ENROLL_RATE_PER_MINUTE).fill(401));
    const limited = await attempt('10.0.0.1');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ statusCode: 429, code: 'ZG_ERR_RATE_LIMITED', reasons: ['rate-limited'] });
    expect((await attempt('10.0.0.2')).statusCode).toBe(401);
  });

  it('rate-limits tunnel attempts per source, refusing each attempt without a certificate first', async () => {
    const attempt = (remoteAddress: string) => inject({ url: '/v1/tunnel', remoteAddress });
    const first = await attempt('10.0.0.3');
    expect(first.statusCode).toBe(401);
    expect(first.json()).toMatchObject({ code: 'ZG_ERR_AUTH_CERT_REQUIRED', reasons: ['device-unenrolled'] });
    for (let i = 1; i < TUNNEL_RATE_PER_MINUTE; i++) await attempt('10.0.0.3');
    const limited = await attempt('10.0.0.3');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'ZG_ERR_RATE_LIMITED' });
  });

  it('reports not-ready and refuses enrolment with 503 when the store is down (fail closed)', async () => {
    await stack.proxy.store.close();
    const ready = await inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ code: 'ZG_ERR_STORE_UNAVAILABLE' });
  });
});

describe('discovery with an external IdP', () => {
  it('announces the issuer and client, and the desktop secret meant for agents but never the confidential one', async () => {
    const stack = await startStack({
      identity: {
        oidc: {
          issuer: 'https://idp.example.invalid',
          clientId: 'desktop-client',
          clientSecret: 'CONFIDENTIAL-proxy-only',
          agentClientSecret: 'public-desktop-secret',
          acrValues: ['gold'],
          mfa: { enforcedByIdp: true },
        },
      },
    });
    try {
      const response = await stack.proxy.built.app.inject({ url: '/.well-known/zerogate' });
      expect(response.json().oidc).toEqual({
        issuer: 'https://idp.example.invalid',
        clientId: 'desktop-client',
        scopes: ['openid', 'email', 'profile', 'offline_access'],
        acrValues: ['gold'],
        embedded: false,
        clientSecret: 'public-desktop-secret',
      });
      expect(response.body).not.toContain('CONFIDENTIAL');
      // The IdP cannot be reached: not ready, and it says why (fail closed).
      expect((await stack.proxy.built.app.inject({ url: '/readyz' })).json()).toMatchObject({ statusCode: 503, code: 'ZG_ERR_AUTH_IDP_UNAVAILABLE' });
    } finally {
      await stack.close();
    }
  }, 30_000);
});

describe('GET /metrics with metrics.public', () => {
  it('answers without a token only when the admin made the metrics public', async () => {
    const stack = await startStack({ metrics: { public: true } });
    try {
      const response = await stack.proxy.built.app.inject({ url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toMatch(/^# HELP zerogate_decisions_total/m);
    } finally {
      await stack.close();
    }
  }, 30_000);
});
