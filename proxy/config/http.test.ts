import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isZerogateError } from '../../shared/errors.ts';
import { SAMPLE_API_OPENAPI } from '../../test/helpers/sample-api.ts';
import { defaultConfig, parseConfig, type ConfigIssue } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'zg-http-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problems(text: string): ConfigIssue[] {
  try {
    parseConfig(text, 'zerogate.yaml', dir);
  } catch (error) {
    if (!isZerogateError(error, 'ZG_ERR_CONFIG_INVALID')) throw error;
    return error.detail?.errors as ConfigIssue[];
  }
  throw new Error('expected the config to be refused');
}

const app = (http: string, upstream = 'http://127.0.0.1:9000') => `apps:\n  - id: orders\n    upstream: ${upstream}\n    http: ${http}\n`;

describe('apps[].http', () => {
  it('reads an OpenAPI document from a file relative to the config and defaults request validation to enforce', () => {
    writeFileSync(join(dir, 'orders.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/a': {} } }));
    const config = parseConfig(app('{ openapi: ./orders.json, rateLimit: { perIdentityPerMinute: 5 }, maxBodyBytes: 64KiB }'), 'zerogate.yaml', dir);
    const http = config.apps[0]?.http;
    expect(http).toMatchObject({
      assertion: true,
      rateLimit: { perIdentityPerMinute: 5, perAppPerMinute: 6000 },
      requestValidation: 'enforce',
      responseValidation: 'off',
      clientless: false,
      maxBodyBytes: 64 * 1024,
    });
    expect(http?.openapi?.source).toBe(join(dir, 'orders.json'));
    expect(http?.openapi?.document.paths).toEqual({ '/a': {} });
  });

  it('reads the sample API document (YAML)', () => {
    const config = parseConfig(app(`{ openapi: ${JSON.stringify(SAMPLE_API_OPENAPI)}, responseValidation: report }`), 'zerogate.yaml', dir);
    expect(Object.keys(config.apps[0]?.http?.openapi?.document.paths as object)).toContain('/users/{id}');
    expect(config.apps[0]?.http?.responseValidation).toBe('report');
  });

  it('takes the document inline (the admin API form), and refuses a file path when files may not be read', () => {
    const document = { openapi: '3.0.3', info: { title: 't', version: '1' }, paths: {} };
    const config = defaultConfig({ apps: [{ id: 'a', upstream: 'https://api.internal', http: { openapi: document, requestValidation: 'report' } }] }, dir, { readFiles: false });
    expect(config.apps[0]?.http?.openapi).toEqual({ source: 'inline', document });
    expect(() => defaultConfig({ apps: [{ id: 'a', upstream: 'https://api.internal', http: { openapi: SAMPLE_API_OPENAPI } }] }, dir, { readFiles: false })).toThrow(/inline/);
  });

  it('fills defaults for every http and https app, and none for tcp apps', () => {
    const config = defaultConfig({ apps: [{ id: 'a', upstream: 'http://x' }, { id: 'b', upstream: 'https://y' }, { id: 'c', upstream: 'tcp://z:1' }] });
    expect(config.apps.map((a) => a.http?.requestValidation)).toEqual(['off', 'off', undefined]);
    expect(config.apps[2]).not.toHaveProperty('http');
  });

  it('refuses an http block on a tcp app, unknown keys, bad sizes, and validation without a document', () => {
    expect(problems(app('{ assertion: false }', 'tcp://db:5432')).map((p) => p.path)).toEqual(['apps[0].http']);
    expect(problems(app('{ asertion: false }'))[0]?.message).toContain('did you mean "assertion"');
    expect(problems(app('{ maxBodyBytes: 1MB }'))[0]?.expected).toContain('512KiB');
    expect(problems(app('{ maxBodyBytes: 1GiB }'))[0]?.expected).toBe('a size from 1KiB to 64MiB');
    expect(problems(app('{ requestValidation: enforce }'))[0]?.path).toBe('apps[0].http.requestValidation');
    expect(problems(app('{ rateLimit: { perAppPerMinute: 0 } }'))[0]?.path).toBe('apps[0].http.rateLimit.perAppPerMinute');
  });

  it('refuses documents that are not OpenAPI 3 (missing file, Swagger 2, no paths, not a mapping, too large)', () => {
    writeFileSync(join(dir, 'swagger.yaml'), 'swagger: "2.0"\npaths: {}\n');
    writeFileSync(join(dir, 'nopaths.yaml'), 'openapi: 3.0.0\n');
    writeFileSync(join(dir, 'list.yaml'), '- 1\n');
    writeFileSync(join(dir, 'huge.json'), `{"openapi":"3.1.0","paths":{},"x":"${'a'.repeat(5 * 1024 * 1024)}"}`);
    writeFileSync(join(dir, 'broken.yaml'), 'openapi: [\n');
    const expectations: Array<[string, RegExp]> = [
      ['./missing.yaml', /not found/],
      ['./swagger.yaml', /Swagger 2 is not supported/],
      ['./nopaths.yaml', /paths/],
      ['./list.yaml', /a mapping/],
      ['./huge.json', /at most 4MiB/],
      ['./broken.yaml', /valid JSON or YAML/],
    ];
    for (const [file, message] of expectations) {
      const [issue] = problems(app(`{ openapi: ${file} }`));
      expect(issue?.path, file).toBe('apps[0].http.openapi');
      expect(issue?.message, file).toMatch(message);
    }
  });
});

describe('anomalies', () => {
  it('parses durations and sizes and fills defaults', () => {
    const config = parseConfig('anomalies:\n  block: true\n  blockFor: 1h\n  exfiltration: { bytes: 2GiB, window: 30m }\n  enumeration: { distinctIds: 20 }\n', 'zerogate.yaml', dir);
    expect(config.anomalies).toEqual({
      block: true,
      blockForMs: 60 * 60 * 1000,
      credentialStuffing: { failures: 20, accounts: 5, windowMs: 10 * 60 * 1000 },
      enumeration: { distinctIds: 20, windowMs: 5 * 60 * 1000 },
      exfiltration: { bytes: 2 * 1024 ** 3, windowMs: 30 * 60 * 1000, baselineFactor: 10 },
      unusualAccess: { learningDays: 7, minEvents: 50 },
    });
  });

  it('refuses unknown keys and out-of-bounds values', () => {
    expect(problems('anomalies: { blok: true }\n')[0]?.message).toContain('did you mean "block"');
    expect(problems('anomalies: { blockFor: 2d }\n')[0]?.path).toBe('anomalies.blockFor');
    expect(problems('anomalies: { exfiltration: { bytes: 10KiB } }\n')[0]?.path).toBe('anomalies.exfiltration.bytes');
    expect(problems('anomalies: { unusualAccess: { learningDays: 0 } }\n')[0]?.path).toBe('anomalies.unusualAccess.learningDays');
  });
});

describe('server.appsUrl (clientless apps on their own origin)', () => {
  const server = (appsUrl: string) => `server:\n  listen: 0.0.0.0:8443\n  hostnames: [zerogate.example.com, apps.example.com]\n  publicUrl: https://zerogate.example.com:8443\n  appsUrl: ${appsUrl}\n`;

  it('accepts an https origin named in hostnames, other than publicUrl', () => {
    const config = parseConfig(server('https://apps.example.com:8443/') + app('{ clientless: true }'), 'zerogate.yaml', dir);
    expect(config.server.appsUrl).toBe('https://apps.example.com:8443');
    expect(config.apps[0]?.http?.clientless).toBe(true);
  });

  it.each([
    ['https://other.example.com:8443', 'server.hostnames'],
    ['https://zerogate.example.com:8443', 'other than server.publicUrl'],
    ['https://zerogate.example.com:9443', 'other than server.publicUrl'],
    ['http://apps.example.com:8443', 'https://'],
    ['https://apps.example.com:8443/a/', 'without a path'],
  ])('refuses %s', (url, expected) => {
    const found = problems(server(url));
    expect(found.map((issue) => issue.path)).toContain('server.appsUrl');
    expect(found.find((issue) => issue.path === 'server.appsUrl')?.expected).toContain(expected);
  });

  it('refuses a clientless app while server.appsUrl is unset, saying why', () => {
    const found = problems(app('{ clientless: true }'));
    const issue = found.find((i) => i.path === 'apps[0].http.clientless');
    expect(issue?.expected).toContain('server.appsUrl');
    expect(issue?.expected).toContain('console');
  });
});
