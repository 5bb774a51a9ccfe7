/**
 * API security for HTTP apps (issue 8, items 2, 4 and 5), end to end: the real agent tunnel,
 * the proxy's HTTP gateway with its inspectors, and the sample API (test/helpers/sample-api.ts)
 * with its deliberately incomplete OpenAPI document. OpenAPI violations are refused and audited,
 * the undeclared `passwordHash` is reported or refused, the inventory lists what was called
 * (templated, flagged) through the API and exports it as OpenAPI, and the enumeration detector
 * blocks an identity walking /users/{id}.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../proxy/api/index.ts';
import { compileOpenApi } from '../../proxy/http/openapi/index.ts';
import type { AuditEvent } from '../../proxy/store/index.ts';
import { startAgent, type RunningAgent } from '../helpers/agent.ts';
import { requestJson } from '../helpers/http.ts';
import { SAMPLE_API_OPENAPI, startSampleApi, type SampleApi } from '../helpers/sample-api.ts';
import { startStack, TEST_USER, type Stack } from '../helpers/stack.ts';

const BOB = 'bob@example.com';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

/** One HTTP/1.1 request to an app through the agent's local port. */
function call(port: number, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('API security for HTTP apps through the agent tunnel', () => {
  let sample: SampleApi;
  let stack: Stack;
  let alice: RunningAgent;
  let bob: RunningAgent;
  let helpdesk: string;

  beforeAll(async () => {
    sample = await startSampleApi();
    const http = { openapi: SAMPLE_API_OPENAPI, requestValidation: 'enforce' as const };
    stack = await startStack({
      apps: [
        { id: 'orders', upstream: sample.url, users: [TEST_USER, BOB], http: { ...http, responseValidation: 'report' } },
        { id: 'orders-strict', upstream: sample.url, users: [TEST_USER], http: { ...http, responseValidation: 'enforce' } },
      ],
      anomalies: { block: true, blockFor: '2m', enumeration: { distinctIds: 20, window: '5m' } },
    });
    alice = await startAgent(await stack.enroll(TEST_USER), ['orders', 'orders-strict']);
    bob = await startAgent(await stack.enroll(BOB), ['orders']);
    helpdesk = (await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'helpdesk-bot', ttlMs: 3_600_000 })).token;
  }, 30_000);
  afterAll(async () => {
    await alice?.stop();
    await bob?.stop();
    await stack?.close();
    await sample?.close();
  });

  async function audited(type: string): Promise<AuditEvent[]> {
    await stack.proxy.audit.flush();
    return stack.proxy.store.queryAudit({ type, limit: 200 });
  }

  const api = (path: string, bearer?: string) => requestJson(`${stack.proxy.url}${path}`, { method: 'GET', tls: { ca: stack.proxy.pki.ca.certPem }, ...(bearer === undefined ? {} : { bearer }) });

  it('refuses OpenAPI violations with 400 request-invalid before the app sees them, and audits each as an incident', async () => {
    const port = alice.port('orders');
    expect((await call(port, 'GET', '/users/7')).status).toBe(200);
    const cases = [
      { method: 'GET', path: '/users/abc', problem: 'parameter', field: 'path.id' },
      { method: 'POST', path: '/users', body: { name: 'Ann' }, problem: 'body', field: 'body.email' },
      { method: 'POST', path: '/users', body: { name: 'Ann', email: 'ann@example.com', role: 'admin' }, problem: 'body', field: 'body.role' },
      { method: 'GET', path: '/internal/debug', problem: 'unknown-path', field: 'path' },
      { method: 'DELETE', path: '/users/7', problem: 'method', field: 'method' },
    ];
    for (const c of cases) {
      const reply = await call(port, c.method, c.path, c.body);
      expect(reply.status, `${c.method} ${c.path}`).toBe(400);
      expect(reply.json).toMatchObject({ statusCode: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'] });
    }
    // None of the refused requests reached the app.
    const reached = sample.requests.map((r) => `${r.method} ${r.url}`);
    for (const c of cases) expect(reached).not.toContain(`${c.method} ${c.path}`);
    expect(reached).toEqual(['GET /users/7']);
    const created = await call(port, 'POST', '/users', { name: 'Ann', email: 'ann@example.com' });
    expect(created.status).toBe(201);

    const incidents = (await audited('http.violation')).filter((e) => e.detail?.direction === 'request');
    for (const c of cases) {
      expect(incidents).toContainEqual(
        expect.objectContaining({ user: TEST_USER, app: 'orders', decision: 'deny', reasons: ['request-invalid'], detail: expect.objectContaining({ method: c.method, path: c.path, problem: c.problem, field: c.field, mode: 'enforce' }) }),
      );
    }
  });

  it('validates the path the app receives: dot segments and backslashes cannot smuggle an undeclared path past the check', async () => {
    const port = alice.port('orders');
    for (const path of ['/internal/debug/../../users/7', '/internal/debug/%2e%2e/%2e%2e/users/7', '/users\\7']) {
      const before = sample.requests.length;
      const reply = await call(port, 'GET', path);
      // Either refused, or forwarded as the path that was validated: never as written.
      expect([200, 400], path).toContain(reply.status);
      for (const seen of sample.requests.slice(before)) expect(seen.url, path).toBe('/users/7');
    }
  });

  it('reports the undeclared passwordHash (report mode) and refuses the answer with 502 (enforce mode), never logging its value', async () => {
    const reported = await call(alice.port('orders'), 'GET', '/users/3');
    expect(reported.status).toBe(200);
    expect(reported.json).toMatchObject({ id: 3, passwordHash: 'scrypt$sample$3' });
    const refused = await call(alice.port('orders-strict'), 'GET', '/users/4');
    expect(refused.status).toBe(502);
    expect(refused.json).toMatchObject({ code: 'ZG_ERR_HTTP_BAD_RESPONSE' });
    expect(refused.text).not.toContain('scrypt$sample$4');
    // A declared answer passes unchanged even in enforce mode.
    expect((await call(alice.port('orders-strict'), 'GET', '/users/4/orders')).status).toBe(200);

    const responses = (await audited('http.violation')).filter((e) => e.detail?.direction === 'response');
    expect(responses).toContainEqual(expect.objectContaining({ app: 'orders', decision: 'allow', detail: expect.objectContaining({ mode: 'report', template: '/users/{id}', fields: ['passwordHash'], status: 200 }) }));
    expect(responses).toContainEqual(expect.objectContaining({ app: 'orders-strict', decision: 'deny', detail: expect.objectContaining({ mode: 'enforce', fields: ['passwordHash'] }) }));
    const all = await stack.proxy.store.queryAudit({ limit: 1000 });
    expect(JSON.stringify(all)).not.toContain('scrypt$sample');
  });

  it('lists the endpoints called, templated and flagged, in the API, and exports them as OpenAPI', async () => {
    const port = alice.port('orders');
    for (const id of [11, 12, 13]) expect((await call(port, 'GET', `/users/${id}`)).status).toBe(200);
    expect((await call(port, 'GET', '/orders/7c9e6679-7425-40de-944b-e07fc1f90ae7')).status).toBe(200);

    expect((await api('/v1/helpdesk/apps/orders/endpoints')).status).toBe(401);
    const listed = await api('/v1/helpdesk/apps/orders/endpoints', helpdesk);
    expect(listed.status).toBe(200);
    expect(listed.json).toMatchObject({ app: 'orders', declared: true });
    const items = listed.json.items as Record<string, unknown>[];
    const find = (method: string, path: string) => items.find((i) => i.method === method && i.path === path);
    expect(find('GET', '/users/{id}')).toMatchObject({ declared: true, callers: 1, statuses: expect.objectContaining({ '200': expect.any(Number) }) });
    expect(find('GET', '/users/{id}')?.flag).toBeUndefined();
    expect((find('GET', '/users/{id}')?.requests as number) >= 5).toBe(true);
    expect(find('GET', '/orders/{orderId}')).toMatchObject({ declared: true, requests: 1 });
    expect(find('GET', '/internal/debug')).toMatchObject({ declared: false, flag: 'undeclared', statuses: { '400': 1 } });
    expect(find('GET', '/health')).toMatchObject({ declared: true, flag: 'unused', requests: 0, callers: 0 });
    expect(find('GET', '/health')?.firstSeen).toBeUndefined();
    // No observed path leaked into the inventory untemplated.
    expect(items.filter((i) => /\/users\/\d/.test(String(i.path)))).toEqual([]);

    const exported = await api('/v1/helpdesk/apps/orders/endpoints/openapi', helpdesk);
    expect(exported.status).toBe(200);
    expect(exported.json).toMatchObject({ openapi: '3.1.0' });
    const compiled = compileOpenApi(exported.json);
    expect(compiled.match('/users/99')?.template).toBe('/users/{id}');
    expect(compiled.match('/internal/debug')?.template).toBe('/internal/debug');

    expect((await api('/v1/helpdesk/apps/nope/endpoints', helpdesk)).json).toMatchObject({ code: 'ZG_ERR_NOT_FOUND' });
    const documented = await api('/v1/openapi.json');
    expect(Object.keys(documented.json.paths as object)).toEqual(expect.arrayContaining(['/v1/helpdesk/apps/{id}/endpoints', '/v1/helpdesk/apps/{id}/endpoints/openapi']));
  });

  it('takes an OpenAPI document inline from the admin API, and enforces it for the app published that way', async () => {
    const admin = (await createApiToken(stack.proxy.store, { role: 'admin', name: 'publisher', ttlMs: 3_600_000 })).token;
    const document = parseYaml(readFileSync(SAMPLE_API_OPENAPI, 'utf8')) as Record<string, unknown>;
    const tls = { ca: stack.proxy.pki.ca.certPem };
    const published = await requestJson(`${stack.proxy.url}/v1/admin/apps`, {
      method: 'POST',
      tls,
      bearer: admin,
      body: { id: 'orders-api', upstream: sample.url, users: [TEST_USER], allowRestrictedUpstream: true, http: { openapi: document, requestValidation: 'enforce' } },
    });
    expect(published.status, published.text).toBe(201);
    expect(published.json.http).toEqual({
      assertion: true,
      clientless: false,
      openapi: true,
      requestValidation: 'enforce',
      responseValidation: 'off',
      rateLimit: { perIdentityPerMinute: 600, perAppPerMinute: 6000 },
    });
    // A file path from an API caller is refused: the proxy never reads files named over the API.
    const sneaky = await requestJson(`${stack.proxy.url}/v1/admin/apps`, { method: 'POST', tls, bearer: admin, body: { id: 'sneaky', upstream: sample.url, http: { openapi: '/etc/passwd' } } });
    expect([sneaky.status, sneaky.json.code]).toEqual([400, 'ZG_ERR_BAD_REQUEST']);

    const agent = await startAgent(await stack.enroll(TEST_USER), ['orders-api']);
    try {
      const port = agent.port('orders-api');
      expect((await call(port, 'GET', '/users/7')).status).toBe(200);
      const bad = await call(port, 'POST', '/users', { name: 'x', email: 'x@example.com', admin: true });
      expect([bad.status, bad.json.code, bad.json.reasons]).toEqual([400, 'ZG_ERR_HTTP_BAD_REQUEST', ['request-invalid']]);
    } finally {
      await agent.stop();
    }
  });

  it('blocks an identity walking /users/1..30 (enumeration) with 403 and Retry-After, audited as an anomaly; others are not blocked', async () => {
    const port = bob.port('orders');
    const statuses: number[] = [];
    let blocked: Reply | undefined;
    for (let id = 1; id <= 30; id++) {
      const reply = await call(port, 'GET', `/users/${id}`);
      statuses.push(reply.status);
      if (reply.status === 403) blocked ??= reply;
    }
    // The 20th distinct id crosses the threshold: it and every later request are refused.
    expect(statuses).toEqual([...Array(19).fill(200), ...Array(11).fill(403)]);
    expect(blocked?.json).toMatchObject({ code: 'ZG_ERR_HTTP_BLOCKED', reasons: ['anomaly-detected'] });
    const retryAfter = Number(blocked?.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(120);
    // Any endpoint, for the rest of the block.
    expect((await call(port, 'GET', '/users')).status).toBe(403);
    // Alice, from the same address, is not blocked.
    expect((await call(alice.port('orders'), 'GET', '/users/1')).status).toBe(200);

    const anomalies = await audited('anomaly');
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({
      user: BOB,
      app: 'orders',
      decision: 'deny',
      reasons: ['anomaly-detected'],
      detail: { detector: 'enumeration', identity: BOB, observed: { distinctIds: 20, template: 'GET /users/{id}' }, threshold: { distinctIds: 20 }, blocked: true, window: 300_000 },
    });
    const denies = await audited('http.deny');
    expect(denies).toContainEqual(expect.objectContaining({ user: BOB, reasons: ['anomaly-detected'], detail: expect.objectContaining({ code: 'ZG_ERR_HTTP_BLOCKED', by: 'anomaly' }) }));
  });
});
