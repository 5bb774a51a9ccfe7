/**
 * HTTP-aware apps (issue 8, docs/http-apps.md) end to end: a real proxy, real agents and the
 * sample API as the upstream. The upstream verifies the proxy's assertion with the proxy's JWKS.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ASSERTION_KEY_FILE, AssertionSigner, JWKS_PATH } from '../../proxy/http/assertion.ts';
import { createCa, createServerCert } from '../../proxy/pki/index.ts';
import { listenApp } from '../../agent/core/tunnel/index.ts';
import { startAgent, type RunningAgent } from '../helpers/agent.ts';
import { startSampleApi, type SampleApi } from '../helpers/sample-api.ts';
import { startStack, TEST_USER, waitFor, type Stack } from '../helpers/stack.ts';

const BOB = 'bob@example.com';
const MiB = 1024 * 1024;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: Record<string, unknown>;
  reusedSocket: boolean;
}

function call(port: number, path: string, options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json, reusedSocket: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A port that was just free: nothing listens there. */
async function deadPort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('HTTP-aware apps through the tunnel', () => {
  let stack: Stack;
  let api: SampleApi;
  let secureApi: SampleApi;
  let wsServer: WebSocketServer;
  let wsPort: number;
  const wsHeaders: IncomingHttpHeaders[] = [];
  let alice: RunningAgent;
  let bob: RunningAgent;
  let upstreamCa: string;
  const jwks = () => `${stack.proxy.url}${JWKS_PATH}`;
  const lazy = { proxyJwksUrl: jwks, ca: () => stack.proxy.pki.ca.certPem, issuer: () => stack.proxy.config.server.publicUrl };

  beforeAll(async () => {
    api = await startSampleApi(lazy);
    const ca = createCa({ commonName: 'Internal test CA' });
    upstreamCa = ca.certPem;
    const cert = createServerCert(ca, ['localhost', '127.0.0.1']);
    secureApi = await startSampleApi({ ...lazy, tls: { cert: cert.certPem, key: cert.keyPem } });
    wsServer = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    wsServer.on('connection', (socket, req) => {
      wsHeaders.push(req.headers);
      socket.on('message', (data) => socket.send(`echo:${String(data)}`));
    });
    await new Promise<void>((r) => wsServer.once('listening', () => r()));
    wsPort = (wsServer.address() as { port: number }).port;
    const both = [TEST_USER, BOB];
    stack = await startStack({
      apps: [
        { id: 'orders', upstream: api.url, users: both },
        { id: 'limited', upstream: api.url, users: both, http: { rateLimit: { perIdentityPerMinute: 3 } } },
        { id: 'busy', upstream: api.url, users: both, http: { rateLimit: { perIdentityPerMinute: 100, perAppPerMinute: 4 } } },
        { id: 'secure', upstream: `https://localhost:${secureApi.port}`, users: both },
        { id: 'down', upstream: `http://127.0.0.1:${await deadPort()}`, users: both },
        { id: 'revocable', upstream: api.url, users: both },
        { id: 'sockets', upstream: `http://127.0.0.1:${wsPort}`, users: both },
        { id: 'bare', upstream: api.url, users: both, http: { assertion: false } },
      ],
      limits: { maxOpensPerSecond: 1000 },
    });
    stack.proxy.built.httpGateway.trustUpstreamCa([upstreamCa]);
    const apps = ['orders', 'limited', 'busy', 'secure', 'down', 'revocable', 'sockets', 'bare'];
    alice = await startAgent(await stack.enroll(TEST_USER), apps);
    bob = await startAgent(await stack.enroll(BOB), apps);
  }, 60_000);

  afterAll(async () => {
    await alice?.stop();
    await bob?.stop();
    await stack?.close();
    await api?.close();
    await secureApi?.close();
    await new Promise<void>((r) => wsServer.close(() => r()));
  });

  const audits = async (type: string) => {
    await stack.proxy.audit.flush();
    return stack.proxy.store.queryAudit({ type });
  };

  it('serves the JWKS, and the upstream verifies the assertion with it: user, groups, device, posture, via, 60 s, jti = request id', async () => {
    const reply = await call(alice.port('orders'), '/whoami');
    expect(reply.status).toBe(200);
    const claims = reply.json.claims as Record<string, unknown>;
    const headers = reply.json.headers as Record<string, string>;
    const device = stack.proxy.built.sessions.all().find((session) => session.device.user === TEST_USER)?.device.id;
    expect(claims).toMatchObject({ iss: stack.proxy.config.server.publicUrl, aud: 'orders', sub: TEST_USER, email: TEST_USER, groups: [], posture: 'none', via: 'tunnel' });
    expect(device).toEqual(expect.any(String));
    expect(claims.device).toBe(device);
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    expect(claims.jti).toBe(headers['x-request-id']);
    expect(reply.headers['x-request-id']).toBe(headers['x-request-id']);
    // The JWKS is public, cacheable, and holds only a public key.
    const keys = await fetchJwks(stack);
    expect(keys.cacheControl).toContain('max-age=');
    expect(keys.body.keys).toHaveLength(1);
    expect(keys.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys.body.keys[0]).not.toHaveProperty('d');
  });

  it('the upstream rejects a tampered, an expired and a foreign-signed assertion', async () => {
    const reply = await call(alice.port('orders'), '/whoami');
    const token = (reply.json.headers as Record<string, string>)['x-zerogate-assertion'] as string;
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = { ...decodeJwt(token), sub: 'admin@example.com', groups: ['admin'] };
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    const direct = (assertion: string) => call(api.port, '/whoami', { headers: { 'x-zerogate-assertion': assertion } });
    expect((await direct(token)).status).toBe(200);
    expect((await direct(tampered)).status).toBe(401);
    expect((await direct(`${h}.${p}.${Buffer.alloc(64).toString('base64url')}`)).status).toBe(401);
    const proxyKey = await AssertionSigner.open(join(stack.proxy.config.dataDir, ASSERTION_KEY_FILE), stack.proxy.config.server.publicUrl);
    const principal = { user: TEST_USER, groups: [], posture: 'none' as const, via: 'tunnel' as const, source: '127.0.0.1' };
    const expired = await proxyKey.sign({ app: 'orders', principal, requestId: 'r1' }, Date.now() - 5 * 60_000);
    expect((await direct(expired)).json).toMatchObject({ error: 'invalid assertion', why: expect.stringMatching(/exp/) });
    const foreign = await (await AssertionSigner.ephemeral(stack.proxy.config.server.publicUrl)).sign({ app: 'orders', principal, requestId: 'r2' });
    expect((await direct(foreign)).status).toBe(401);
    const unsigned = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'zerogate-assertion+jwt' }).setSubject(TEST_USER).sign(Buffer.alloc(32));
    expect((await direct(unsigned)).status).toBe(401);
  });

  it('strips spoofed identity headers and the console cookies, and sets x-forwarded-* and x-request-id itself', async () => {
    const reply = await call(alice.port('orders'), '/whoami', {
      headers: {
        'x-forwarded-user': 'admin',
        'x-forwarded-email': 'admin@example.com',
        'x-forwarded-groups': 'admin',
        'x-forwarded-preferred-username': 'admin',
        'x-remote-user': 'admin',
        'remote-user': 'admin',
        'x-user': 'admin',
        'x-email': 'admin@example.com',
        'x-auth-request-user': 'admin',
        'x-auth-request-email': 'admin@example.com',
        'x-zerogate-user': 'admin',
        'x-zerogate-assertion': 'forged',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=6.6.6.6',
        'x-real-ip': '6.6.6.6',
        'x-request-id': 'chosen-by-client',
        cookie: '__Host-zg_console=stolen; theme=dark; __Host-zg_console_login=x',
      },
    });
    expect(reply.status).toBe(200);
    const seen = reply.json.headers as Record<string, string>;
    for (const name of ['x-forwarded-user', 'x-forwarded-email', 'x-forwarded-groups', 'x-forwarded-preferred-username', 'x-remote-user', 'remote-user', 'x-user', 'x-email', 'x-auth-request-user', 'x-auth-request-email', 'x-zerogate-user', 'forwarded', 'x-real-ip']) {
      expect(seen, name).not.toHaveProperty(name);
    }
    expect(seen['x-zerogate-assertion']).not.toBe('forged');
    expect(seen.cookie).toBe('theme=dark');
    expect(seen['x-request-id']).not.toBe('chosen-by-client');
    const session = stack.proxy.built.sessions.all().find((s) => s.device.user === TEST_USER);
    expect(seen['x-forwarded-for']).toBe(session?.source);
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(`127.0.0.1:${alice.port('orders')}`);
    expect(seen.host).toBe(new URL(api.url).host);
    expect((reply.json.claims as Record<string, unknown>).sub).toBe(TEST_USER);
  });

  it('sends no assertion when the app turns it off (the upstream then refuses /whoami)', async () => {
    const reply = await call(alice.port('bare'), '/whoami', { headers: { 'x-zerogate-assertion': 'forged' } });
    expect(reply.status).toBe(401);
    expect(reply.json.headers).not.toHaveProperty('x-zerogate-assertion');
  });

  it('limits requests per identity with 429 and Retry-After, audited once', async () => {
    const before = api.requests.length;
    for (let i = 0; i < 3; i++) expect((await call(alice.port('limited'), '/health')).status).toBe(200);
    const refused = await call(alice.port('limited'), '/health');
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ statusCode: 429, code: 'ZG_ERR_RATE_LIMITED', error: 'Too Many Requests', reasons: ['rate-limited'], message: expect.stringContaining('from you (3 per minute)') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(20);
    expect((await call(alice.port('limited'), '/health')).status).toBe(429);
    // Bob has his own budget; the refused requests never reached the app.
    expect((await call(bob.port('limited'), '/health')).status).toBe(200);
    expect(api.requests.length - before).toBe(4);
    const denials = (await audits('http.deny')).filter((e) => e.app === 'limited');
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({ user: TEST_USER, decision: 'deny', reasons: ['rate-limited'], detail: { code: 'ZG_ERR_RATE_LIMITED', status: 429, scope: 'identity', by: 'rate-limit' } });
  });

  it('limits requests per app across identities', async () => {
    for (const agent of [alice, bob, alice, bob]) expect((await call(agent.port('busy'), '/health')).status).toBe(200);
    const refused = await call(bob.port('busy'), '/health');
    expect(refused.status).toBe(429);
    expect(refused.json.message).toContain('for everyone');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await call(alice.port('busy'), '/health')).status).toBe(429);
  });

  it('keeps one stream alive for several requests (keep-alive), and the upstream pool reuses its connection', async () => {
    const opensBefore = (await audits('stream.open')).filter((e) => e.app === 'orders').length;
    const connectionsBefore = api.connections;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const replies: Reply[] = [];
    for (let i = 1; i <= 5; i++) replies.push(await call(alice.port('orders'), `/users/${i}`, { agent }));
    agent.destroy();
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(replies.slice(1).every((r) => r.reusedSocket)).toBe(true);
    expect(replies.map((r) => (r.json as { id: number }).id)).toEqual([1, 2, 3, 4, 5]);
    const opens = (await audits('stream.open')).filter((e) => e.app === 'orders').length - opensBefore;
    expect(opens).toBe(1);
    expect(api.connections - connectionsBefore).toBeLessThanOrEqual(1);
  });

  it('streams large bodies both ways', async () => {
    const download = await call(alice.port('orders'), `/export?size=${64 * MiB}`);
    expect(download.status).toBe(200);
    expect(download.body.length).toBe(64 * MiB);
    const payload = randomBytes(32 * MiB);
    const upload = await call(alice.port('orders'), '/upload', { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': payload.length }, body: payload });
    expect(upload.json).toEqual({ bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') });
  }, 60_000);

  it('forwards to an https upstream, verifying its certificate', async () => {
    const reply = await call(alice.port('secure'), '/whoami');
    expect(reply.status).toBe(200);
    expect((reply.json.claims as Record<string, unknown>).aud).toBe('secure');
    expect(secureApi.requests.at(-1)?.headers.host).toBe(`localhost:${secureApi.port}`);
  });

  it('answers 502 ZG_ERR_HTTP_UPSTREAM when the upstream is down, naming the app and not its address', async () => {
    const reply = await call(alice.port('down'), '/health');
    expect(reply.status).toBe(502);
    expect(reply.json).toEqual({ statusCode: 502, code: 'ZG_ERR_HTTP_UPSTREAM', error: 'Bad Gateway', reasons: [], message: 'app down refused the connection' });
    const denial = (await audits('http.deny')).find((e) => e.app === 'down');
    expect(denial?.detail).toMatchObject({ code: 'ZG_ERR_HTTP_UPSTREAM', by: 'upstream' });
  });

  it('refuses what is not HTTP/1.1 in origin form', async () => {
    const absolute = await rawExchange(alice.port('orders'), 'GET http://169.254.169.254/latest HTTP/1.1\r\nhost: x\r\n\r\n');
    expect(absolute).toMatch(/^HTTP\/1\.1 400/);
    expect(absolute).toContain('ZG_ERR_HTTP_BAD_REQUEST');
    const garbage = await rawExchange(alice.port('orders'), 'SSH-2.0-OpenSSH_9.6\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
  });

  it('forwards a WebSocket upgrade after the checks, with the assertion, and refuses other upgrades', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${alice.port('sockets')}/chat`, { headers: { 'x-forwarded-user': 'admin' } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const echoed = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
    socket.send('hi');
    expect(await echoed).toBe('echo:hi');
    socket.close();
    const seen = wsHeaders.at(-1) ?? {};
    expect(seen['x-zerogate-assertion']).toEqual(expect.any(String));
    expect(seen['x-forwarded-user']).toBeUndefined();
    const h2c = await rawExchange(alice.port('sockets'), 'GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade, http2-settings\r\nupgrade: h2c\r\nhttp2-settings: AAMAAABkAAQAAP__\r\n\r\n');
    expect(h2c).toMatch(/^HTTP\/1\.1 400/);
    expect(h2c).toContain('only WebSocket upgrades');
  });

  it('resets a live keep-alive stream when a policy change denies the user (continuous verification)', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await call(alice.port('revocable'), '/health', { agent })).status).toBe(200);
    const apps = stack.proxy.config.apps.map((a) => (a.id === 'revocable' ? { ...a, users: [BOB] } : a));
    stack.proxy.built.setApps(apps);
    try {
      await waitFor(async () => (await audits('stream.reset')).some((e) => e.app === 'revocable' && e.user === TEST_USER), 5_000, 'stream.reset');
      // The next request on that connection (or a new one) is refused: the tunnel says why.
      await expect(call(alice.port('revocable'), '/health', { agent })).rejects.toThrow();
      expect((await call(bob.port('revocable'), '/health')).status).toBe(200);
    } finally {
      agent.destroy();
      stack.proxy.built.setApps(stack.proxy.config.apps);
    }
  });

  it('keeps the dial-time SSRF guard for http apps published through the API (also for pooled connections)', async () => {
    const proxyPort = new URL(stack.proxy.url).port;
    const row = (id: string, upstream: string) => ({ id, definition: { id, upstream, users: [TEST_USER] }, deleted: false, updatedAt: Date.now(), updatedBy: 'test' });
    await stack.proxy.store.putCatalog('app', row('rebound', `http://localhost:${proxyPort}`));
    await stack.proxy.store.putCatalog('app', row('literal', `http://169.254.169.254`));
    await stack.proxy.store.putCatalog('app', row('api-ok', `http://localhost:${api.port}`));
    await stack.proxy.built.catalog.load();
    const listeners = await Promise.all(['rebound', 'literal', 'api-ok'].map((app) => listenApp(alice.client, app, { host: '127.0.0.1', port: 0 })));
    try {
      const [rebound, literal, fine] = listeners.map((l) => l.address.port) as [number, number, number];
      const before = api.requests.length;
      for (const port of [rebound, literal]) {
        const reply = await call(port, '/healthz');
        expect([reply.status, reply.json]).toMatchObject([502, {}]);
        expect(reply.json).toMatchObject({ code: 'ZG_ERR_HTTP_UPSTREAM', message: expect.stringContaining('restricted address') });
      }
      // localhost may resolve to ::1 first, where the sample API does not listen: then 502, never "restricted".
      const ok = await call(fine, '/health');
      if (ok.status === 200) expect(api.requests.length).toBe(before + 1);
      else expect(ok.json.message).not.toContain('restricted');
    } finally {
      await Promise.all(listeners.map((l) => l.close()));
      for (const id of ['rebound', 'literal', 'api-ok']) await stack.proxy.store.putCatalog('app', { id, definition: undefined, deleted: true, updatedAt: Date.now(), updatedBy: 'test' });
      await stack.proxy.built.catalog.load();
    }
  });

  it('counts requests in metrics and audits http.request sparingly', async () => {
    const before = (await audits('http.request')).filter((e) => e.app === 'orders' && e.user === BOB).length;
    for (let i = 0; i < 5; i++) await call(bob.port('orders'), '/health');
    const after = (await audits('http.request')).filter((e) => e.app === 'orders' && e.user === BOB).length;
    expect(after - before).toBe(before === 0 ? 1 : 0);
    const metrics = await stack.proxy.built.metrics.registry.getSingleMetricAsString('zerogate_http_requests_total');
    expect(metrics).toMatch(/zerogate_http_requests_total\{app="orders",status="2xx"\} \d+/);
  });
});

async function fetchJwks(stack: Stack): Promise<{ cacheControl: string; body: { keys: Record<string, unknown>[] } }> {
  const { requestJson } = await import('../helpers/http.ts');
  const reply = await requestJson(`${stack.proxy.url}${JWKS_PATH}`, { method: 'GET', tls: { ca: stack.proxy.pki.ca.certPem } });
  expect(reply.status).toBe(200);
  return { cacheControl: String(reply.headers['cache-control']), body: reply.json as { keys: Record<string, unknown>[] } };
}

/** Writes raw bytes to a local app port and returns everything the proxy answers before closing. */
async function rawExchange(port: number, text: string): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
  });
}
