/**
 * The sample API every issue-8 test runs against (notes/issue8.md): a small "orders" service
 * published as an http(s) app behind the proxy. It is a real upstream: it verifies the proxy's
 * X-Zerogate-Assertion with the proxy's JWKS (jose), the way an app developer would.
 *
 * Endpoints (declared in test/fixtures/sample-api/openapi.yaml unless noted):
 * - GET /health
 * - GET /users?limit=1..100
 * - GET /users/{id}            (id integer; the answer carries an UNDECLARED field `passwordHash`)
 * - POST /users                (JSON {name, email})
 * - GET /users/{id}/orders
 * - GET /orders/{orderId}      (orderId uuid)
 * - GET /whoami                (echoes the request headers and the verified assertion claims; 401 if invalid)
 * - GET /internal/debug        (NOT declared)
 * - GET /export?size=N         (N bytes of application/octet-stream, streamed)
 * - POST /upload               (NOT declared; reads the body, answers {bytes, sha256})
 */
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

/** The OpenAPI document of the sample API (fixture). */
export const SAMPLE_API_OPENAPI = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'sample-api', 'openapi.yaml');

/** A value, or a function giving it when first needed (a proxy started after the sample API). */
export type Lazy<T> = T | (() => T);

export interface SampleApiOptions {
  /** The proxy's JWKS (https://<proxy>/.well-known/zerogate/jwks.json); absent: /whoami answers 401. */
  proxyJwksUrl?: Lazy<string>;
  /** The proxy's CA (PEM), trusted when fetching the JWKS. */
  ca?: Lazy<string>;
  /** Expected `iss` (default: the JWKS URL's origin; the proxy's `server.publicUrl`). */
  issuer?: Lazy<string>;
  /** Expected `aud` (the app id); absent: not checked. */
  audience?: string;
  /** Serve HTTPS with this certificate instead of plain HTTP. */
  tls?: { cert: string; key: string };
  host?: string;
}

export interface SampleRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  remoteAddress: string | undefined;
}

export interface SampleApi {
  /** e.g. http://127.0.0.1:41234 (https:// with `tls`). */
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: SampleRequest[];
  /** TCP connections accepted so far (keep-alive tests count them). */
  readonly connections: number;
  close(): Promise<void>;
}

const USERS = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, name: `User ${i + 1}`, email: `user${i + 1}@example.com` }));
const MAX_EXPORT = 512 * 1024 * 1024;
const MAX_JSON_BODY = 64 * 1024;

export async function startSampleApi(options: SampleApiOptions = {}): Promise<SampleApi> {
  const requests: SampleRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const verifier = options.proxyJwksUrl === undefined ? undefined : assertionVerifier(options);
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, remoteAddress: req.socket.remoteAddress });
    route(req, res, verifier).catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal' });
      else res.destroy();
    });
  };
  const server: Server = options.tls === undefined ? createHttpServer(handler) : createHttpsServer({ ...options.tls }, handler);
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${host}:${port}`,
    port,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

type Verifier = (token: string) => Promise<JWTPayload>;

async function route(req: IncomingMessage, res: ServerResponse, verify: Verifier | undefined): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sample');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  let match: RegExpExecArray | null;
  if (method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
  if (method === 'GET' && path === '/users') {
    const limit = Number(url.searchParams.get('limit') ?? '20');
    return send(res, 200, { items: USERS.slice(0, Math.max(0, Math.min(limit, 100))).map(publicUser) });
  }
  if (method === 'POST' && path === '/users') {
    const body = await readJson(req);
    if (body === undefined || typeof body.name !== 'string' || typeof body.email !== 'string') return send(res, 400, { error: 'name and email are required' });
    return send(res, 201, { id: USERS.length + 1, name: body.name, email: body.email });
  }
  if (method === 'GET' && (match = /^\/users\/(\d+)$/.exec(path)) !== null) {
    const user = USERS[Number(match[1]) - 1];
    if (user === undefined) return send(res, 404, { error: 'no such user' });
    // Excessive data exposure (OWASP API3): a field the OpenAPI document does not declare.
    return send(res, 200, { ...publicUser(user), passwordHash: `scrypt$sample$${user.id}` });
  }
  if (method === 'GET' && (match = /^\/users\/(\d+)\/orders$/.exec(path)) !== null) {
    const id = Number(match[1]);
    return send(res, 200, { items: [{ id: orderId(id, 1), userId: id, total: 10 * id }] });
  }
  if (method === 'GET' && (match = /^\/orders\/([0-9a-f-]{36})$/i.exec(path)) !== null) {
    return send(res, 200, { id: match[1], userId: 1, total: 42 });
  }
  if (method === 'GET' && path === '/whoami') return whoami(req, res, verify);
  if (method === 'GET' && path === '/internal/debug') return send(res, 200, { debug: true, pid: process.pid, uptime: Math.round(process.uptime()) });
  if (method === 'GET' && path === '/export') return exportBytes(res, Number(url.searchParams.get('size') ?? '1024'));
  if (method === 'POST' && path === '/upload') return upload(req, res);
  return send(res, 404, { error: 'not found' });
}

function publicUser(user: (typeof USERS)[number]) {
  return { id: user.id, name: user.name, email: user.email };
}

function orderId(user: number, n: number): string {
  const hex = createHash('sha256').update(`${user}:${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function whoami(req: IncomingMessage, res: ServerResponse, verify: Verifier | undefined): Promise<void> {
  const token = req.headers['x-zerogate-assertion'];
  if (verify === undefined || typeof token !== 'string') return send(res, 401, { error: 'no assertion', headers: req.headers });
  let claims: JWTPayload;
  try {
    claims = await verify(token);
  } catch (error) {
    return send(res, 401, { error: 'invalid assertion', why: (error as Error).message, headers: req.headers });
  }
  return send(res, 200, { headers: req.headers, claims, remoteAddress: req.socket.remoteAddress });
}

function exportBytes(res: ServerResponse, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_EXPORT) return send(res, 400, { error: 'size out of range' });
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let left = size;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      if (!res.write(chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function upload(req: IncomingMessage, res: ServerResponse): void {
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    bytes += c.length;
    hash.update(c);
  });
  req.on('end', () => send(res, 200, { bytes, sha256: hash.digest('hex') }));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) return undefined;
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Verifies assertions against the proxy's JWKS, fetched over HTTPS with the proxy's CA (jose's
 * remote JWKS uses fetch, which has no per-call CA): cached, fetched again when a token names
 * a key the cache does not hold (key rotation).
 */
function assertionVerifier(options: SampleApiOptions): Verifier {
  const value = <T,>(lazy: Lazy<T> | undefined): T | undefined => (typeof lazy === 'function' ? (lazy as () => T)() : lazy);
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  const load = async () => (keys = createLocalJWKSet(await fetchJson(value(options.proxyJwksUrl) as string, value(options.ca))));
  return async (token) => {
    const jwksUrl = value(options.proxyJwksUrl) as string;
    const issuer = value(options.issuer) ?? new URL(jwksUrl).origin;
    const verifyWith = async (set: ReturnType<typeof createLocalJWKSet>) =>
      (
        await jwtVerify(token, set, {
          issuer,
          algorithms: ['ES256'],
          typ: 'zerogate-assertion+jwt',
          ...(options.audience === undefined ? {} : { audience: options.audience }),
        })
      ).payload;
    const current = keys ?? (await load());
    try {
      return await verifyWith(current);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      return verifyWith(await load());
    }
  };
}

function fetchJson(url: string, ca: string | undefined): Promise<JSONWebKeySet> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { method: 'GET', ...(ca === undefined ? {} : { ca }), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`JWKS answered ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as JSONWebKeySet);
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}
