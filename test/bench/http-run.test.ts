/**
 * The HTTP section's harness (http-run.ts) end to end in a small configuration: a real app
 * process, a real proxy and agent, a real load client. Checks that the harness measures both
 * paths, that every figure is there and that it counts what goes wrong; no timing threshold
 * (figures on a shared 2-core machine say nothing in a test).
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup } from './cleanup.ts';
import { createBenchApp, LARGE_BYTES, SMALL_BODY } from './http-app.ts';
import { runHttpJob } from './http-client.ts';
import { formatHttp, HTTP_ENDPOINTS, HTTP_PATHS, runHttp } from './http-run.ts';
import { HTTP_SMOKE_PLAN, parseOptions } from './options.ts';

let cleanup: Cleanup | undefined;

afterEach(async () => {
  await cleanup?.run();
  cleanup = undefined;
});

describe('http section', () => {
  it('measures both paths for both endpoints with no error, and reports every figure', { timeout: 120_000 }, async () => {
    cleanup = new Cleanup();
    const dir = mkdtempSync(join(tmpdir(), 'zg-http-bench-test-'));
    cleanup.trackDir(dir);
    const plan = HTTP_SMOKE_PLAN;
    const section = await runHttp({ dir, plan, cleanup, progress: () => undefined });

    expect(section.errors).toEqual({ total: 0, byKind: {}, first: [] });
    // A warm-up and `runs` measurements of each path and endpoint, interleaved direct/proxied.
    expect(section.measurements).toHaveLength(HTTP_ENDPOINTS.length * HTTP_PATHS.length * (plan.runs + 1));
    expect(section.measurements.slice(0, 4).map((m) => `${m.endpoint}:${m.path}:${m.run}`)).toEqual(['small:direct:0', 'small:proxied:0', 'small:direct:1', 'small:proxied:1']);
    for (const m of section.measurements) {
      expect(m.errors).toBe(0);
      expect(m.requests).toBeGreaterThan(0);
      // The app served at least what the client counted (plus the untimed and drained requests).
      expect(m.app.requests).toBeGreaterThanOrEqual(m.requests + plan.connections);
    }
    for (const endpoint of HTTP_ENDPOINTS) {
      const f = section.figures[endpoint.name];
      for (const path of HTTP_PATHS) {
        const p = f[path]!;
        expect(p.requestsPerSecond).toBeGreaterThan(0);
        expect(p.p50Ms).toBeGreaterThan(0);
        expect(p.p50Ms).toBeLessThanOrEqual(p.p99Ms);
        expect(p.p99Ms).toBeLessThanOrEqual(p.maxMs);
        expect(p.errors).toBe(0);
        expect(p.cores.load).not.toBeNull();
      }
      expect(f.ratios.requestsPerSecond).toBeGreaterThan(0);
      expect(f.ratios.p99Ms).toBeGreaterThan(0);
    }
    expect(section.figures.large.bodyBytes).toBe(LARGE_BYTES);
    expect(section.figures.small.bodyBytes).toBe(SMALL_BODY.length);

    // The proxied requests really went through the proxy to the app, gateway or not.
    expect(section.checks.proxiedAppRequests).toBeGreaterThanOrEqual(section.checks.proxiedClientRequests);
    expect(['http', 'raw-tcp']).toContain(section.setup.gateway);
    // The app keeps every connection alive: the direct path never reconnects.
    expect(section.checks.reconnects.direct).toBe(0);
    if (section.setup.gateway === 'http') expect(section.checks.proxiedWithAssertion).toBe(section.checks.proxiedAppRequests);

    const text = formatHttp(section);
    expect(text).toContain('GET /small (100 B)');
    expect(text).toContain(`GET /large (${LARGE_BYTES} B)`);
    expect(text).toContain('errors: 0 (must be 0)');
    expect(text).toMatch(/proxied\/direct/);
  });
});

describe('http load client', () => {
  async function appOn(): Promise<{ port: number; close: () => Promise<void> }> {
    const app = createBenchApp();
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', () => resolve()));
    return { port: (app.server.address() as AddressInfo).port, close: () => new Promise((resolve) => app.server.close(() => resolve())) };
  }

  it('counts answers outside 2xx and bodies of the wrong size as errors, not samples', { timeout: 30_000 }, async () => {
    const app = await appOn();
    try {
      const missing = await runHttpJob({ port: app.port, path: '/missing', connections: 2, durationMs: 300, expectedBytes: 21 });
      expect(missing.requests).toBe(0);
      expect(missing.latency).toBeNull();
      expect(missing.errors.total).toBeGreaterThan(2);
      expect(Object.keys(missing.errors.byKind)).toEqual(['status 404']);

      const wrongSize = await runHttpJob({ port: app.port, path: '/small', connections: 1, durationMs: 200, expectedBytes: SMALL_BODY.length + 1 });
      expect(wrongSize.requests).toBe(0);
      expect(Object.keys(wrongSize.errors.byKind)).toEqual(['length']);

      const ok = await runHttpJob({ port: app.port, path: '/large', connections: 2, durationMs: 300, expectedBytes: LARGE_BYTES });
      expect(ok.errors.total).toBe(0);
      expect(ok.requests).toBeGreaterThan(0);
      expect(ok.bodyBytes).toBe(ok.requests * LARGE_BYTES);
    } finally {
      await app.close();
    }
  });

  it('reads chunked answers, and reconnects when the server closes after an answer', { timeout: 30_000 }, async () => {
    // What a gateway may do: stream the answer without Content-Length, or close the connection.
    const server = createServer((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
        res.write('"' + 'x'.repeat(5000) + '"');
        res.end('}');
      } else {
        res.writeHead(200, { 'content-length': 2, connection: 'close' });
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    try {
      const chunked = await runHttpJob({ port, path: '/chunked', connections: 2, durationMs: 300, expectedBytes: 5008 });
      expect(chunked.errors).toEqual({ total: 0, byKind: {}, first: [] });
      expect(chunked.requests).toBeGreaterThan(0);
      expect(chunked.reconnects).toBe(0);
      const closing = await runHttpJob({ port, path: '/close', connections: 2, durationMs: 300, expectedBytes: 2 });
      expect(closing.errors.total).toBe(0);
      expect(closing.requests).toBeGreaterThan(0);
      // Every answer, the untimed ones included, closed its connection.
      expect(closing.reconnects).toBeGreaterThanOrEqual(closing.requests + 2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('counts a refused connection as an error', { timeout: 30_000 }, async () => {
    const app = await appOn();
    await app.close();
    const refused = await runHttpJob({ port: app.port, path: '/small', connections: 1, durationMs: 200, expectedBytes: SMALL_BODY.length });
    expect(refused.requests).toBe(0);
    expect(refused.errors.byKind.connect).toBeGreaterThan(0);
  });
});

describe('http options', () => {
  it('runs the http section by default and takes its size from the command line', () => {
    const defaults = parseOptions([]);
    expect(defaults.sections).toContain('http');
    expect(defaults.plan.http).toEqual({ connections: 16, durationMs: 10_000, warmupMs: 2_000, runs: 3 });
    const only = parseOptions(['--only', 'http', '--http-connections', '4', '--http-duration', '2.5', '--runs', '2']);
    expect(only.sections).toEqual(['http']);
    expect(only.plan.http).toMatchObject({ connections: 4, durationMs: 2_500, runs: 2 });
    expect(() => parseOptions(['--http-connections', '0'])).toThrow(/--http-connections must be an integer/);
    expect(() => parseOptions(['--http-duration', 'long'])).toThrow(/--http-duration must be a number/);
  });
});
