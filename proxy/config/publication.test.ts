import { describe, expect, it } from 'vitest';
import { defaultConfig } from './load.ts';
import { samePublication } from './publication.ts';
import type { AppConfig } from './types.ts';

/** One app as the config loader builds it (a fresh object each call, like a reload). */
function app(definition: Record<string, unknown> & { upstream: string }): AppConfig {
  const server = { listen: '127.0.0.1:8443', hostnames: ['zerogate.example', 'apps.example'], publicUrl: 'https://zerogate.example:8443', appsUrl: 'https://apps.example:8443' };
  return defaultConfig({ server, apps: [{ id: 'orders', users: ['alice'], ...definition }] }).apps[0]!;
}

const DOC = { openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: { '/users': { get: { responses: { 200: { description: 'ok' } } } } } };

describe('samePublication', () => {
  it('is true for equal versions built apart, whatever the name, users or policy', () => {
    const before = app({ upstream: 'http://10.0.0.5:8080', http: { openapi: { ...DOC }, requestValidation: 'enforce' } });
    expect(samePublication(before, before)).toBe(true);
    expect(samePublication(before, app({ upstream: 'http://10.0.0.5:8080', http: { openapi: { ...DOC }, requestValidation: 'enforce' } }))).toBe(true);
    expect(samePublication(before, app({ name: 'Orders v2', users: ['bob'], upstream: 'http://10.0.0.5:8080', http: { openapi: { ...DOC }, requestValidation: 'enforce' } }))).toBe(true);
  });

  it('is false when the upstream moves (host, port or protocol)', () => {
    const before = app({ upstream: 'tcp://db.internal:5432' });
    expect(samePublication(before, app({ upstream: 'tcp://db2.internal:5432' }))).toBe(false);
    expect(samePublication(before, app({ upstream: 'tcp://db.internal:5433' }))).toBe(false);
    expect(samePublication(app({ upstream: 'http://web.internal:80' }), app({ upstream: 'https://web.internal:80' }))).toBe(false);
  });

  it('is false when the HTTP handling changes: validation modes, limits, document, body limit, assertion, clientless', () => {
    const base = { openapi: { ...DOC }, requestValidation: 'report', responseValidation: 'off' };
    const before = app({ upstream: 'http://10.0.0.5:8080', http: base });
    const changes: Record<string, unknown>[] = [
      { requestValidation: 'enforce' },
      { responseValidation: 'enforce' },
      { rateLimit: { perIdentityPerMinute: 10 } },
      { maxBodyBytes: '2MiB' },
      { assertion: false },
      { clientless: true },
      { openapi: { ...DOC, paths: { ...DOC.paths, '/admin': { get: { responses: { 200: { description: 'ok' } } } } } } },
    ];
    for (const change of changes) expect(samePublication(before, app({ upstream: 'http://10.0.0.5:8080', http: { ...base, ...change } })), JSON.stringify(change)).toBe(false);
  });
});
