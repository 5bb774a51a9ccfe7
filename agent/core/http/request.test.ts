/**
 * HTTPS to the proxy with several endpoints: real TLS servers on loopback, certificates from a
 * real CA. A connection failure moves the request on; an HTTP answer never does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createServerCert, type CertKeyPair } from '../../../proxy/pki/index.ts';
import { ProxyEndpoints } from './endpoints.ts';
import { proxyRequest } from './request.ts';

interface TestServer {
  server: Server;
  url: string;
  hits: string[];
}

let ca: CertKeyPair;
let otherCa: CertKeyPair;
let ok: TestServer;
let refusing: TestServer;
let dropping: TestServer;
let foreign: TestServer;
let silent: TcpServer;
let silentUrl: string;
let deadUrl: string;

async function serve(tls: CertKeyPair, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const hits: string[] = [];
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, hits, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function json(status: number, body: unknown) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
}

const tls = () => ({ ca: ca.certPem });

beforeAll(async () => {
  ca = createCa({ commonName: 'request test CA' });
  otherCa = createCa({ commonName: 'another CA' });
  const names = ['localhost', '127.0.0.1'];
  ok = await serve(createServerCert(ca, names), json(200, { node: 'ok' }));
  refusing = await serve(createServerCert(ca, names), json(403, { code: 'ZG_ERR_AUTH_DEVICE_REVOKED', reasons: ['device-revoked'], message: 'revoked' }));
  // Reaches the node, then the node dies before answering.
  dropping = await serve(createServerCert(ca, names), (req) => req.socket.destroy());
  foreign = await serve(createServerCert(otherCa, names), json(200, { node: 'foreign' }));
  // Accepts TCP and never speaks TLS: a node that hangs.
  silent = createTcpServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const closed = createTcpServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  deadUrl = `https://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(() => {
  for (const s of [ok, refusing, dropping, foreign]) s?.server.close();
  silent?.close();
});

const reset = (): void => {
  for (const s of [ok, refusing, dropping, foreign]) s.hits.length = 0;
};

describe('proxyRequest with several endpoints', () => {
  it('moves past a node that refuses connections, and then stays on the one that answered', async () => {
    reset();
    const endpoints = new ProxyEndpoints([deadUrl, ok.url]);
    const first = await proxyRequest(new URL('/v1/me/apps', deadUrl), { tls: tls(), endpoints });
    expect(first.status).toBe(200);
    expect(endpoints.current?.origin).toBe(ok.url);
    await proxyRequest(new URL('/v1/me/apps', deadUrl), { tls: tls(), endpoints });
    expect(ok.hits).toEqual(['GET /v1/me/apps', 'GET /v1/me/apps']);
  });

  it('takes an HTTP refusal as the answer: the next node is not asked', async () => {
    reset();
    const endpoints = new ProxyEndpoints([refusing.url, ok.url]);
    const response = await proxyRequest(new URL('/v1/session/renew', refusing.url), { method: 'POST', body: {}, tls: tls(), endpoints });
    expect(response.status).toBe(403);
    expect(ok.hits).toEqual([]);
  });

  it('skips a node whose certificate the pinned CA did not issue; alone, it is ZG_ERR_PKI_FINGERPRINT_MISMATCH', async () => {
    reset();
    const response = await proxyRequest(new URL('/x', foreign.url), { tls: tls(), endpoints: new ProxyEndpoints([foreign.url, ok.url]) });
    expect(response.status).toBe(200);
    expect(foreign.hits).toEqual([]);
    await expect(proxyRequest(new URL('/x', foreign.url), { tls: tls(), endpoints: new ProxyEndpoints([foreign.url, deadUrl]) })).rejects.toMatchObject({
      code: 'ZG_ERR_PKI_FINGERPRINT_MISMATCH',
    });
  });

  it('checks the certificate against the URL host name, not the address it resolved to', async () => {
    const port = new URL(ok.url).port;
    const lookup = async () => [{ address: '127.0.0.1', family: 4 }];
    // The certificate names localhost and 127.0.0.1, not this name: refused though the address is right.
    const wrongName = new ProxyEndpoints([`https://not-in-the-cert.example:${port}`], { lookup });
    await expect(proxyRequest(new URL(`https://not-in-the-cert.example:${port}/x`), { tls: tls(), endpoints: wrongName })).rejects.toMatchObject({
      code: 'ZG_ERR_PKI_FINGERPRINT_MISMATCH',
    });
    const rightName = new ProxyEndpoints([`https://localhost:${port}`], { lookup });
    expect((await proxyRequest(new URL(`https://localhost:${port}/x`), { tls: tls(), endpoints: rightName })).status).toBe(200);
  });

  it('sends a GET again to the next node after its node died mid-request, but never a POST', async () => {
    reset();
    const get = await proxyRequest(new URL('/v1/me/apps', dropping.url), { tls: tls(), endpoints: new ProxyEndpoints([dropping.url, ok.url]) });
    expect(get.status).toBe(200);
    expect(ok.hits).toEqual(['GET /v1/me/apps']);
    await expect(
      proxyRequest(new URL('/v1/session/renew', dropping.url), { method: 'POST', body: {}, tls: tls(), endpoints: new ProxyEndpoints([dropping.url, ok.url]) }),
    ).rejects.toMatchObject({ code: 'ZG_ERR_TUNNEL_CONNECT' });
    expect(ok.hits).toEqual(['GET /v1/me/apps']);
  });

  it('gives up on a node that does not finish the TLS handshake within the connect deadline', async () => {
    reset();
    const started = Date.now();
    const response = await proxyRequest(new URL('/x', silentUrl), { tls: tls(), connectTimeoutMs: 300, endpoints: new ProxyEndpoints([silentUrl, ok.url]) });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('names every endpoint it tried when none could be reached', async () => {
    const error = await proxyRequest(new URL('/x', deadUrl), { tls: tls(), connectTimeoutMs: 300, endpoints: new ProxyEndpoints([deadUrl, silentUrl]) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ZG_ERR_TUNNEL_CONNECT' });
    expect((error as Error).message).toContain(`${deadUrl}: ECONNREFUSED`);
    expect((error as Error).message).toContain(`${silentUrl}: ZG_CONNECT_TIMEOUT`);
  });
});
