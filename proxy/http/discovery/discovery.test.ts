import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SAMPLE_API_OPENAPI } from '../../../test/helpers/sample-api.ts';
import type { AppConfig, HttpAppConfig } from '../../config/index.ts';
import { compileOpenApi } from '../openapi/compile.ts';
import { DiscoveryInventory } from './inventory.ts';
import { classifySegment, templateOf } from './templates.ts';

const SAMPLE = parse(readFileSync(SAMPLE_API_OPENAPI, 'utf8')) as Record<string, unknown>;

function app(id: string, openapi?: Record<string, unknown>): AppConfig {
  const http: HttpAppConfig = {
    assertion: true,
    rateLimit: { perIdentityPerMinute: 600, perAppPerMinute: 6000 },
    ...(openapi === undefined ? {} : { openapi: { source: 'inline', document: openapi } }),
    requestValidation: openapi === undefined ? 'off' : 'report',
    responseValidation: 'off',
    clientless: false,
    maxBodyBytes: 1024 * 1024,
  };
  return { id, name: id, upstream: { protocol: 'http', host: '127.0.0.1', port: 9000, url: 'http://127.0.0.1:9000' }, users: [], http };
}

describe('templateOf', () => {
  it('replaces identifier-like segments with placeholders', () => {
    expect(templateOf('/users/42').template).toBe('/users/{id}');
    expect(templateOf('/users/42/orders/7').template).toBe('/users/{id}/orders/{id2}');
    expect(templateOf('/orders/7c9e6679-7425-40de-944b-e07fc1f90ae7').template).toBe('/orders/{uuid}');
    expect(templateOf('/people/ann%40example.com/avatar').template).toBe('/people/{email}/avatar');
    expect(templateOf('/blobs/9f86d081884c7d659a2feaa0c55ad015').template).toBe('/blobs/{token}');
    expect(templateOf('/share/aGVsbG8gd29ybGQgdGhpczEyMw').template).toBe('/share/{token}');
    expect(templateOf('/users/42').params).toEqual([{ name: 'id', kind: 'integer', value: '42' }]);
  });

  it('keeps words, short codes and file names', () => {
    for (const segment of ['users', 'v2', 'export.csv', 'configuration-settings-page', 'abc123', 'main.3f9a8b7c6d5e4f3a9b8c.js']) expect(classifySegment(segment)).toBeUndefined();
    expect(templateOf('/api/v2/health').template).toBe('/api/v2/health');
  });

  it("uses the app's OpenAPI templates and parameter names first", () => {
    const api = compileOpenApi(SAMPLE);
    expect(templateOf('/orders/7c9e6679-7425-40de-944b-e07fc1f90ae7', api)).toMatchObject({ template: '/orders/{orderId}', fromDocument: true, params: [{ name: 'orderId', kind: 'declared' }] });
    expect(templateOf('/users/9/orders', api).template).toBe('/users/{id}/orders');
    expect(templateOf('/internal/debug', api)).toMatchObject({ template: '/internal/debug', fromDocument: false });
  });
});

describe('DiscoveryInventory', () => {
  it('lists templated endpoints with first/last seen, requests, callers and statuses; flags undeclared and unused', () => {
    let now = Date.parse('2026-11-02T09:00:00Z');
    const inventory = new DiscoveryInventory({ now: () => now });
    const orders = app('orders', SAMPLE);
    for (let id = 1; id <= 30; id++) {
      inventory.record(orders, 'GET', `/users/${id}`, id % 3 === 0 ? 'bob' : 'alice', id > 25 ? 404 : 200);
      now += 1000;
    }
    inventory.record(orders, 'GET', '/internal/debug', 'mallory', 200);
    inventory.record(orders, 'POST', '/users', 'alice', 201);
    inventory.record(orders, 'DELETE', '/users/3', 'mallory', 405);
    const list = inventory.list(orders);
    expect(list).toMatchObject({ app: 'orders', declared: true });
    const byKey = new Map(list.items.map((i) => [`${i.method} ${i.path}`, i]));
    expect(byKey.get('GET /users/{id}')).toEqual({
      method: 'GET',
      path: '/users/{id}',
      firstSeen: '2026-11-02T09:00:00.000Z',
      lastSeen: '2026-11-02T09:00:29.000Z',
      requests: 30,
      callers: 2,
      statuses: { '200': 25, '404': 5 },
      declared: true,
    });
    expect(byKey.get('GET /internal/debug')).toMatchObject({ declared: false, flag: 'undeclared', callers: 1 });
    expect(byKey.get('DELETE /users/{id}')).toMatchObject({ declared: false, flag: 'undeclared' });
    expect(byKey.get('POST /users')).toMatchObject({ declared: true });
    expect(byKey.get('POST /users')?.flag).toBeUndefined();
    for (const unused of ['GET /health', 'GET /users', 'GET /users/{id}/orders', 'GET /orders/{orderId}', 'GET /whoami', 'GET /export']) {
      expect(byKey.get(unused)).toEqual({ method: unused.split(' ')[0], path: unused.split(' ')[1], requests: 0, callers: 0, statuses: {}, declared: true, flag: 'unused' });
    }
    expect(list.items[0]?.path).toBe('/users/{id}'); // most called first
  });

  it('flags nothing for an app without an OpenAPI document', () => {
    const inventory = new DiscoveryInventory();
    const plain = app('plain');
    inventory.record(plain, 'GET', '/things/12', 'alice', 200);
    expect(inventory.list(plain)).toEqual({ app: 'plain', declared: false, items: [expect.objectContaining({ path: '/things/{id}', declared: false })] });
    expect(inventory.list(plain).items[0]?.flag).toBeUndefined();
  });

  it('exports what was observed as an OpenAPI 3.1 document that compiles', () => {
    const inventory = new DiscoveryInventory();
    const orders = app('orders', SAMPLE);
    inventory.record(orders, 'GET', '/users/5', 'alice', 200);
    inventory.record(orders, 'GET', '/users/6', 'bob', 404);
    inventory.record(orders, 'GET', '/internal/debug', 'alice', 200);
    inventory.record(orders, 'GET', '/files/9f86d081884c7d659a2feaa0c55ad015/7', 'alice', 200);
    const doc = inventory.exportOpenApi(orders);
    expect(doc).toMatchObject({ openapi: '3.1.0' });
    const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(paths).sort()).toEqual(['/files/{token}/{id}', '/internal/debug', '/users/{id}']);
    expect(paths['/users/{id}']!.get).toMatchObject({ responses: { '200': {}, '404': {} }, parameters: [{ name: 'id', in: 'path', required: true }], 'x-zerogate-declared': true, 'x-zerogate-observed': { requests: 2, callers: 2 } });
    expect(paths['/internal/debug']!.get).toMatchObject({ 'x-zerogate-declared': false });
    const compiled = compileOpenApi(doc);
    expect(compiled.match('/files/abc/3')?.template).toBe('/files/{token}/{id}');
  });

  it('is bounded: endpoints per app, callers per endpoint, apps', () => {
    const inventory = new DiscoveryInventory({ maxEndpoints: 3, maxApps: 2 });
    const a = app('a');
    for (const word of ['alpha', 'beta', 'gamma', 'delta', 'epsilon']) inventory.record(a, 'GET', `/${word}`, 'u', 200);
    expect(inventory.list(a).items).toHaveLength(3);
    expect(inventory.dropped('a')).toBe(2);
    for (let i = 0; i < 1500; i++) inventory.record(a, 'GET', '/alpha', `user-${i}`, 200);
    expect(inventory.list(a).items.find((i) => i.path === '/alpha')?.callers).toBe(1000);
    inventory.record(app('b'), 'GET', '/x', 'u', 200);
    inventory.record(app('c'), 'GET', '/x', 'u', 200);
    expect(inventory.list(a).items).toEqual([]); // least recently called app forgotten
  });
});
