/**
 * The fetch that openid-client uses: node:https with only the pinned CA, a deadline, a body
 * limit, and standard `Response` objects.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createServerCert, type CertKeyPair } from '../../../proxy/pki/index.ts';
import { expectZgRejection } from '../../../proxy/pki/test-helpers.ts';
import { createPinnedFetch } from './pinned-fetch.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let caA: CertKeyPair;
let caB: CertKeyPair;
let server: Server;
let wrongNameServer: Server;
let origin: string;
let wrongNameOrigin: string;
let lastSeen: Seen | undefined;

async function listen(tls: CertKeyPair, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const https = createServer({ cert: tls.certPem, key: tls.keyPem }, handler);
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  return { server: https, origin: `https://127.0.0.1:${(https.address() as AddressInfo).port}` };
}

function handler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    lastSeen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    switch (req.url) {
      case '/json':
        res.writeHead(200, [
          ['content-type', 'application/json'],
          ['set-cookie', 'a=1'],
          ['set-cookie', 'b=2'],
        ]);
        res.end(JSON.stringify({ ok: true }));
        return;
      case '/empty':
        res.writeHead(204).end();
        return;
      case '/redirect':
        res.writeHead(302, { location: 'https://elsewhere.example/' }).end();
        return;
      case '/big-declared':
        res.writeHead(200, { 'content-length': 64 * 1024 }).end(Buffer.alloc(64 * 1024));
        return;
      case '/big-chunked':
        res.writeHead(200);
        for (let i = 0; i < 64; i += 1) res.write(Buffer.alloc(1024));
        res.end();
        return;
      case '/hang':
        return;
      default:
        res.writeHead(404).end('{"error":"not_found"}');
    }
  });
}

beforeAll(async () => {
  caA = createCa({ commonName: 'pinned CA A' });
  caB = createCa({ commonName: 'other CA B' });
  ({ server, origin } = await listen(createServerCert(caA, ['127.0.0.1']), handler));
  ({ server: wrongNameServer, origin: wrongNameOrigin } = await listen(createServerCert(caA, ['idp.example.test']), handler));
});

afterAll(() => {
  for (const s of [server, wrongNameServer]) {
    s?.closeAllConnections();
    s?.close();
  }
});

describe('createPinnedFetch', () => {
  it('returns a standard Response (status, headers, body) from a server of the pinned CA', async () => {
    const fetch = createPinnedFetch({ ca: caA.certPem });
    const response = await fetch(`${origin}/json`, { method: 'GET', headers: { accept: 'application/json', 'user-agent': 'test' }, body: undefined, redirect: 'manual' });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ ok: true });
    expect(lastSeen).toMatchObject({ method: 'GET', url: '/json', headers: { accept: 'application/json', 'user-agent': 'test' } });
  });

  it('sends a form body with its content type and length', async () => {
    const fetch = createPinnedFetch({ ca: caA.certPem });
    const body = new URLSearchParams({ grant_type: 'refresh_token', scope: 'openid email' });
    const response = await fetch(`${origin}/form`, { method: 'POST', headers: {}, body, redirect: 'manual' });
    expect(response.status).toBe(404);
    expect(lastSeen?.body).toBe(body.toString());
    expect(lastSeen?.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(lastSeen?.headers['content-length']).toBe(String(body.toString().length));
  });

  it('does not follow redirects and gives null-body statuses a null body', async () => {
    const fetch = createPinnedFetch({ ca: caA.certPem });
    const redirect = await fetch(`${origin}/redirect`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://elsewhere.example/');
    const empty = await fetch(`${origin}/empty`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('refuses a server whose certificate another CA issued: ZG_ERR_AUTH_IDP_UNTRUSTED', async () => {
    const fetch = createPinnedFetch({ ca: caB.certPem });
    const error = await expectZgRejection(fetch(`${origin}/json`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }), 'ZG_ERR_AUTH_IDP_UNTRUSTED');
    expect(error.detail).toMatchObject({ tlsCode: expect.stringMatching(/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/) });
    expect(error.message).toContain(origin);
  });

  it('uses the system trust store when no CA is pinned (which does not know a private CA)', async () => {
    const fetch = createPinnedFetch();
    await expectZgRejection(fetch(`${origin}/json`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }), 'ZG_ERR_AUTH_IDP_UNTRUSTED');
  });

  it('ignores NODE_EXTRA_CA_CERTS when a CA is pinned, and uses it when none is', async () => {
    // NODE_EXTRA_CA_CERTS is read once at process start: check it in a child process.
    const dir = mkdtempSync(join(tmpdir(), 'zerogate-extra-ca-'));
    try {
      writeFileSync(join(dir, 'extra.pem'), caA.certPem);
      writeFileSync(
        join(dir, 'probe.mts'),
        `import { createPinnedFetch } from ${JSON.stringify(join(import.meta.dirname, 'pinned-fetch.ts'))};
const init = { method: 'GET', headers: {}, body: undefined, redirect: 'manual' } as const;
const outcome = async (fetch: ReturnType<typeof createPinnedFetch>) => fetch(process.env.URL! + '/json', init).then((r) => String(r.status), (e) => e.code);
console.log(JSON.stringify({ system: await outcome(createPinnedFetch()), pinned: await outcome(createPinnedFetch({ ca: process.env.PINNED })) }));
`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(dir, 'probe.mts')], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'extra.pem'), URL: origin, PINNED: caB.certPem },
      });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ system: '200', pinned: 'ZG_ERR_AUTH_IDP_UNTRUSTED' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks the server name, not only the issuer', async () => {
    const fetch = createPinnedFetch({ ca: caA.certPem });
    const error = await expectZgRejection(fetch(`${wrongNameOrigin}/json`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }), 'ZG_ERR_AUTH_IDP_UNTRUSTED');
    expect(error.detail).toEqual({ tlsCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('bounds the response size, declared or streamed', async () => {
    const fetch = createPinnedFetch({ ca: caA.certPem, maxResponseBytes: 1024 });
    for (const path of ['/big-declared', '/big-chunked']) {
      const error = await expectZgRejection(fetch(`${origin}${path}`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
      expect(error.message).toContain('larger than 1024 bytes');
    }
  });

  it('gives up after its deadline: ZG_ERR_AUTH_IDP_UNAVAILABLE', async () => {
    const fetch = createPinnedFetch({ ca: caA.certPem, timeoutMs: 200 });
    const started = Date.now();
    await expectZgRejection(fetch(`${origin}/hang`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }), 'ZG_ERR_AUTH_IDP_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("rejects with the signal's reason, as fetch does", async () => {
    const fetch = createPinnedFetch({ ca: caA.certPem });
    const controller = new AbortController();
    const pending = fetch(`${origin}/hang`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual', signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(
      fetch(`${origin}/json`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual', signal: AbortSignal.abort(new Error('already')) }),
    ).rejects.toThrow('already');
  });

  it('reports a refused connection as ZG_ERR_AUTH_IDP_UNAVAILABLE', async () => {
    const closed = await listen(createServerCert(caA, ['127.0.0.1']), handler);
    closed.server.close();
    const fetch = createPinnedFetch({ ca: caA.certPem });
    const error = await expectZgRejection(fetch(`${closed.origin}/json`, { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }), 'ZG_ERR_AUTH_IDP_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('never speaks plain http', async () => {
    const fetch = createPinnedFetch({ ca: caA.certPem });
    await expectZgRejection(fetch('http://127.0.0.1:1/json', { method: 'GET', headers: {}, body: undefined, redirect: 'manual' }), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => createPinnedFetch({ ca: 'not a pem' })).toThrow(TypeError);
    expect(() => createPinnedFetch({ timeoutMs: 0 })).toThrow(TypeError);
    expect(() => createPinnedFetch({ maxResponseBytes: 1.5 })).toThrow(TypeError);
  });
});
