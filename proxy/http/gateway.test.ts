import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditInput, AuditLog } from '../audit/index.ts';
import { defaultConfig, type AppConfig } from '../config/index.ts';
import { AssertionSigner } from './assertion.ts';
import { duplexPair } from './duplex-pair.ts';
import { HttpGateway } from './gateway.ts';
import type { HttpExchange, HttpInspector, HttpPrincipal, HttpResponseInfo } from './types.ts';

const principal: HttpPrincipal = { user: 'alice@example.com', groups: ['eng'], email: 'alice@example.com', deviceId: 'dev-1', posture: 'pass', via: 'tunnel', source: '10.9.8.7' };

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

/** One request over a fresh tunnel-like stream served by the gateway. */
function overStream(gateway: HttpGateway, app: AppConfig, path: string, options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string } = {}): Promise<Reply> {
  const [client, side] = duplexPair({ address: principal.source });
  gateway.serveStream(side, app, principal);
  return new Promise((resolve, reject) => {
    const req = request({ path, method: options.method ?? 'GET', headers: { host: 'app.local', ...options.headers }, createConnection: () => client as never }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        client.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('HttpGateway', () => {
  let upstream: Server;
  let app: AppConfig;
  let limitedApp: AppConfig;
  const received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const events: AuditInput[] = [];
  const audit = { record: (event: AuditInput) => (events.push(event), true), accepting: true } as unknown as AuditLog;
  let gateway: HttpGateway;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        if (req.url?.startsWith('/huge') === true) {
          // 4 KiB of JSON (over the app's 1 KiB maxBodyBytes), with a length or chunked.
          const huge = JSON.stringify({ items: Array.from({ length: 64 }, (_, i) => ({ id: i, passwordHash: `leak-${i}`.padEnd(40, '.') })) });
          res.writeHead(200, { 'content-type': 'application/json', ...(req.url === '/huge' ? { 'content-length': Buffer.byteLength(huge) } : {}) });
          if (req.url === '/huge') return void res.end(huge);
          for (let at = 0; at < huge.length; at += 500) res.write(huge.slice(at, at + 500));
          return void res.end();
        }
        const text = req.url === '/secret' ? JSON.stringify({ id: 1, passwordHash: 'x' }) : JSON.stringify({ ok: true, url: req.url });
        res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive', 'x-upstream': 'yes' });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    const port = (upstream.address() as AddressInfo).port;
    const config = defaultConfig({
      apps: [
        { id: 'orders', upstream: `http://127.0.0.1:${port}`, users: ['alice@example.com'], http: { maxBodyBytes: '1KiB' } },
        { id: 'tight', upstream: `http://127.0.0.1:${port}`, users: ['alice@example.com'], http: { rateLimit: { perIdentityPerMinute: 1 } } },
      ],
    });
    [app, limitedApp] = config.apps as [AppConfig, AppConfig];
    gateway = new HttpGateway({ publicUrl: 'https://proxy.test', audit, registry: new Registry(), signer: await AssertionSigner.ephemeral('https://proxy.test'), connectTimeoutMs: 2_000 });
  });
  afterAll(async () => {
    gateway.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('runs inspectors in order, stops at the first refusal (audited with its detail), and never forwards the refused request', async () => {
    const calls: string[] = [];
    const responses: HttpResponseInfo[] = [];
    const first: HttpInspector = { name: 'first', onRequest: (x) => void calls.push(`first ${x.method} ${x.path} ${x.query.get('q')}`) };
    const second: HttpInspector = {
      name: 'second',
      onRequest: (x) => {
        calls.push('second');
        return x.path === '/blocked' ? { status: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: 'no', detail: { rule: 'r1' } } : undefined;
      },
      onResponse: (_x, info) => void responses.push(info),
    };
    const third: HttpInspector = { name: 'third', onRequest: () => void calls.push('third') };
    const local = new HttpGateway({ publicUrl: 'https://proxy.test', audit, registry: new Registry(), signer: await AssertionSigner.ephemeral('https://proxy.test'), connectTimeoutMs: 2_000 });
    for (const inspector of [first, second, third]) local.addInspector(inspector);
    const before = received.length;
    const refused = await overStream(local, app, '/blocked?q=1');
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text)).toEqual({ statusCode: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', error: 'Bad Request', reasons: ['request-invalid'], message: 'no' });
    expect(calls).toEqual(['first GET /blocked 1', 'second']);
    expect(received.length).toBe(before);
    expect(events.at(-1)).toMatchObject({ type: 'http.deny', user: principal.user, device: 'dev-1', app: 'orders', source: principal.source, reasons: ['request-invalid'], detail: { by: 'second', rule: 'r1', status: 400 } });
    const ok = await overStream(local, app, '/fine');
    expect(ok.status).toBe(200);
    expect(calls.slice(2)).toEqual(['first GET /fine null', 'second', 'third']);
    // onResponse runs for every exchange, the refused one included.
    expect(responses.map((r) => r.status)).toEqual([400, 200]);
    local.close();
  });

  it('buffers a request body only when an inspector asks, refuses one over maxBodyBytes with 413, and forwards the buffered one', async () => {
    const bodies: (string | undefined)[] = [];
    const local = new HttpGateway({ publicUrl: 'https://proxy.test', audit, registry: new Registry(), signer: await AssertionSigner.ephemeral('https://proxy.test'), connectTimeoutMs: 2_000 });
    local.addInspector({ name: 'body', wantsRequestBody: (x) => x.method === 'POST', onRequest: (x) => void bodies.push(x.body?.toString()) });
    const small = await overStream(local, app, '/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a"}' });
    expect(small.status).toBe(200);
    expect(received.at(-1)).toMatchObject({ method: 'POST', body: '{"name":"a"}' });
    expect(bodies).toEqual(['{"name":"a"}']);
    const large = await overStream(local, app, '/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(2048) });
    expect(large.status).toBe(413);
    expect(JSON.parse(large.text)).toMatchObject({ code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'] });
    expect(bodies).toHaveLength(1);
    local.close();
  });

  it('lets a response inspector that buffered the answer replace it (enforce), and passes others through with hop-by-hop headers removed', async () => {
    const local = new HttpGateway({ publicUrl: 'https://proxy.test', audit, registry: new Registry(), signer: await AssertionSigner.ephemeral('https://proxy.test'), connectTimeoutMs: 2_000 });
    local.addInspector({
      name: 'exposure',
      wantsResponseBody: (x: HttpExchange) => x.path === '/secret',
      onResponse: (_x, info) =>
        info.body?.toString().includes('passwordHash') === true ? { status: 502, code: 'ZG_ERR_HTTP_BAD_RESPONSE', reasons: [], message: 'undeclared field', detail: { fields: ['passwordHash'] } } : undefined,
    });
    const replaced = await overStream(local, app, '/secret');
    expect(replaced.status).toBe(502);
    expect(replaced.text).not.toContain('passwordHash');
    expect(JSON.parse(replaced.text)).toMatchObject({ code: 'ZG_ERR_HTTP_BAD_RESPONSE' });
    const passed = await overStream(local, app, '/other');
    expect(passed.status).toBe(200);
    expect(passed.headers['x-upstream']).toBe('yes');
    expect(passed.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    local.close();
  });

  it('an answer too large to check is refused when an inspector says so (enforce), else streamed whole; with a length or chunked', async () => {
    for (const enforce of [true, false]) {
      const local = new HttpGateway({ publicUrl: 'https://proxy.test', audit, registry: new Registry(), signer: await AssertionSigner.ephemeral('https://proxy.test'), connectTimeoutMs: 2_000 });
      const seen: string[] = [];
      local.addInspector({
        name: 'exposure',
        wantsResponseBody: (x: HttpExchange) => x.path.startsWith('/huge'),
        onResponse: (_x, info) => void seen.push(`response ${info.body === undefined ? 'unbuffered' : 'buffered'} ${info.bytes}`),
        onResponseTooLarge: (x, status) => {
          seen.push(`too-large ${x.path} ${status}`);
          return enforce ? { status: 502, code: 'ZG_ERR_HTTP_BAD_RESPONSE', reasons: [], message: 'too large to check' } : undefined;
        },
      });
      for (const path of ['/huge', '/huge-chunked']) {
        const reply = await overStream(local, app, path);
        if (enforce) {
          expect([reply.status, JSON.parse(reply.text).code]).toEqual([502, 'ZG_ERR_HTTP_BAD_RESPONSE']);
          expect(reply.text).not.toContain('leak-');
          expect(events.at(-1)).toMatchObject({ type: 'http.deny', app: 'orders', detail: { by: 'exposure', status: 502 } });
        } else {
          expect(reply.status).toBe(200);
          expect((JSON.parse(reply.text) as { items: unknown[] }).items).toHaveLength(64);
        }
      }
      expect(seen.filter((s) => s.startsWith('too-large'))).toEqual(['too-large /huge 200', 'too-large /huge-chunked 200']);
      // Streamed answers reach onResponse at their end, without a body; refused ones as the refusal.
      expect(seen.filter((s) => s.startsWith('response')).map((s) => s.split(' ')[1])).toEqual(['unbuffered', 'unbuffered']);
      // The gateway still works after dropping the app's connection.
      expect((await overStream(local, app, '/other')).status).toBe(200);
      local.close();
    }
  });

  it('rate limits per identity with Retry-After', async () => {
    expect((await overStream(gateway, limitedApp, '/a')).status).toBe(200);
    const refused = await overStream(gateway, limitedApp, '/a');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
  });

  it('handle(): strips the path prefix, uses the pluggable refusal renderer, and forwards with the principal', async () => {
    const server = createServer((req, res) => {
      void gateway.handle(req, res, app, { ...principal, via: 'browser', deviceId: undefined as never }, {
        pathPrefix: '/a/orders',
        renderRefusal: (response, refusal) => {
          response.statusCode = refusal.status;
          response.setHeader('content-type', 'text/html');
          response.end(`<h1>${refusal.code}</h1>`);
        },
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const get = (path: string) =>
      new Promise<Reply>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        })
          .on('error', reject)
          .end();
      });
    const ok = await get('/a/orders/users/7?x=1');
    expect(ok.status).toBe(200);
    expect(received.at(-1)?.url).toBe('/users/7?x=1');
    expect(received.at(-1)?.headers['x-forwarded-proto']).toBe('https');
    const wrong = await get('/a/other/users');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toBe('<h1>ZG_ERR_HTTP_BAD_REQUEST</h1>');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('HttpGateway paths', () => {
  it('forwards the normalised path the inspectors saw, never the raw one', async () => {
    const seen: string[] = [];
    const upstream = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    const port = (upstream.address() as AddressInfo).port;
    const app = defaultConfig({ apps: [{ id: 'a', upstream: `http://127.0.0.1:${port}` }] }).apps[0] as AppConfig;
    const audit = { record: () => true, accepting: true } as unknown as AuditLog;
    const gateway = new HttpGateway({ publicUrl: 'https://proxy.test', audit, registry: new Registry(), signer: await AssertionSigner.ephemeral('https://proxy.test'), connectTimeoutMs: 2_000 });
    const judged: string[] = [];
    gateway.addInspector({ name: 'paths', onRequest: (x) => void judged.push(x.path) });
    for (const path of ['/public/../admin?x=1', '/public/%2e%2e/admin', '/a\\..\\admin', '//evil.example/x']) await overStream(gateway, app, path);
    expect(judged).toEqual(['/admin', '/admin', '/admin', '//evil.example/x']);
    expect(seen).toEqual(['/admin?x=1', '/admin', '/admin', '//evil.example/x']);
    gateway.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });
});
