/**
 * The HTTP gateway of HTTP-aware apps (issue 8, docs/http-apps.md). It terminates HTTP/1.1 from
 * tunnel streams (serveStream) and from the proxy's own server (handle: clientless browser
 * access), and for every request: strips spoofable identity headers, applies the per-identity
 * and per-app rate limits, runs the inspectors (OpenAPI validation, discovery, anomalies), adds
 * the forwarding headers and the signed identity assertion, and forwards the request to the
 * app's published upstream over a keep-alive pool, streaming both bodies unless an inspector
 * asked to see one.
 */
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { Registry } from 'prom-client';
import type { AuditLog } from '../audit/index.ts';
import type { AppConfig, HttpAppConfig } from '../config/index.ts';
import { checkLiteral, guardedLookup, RESTRICTED_UPSTREAM, type DialGuard } from '../tunnel/upstream.ts';
import { AssertionSigner } from './assertion.ts';
import { downstreamResponseHeaders, sanitizeRequestHeaders, upstreamRequestHeaders } from './headers.ts';
import { HttpMetrics } from './metrics.ts';
import { HttpRateLimiter } from './rate-limit.ts';
import { rawRefusal, renderJsonRefusal, type RefusalRenderer } from './refusal.ts';
import { readLimited } from './body.ts';
import { relayUpgrade } from './upgrade.ts';
import type { HttpExchange, HttpInspector, HttpPrincipal, HttpRefusal, HttpResponseInfo } from './types.ts';

/** Time to get a request's headers from a client (slow-loris). */
export const CLIENT_HEADERS_TIMEOUT_MS = 30_000;
/** Longest silence of an upstream (no connection, no byte) before the request fails with 502. */
export const UPSTREAM_IDLE_TIMEOUT_MS = 60_000;
/** Keep-alive connections per app kept open to its upstream (per proxy node). */
export const UPSTREAM_MAX_SOCKETS = 256;
/** One `http.request` audit event per identity, device and app per this interval (the rest are counted in metrics). */
export const HTTP_AUDIT_INTERVAL_MS = 10 * 60_000;
/** At most one audit event per identity and app per this interval for rate-limit refusals (a flood stays a few lines). */
export const RATE_LIMIT_AUDIT_INTERVAL_MS = 60_000;

/** What an app without an `http` block (never, after config resolution) is treated as. */
const FALLBACK_HTTP: HttpAppConfig = {
  assertion: true,
  rateLimit: { perIdentityPerMinute: 600, perAppPerMinute: 6000 },
  requestValidation: 'off',
  responseValidation: 'off',
  clientless: false,
  maxBodyBytes: 1024 * 1024,
};

export interface HttpGatewayOptions {
  /** The proxy's public URL: the assertion's issuer. */
  publicUrl: string;
  audit: AuditLog;
  /** The metrics registry the gateway's counters join. */
  registry: Registry;
  signer: AssertionSigner;
  /** Time to connect to an upstream (config `limits.upstreamConnectTimeout`). */
  connectTimeoutMs: number;
  /** The SSRF guard of an app's upstream at dial time (API-published apps), as for tunnel streams. */
  upstreamGuard?: (app: AppConfig) => DialGuard | undefined;
  now?: () => number;
}

export interface HandleOptions {
  /** The part of the URL before the app's own paths (clientless access: `/a/<app id>`). */
  pathPrefix?: string;
  /** How refusals are written (default: JSON); clientless access renders HTML pages. */
  renderRefusal?: RefusalRenderer;
  /** What the client spoke to reach the proxy (default https: the proxy's own port). */
  proto?: 'http' | 'https';
}

interface Connection {
  app: AppConfig;
  principal: HttpPrincipal;
}

interface Context {
  app: AppConfig;
  principal: HttpPrincipal;
  prefix: string;
  render: RefusalRenderer;
  proto: 'http' | 'https';
}

interface Pool {
  key: string;
  agent: HttpAgent;
}

export class HttpGateway {
  readonly metrics: HttpMetrics;
  readonly #options: HttpGatewayOptions;
  readonly #inspectors: HttpInspector[] = [];
  readonly #server: Server;
  readonly #connections = new WeakMap<object, Connection>();
  readonly #targets = new WeakMap<HttpExchange, string>();
  readonly #pools = new Map<string, Pool>();
  readonly #limiter = new HttpRateLimiter();
  /** Last `http.request` audit per identity/device/app, and the requests since. */
  readonly #audited = new Map<string, { at: number; requests: number }>();
  readonly #rateAudited = new Map<string, number>();
  readonly #now: () => number;
  #extraCa: string[] = [];

  constructor(options: HttpGatewayOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.metrics = new HttpMetrics(options.registry);
    // A server that never listens: tunnel streams are handed to it as connections.
    this.#server = createServer({ requestTimeout: 0, headersTimeout: CLIENT_HEADERS_TIMEOUT_MS, keepAliveTimeout: 0 });
    this.#server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const connection = this.#connections.get(req.socket);
      if (connection === undefined) return void req.socket.destroy();
      void this.#exchange(req, res, { ...connection, prefix: '', render: renderJsonRefusal, proto: 'http' });
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const connection = this.#connections.get(req.socket);
      if (connection === undefined) return void socket.destroy();
      void this.#upgrade(req, socket, head, { ...connection, prefix: '', render: renderJsonRefusal, proto: 'http' });
    });
    this.#server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const refusal: HttpRefusal = tooLarge
        ? { status: 431, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: 'the request headers are too large' }
        : { status: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: 'this app speaks HTTP/1.1 through the proxy: the request could not be parsed' };
      const connection = this.#connections.get(socket);
      if (connection !== undefined) this.metrics.refusals.inc({ app: connection.app.id, code: refusal.code });
      socket.end(rawRefusal(refusal));
    });
  }

  /** Adds an inspector; inspectors run in the order they were added, on every exchange. */
  addInspector(inspector: HttpInspector): void {
    this.#inspectors.push(inspector);
  }

  get inspectors(): readonly HttpInspector[] {
    return this.#inspectors;
  }

  /** The public keys apps verify assertions with (served at /.well-known/zerogate/jwks.json). */
  jwks(): ReturnType<AssertionSigner['jwks']> {
    return this.#options.signer.jwks();
  }

  /**
   * Extra CAs trusted for https upstreams, besides the system's (an internal CA). Pools are
   * rebuilt on their next use.
   */
  trustUpstreamCa(pems: readonly string[]): void {
    this.#extraCa = [...pems];
    for (const pool of this.#pools.values()) pool.agent.destroy();
    this.#pools.clear();
  }

  /**
   * Serves one tunnel stream: `side` carries HTTP/1.1 (keep-alive: any number of requests) from
   * `principal` to `app`. Destroying `side` ends everything in flight.
   */
  serveStream(side: Duplex, app: AppConfig, principal: HttpPrincipal): void {
    this.#connections.set(side, { app, principal });
    this.#server.emit('connection', side);
  }

  /** One request that arrived on the proxy's own server (clientless access). */
  handle(req: IncomingMessage, res: ServerResponse, app: AppConfig, principal: HttpPrincipal, options: HandleOptions = {}): Promise<void> {
    return this.#exchange(req, res, { app, principal, prefix: options.pathPrefix ?? '', render: options.renderRefusal ?? renderJsonRefusal, proto: options.proto ?? 'https' });
  }

  /** An Upgrade request (WebSocket) that arrived on the proxy's own server (clientless access). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, app: AppConfig, principal: HttpPrincipal, options: HandleOptions = {}): Promise<void> {
    return this.#upgrade(req, socket, head, { app, principal, prefix: options.pathPrefix ?? '', render: options.renderRefusal ?? renderJsonRefusal, proto: options.proto ?? 'https' });
  }

  /** Closes the upstream pools. */
  close(): void {
    for (const pool of this.#pools.values()) pool.agent.destroy();
    this.#pools.clear();
    this.#server.close();
  }

  // --- one request ---

  async #exchange(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
    const exchange = this.#exchangeOf(req, ctx);
    if (typeof exchange === 'string') {
      res.shouldKeepAlive = false;
      return this.#refuse(res, undefined, ctx, { status: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: exchange }, 'gateway');
    }
    res.on('close', () => {
      if (!res.writableFinished) req.destroy();
    });
    const http = ctx.app.http ?? FALLBACK_HTTP;
    const before = await this.#checkRequest(req, exchange, http);
    if (before !== undefined) {
      req.resume(); // drain what the client still sends, so keep-alive survives the refusal
      return this.#refuse(res, exchange, ctx, before.refusal, before.by);
    }
    await this.#forward(req, res, exchange, ctx, http);
  }

  /** The exchange of a request, or why the request cannot be one. */
  #exchangeOf(req: IncomingMessage, ctx: Context): HttpExchange | string {
    const raw = req.url ?? '';
    // Origin-form only ("GET /path"): an absolute URL would ask the proxy to go elsewhere.
    if (!raw.startsWith('/')) return 'the request target must be a path (origin-form), not an absolute URL';
    if (ctx.prefix !== '' && raw !== ctx.prefix && !raw.startsWith(`${ctx.prefix}/`) && !raw.startsWith(`${ctx.prefix}?`)) return 'the request is not for this app';
    const target = raw.slice(ctx.prefix.length) || '/';
    let url: URL;
    try {
      // Concatenated, not resolved against a base: `//host/x` stays a path, not another host.
      url = new URL(`http://app${target.startsWith('/') ? target : `/${target}`}`);
    } catch {
      return 'the request target is not a valid path';
    }
    // The app receives the path the inspectors judged: normalised (dot segments resolved,
    // backslashes as slashes), never the raw one, so `/public/../admin` cannot pass as `/public`.
    const exchange: HttpExchange = {
      id: randomUUID(),
      app: ctx.app,
      principal: ctx.principal,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: sanitizeRequestHeaders(req.headers),
      startedAt: this.#now(),
    };
    this.#targets.set(exchange, `${url.pathname}${url.search}`);
    return exchange;
  }

  /** The request target sent to the app: the normalised path and the query. */
  #targetOf(exchange: HttpExchange): string {
    return this.#targets.get(exchange) ?? exchange.path;
  }

  /** Rate limits, the body an inspector needs, and the inspectors: a refusal, or nothing. */
  async #checkRequest(req: IncomingMessage, exchange: HttpExchange, http: HttpAppConfig): Promise<{ refusal: HttpRefusal; by: string } | undefined> {
    const taken = this.#limiter.take(exchange.app.id, exchange.principal.user, http.rateLimit, this.#now());
    if (!taken.ok) {
      const message =
        taken.scope === 'identity'
          ? `too many requests to ${exchange.app.id} from you (${http.rateLimit.perIdentityPerMinute} per minute): retry in ${taken.retryAfterS} s`
          : `too many requests to ${exchange.app.id} (${http.rateLimit.perAppPerMinute} per minute for everyone): retry in ${taken.retryAfterS} s`;
      return { by: 'rate-limit', refusal: { status: 429, code: 'ZG_ERR_RATE_LIMITED', reasons: ['rate-limited'], message, retryAfter: taken.retryAfterS, detail: { scope: taken.scope } } };
    }
    if (this.#inspectors.some((i) => i.wantsRequestBody?.(exchange) === true)) {
      const read = await readLimited(req, http.maxBodyBytes);
      if (read.kind === 'aborted') return { by: 'gateway', refusal: { status: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: 'the request body was cut short' } };
      if (read.kind === 'too-large') {
        return {
          by: 'gateway',
          refusal: { status: 413, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: `the request body is larger than ${http.maxBodyBytes} bytes, the most this app's validation reads`, detail: { maxBodyBytes: http.maxBodyBytes } },
        };
      }
      exchange.body = read.body;
    }
    for (const inspector of this.#inspectors) {
      try {
        const refusal = await inspector.onRequest?.(exchange);
        if (refusal !== undefined) return { refusal, by: inspector.name };
      } catch {
        // Fail closed: a request an inspector could not judge is not forwarded.
        return { by: inspector.name, refusal: { status: 500, code: 'ZG_ERR_INTERNAL', reasons: [], message: 'the proxy could not check this request' } };
      }
    }
    return undefined;
  }

  /** Answers with a refusal, audits it (rate limits sparingly) and tells the inspectors. */
  #refuse(res: ServerResponse, exchange: HttpExchange | undefined, ctx: Context, refusal: HttpRefusal, by: string): void {
    this.metrics.refusals.inc({ app: ctx.app.id, code: refusal.code });
    if (exchange !== undefined) this.#auditDeny(exchange, refusal, by);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // The client may still be sending a body nobody will read: end the connection after this answer.
    if (refusal.status === 413) res.shouldKeepAlive = false;
    ctx.render(res, refusal, exchange);
    if (exchange !== undefined) this.#finished(exchange, { status: refusal.status, headers: {}, bytes: 0, durationMs: this.#now() - exchange.startedAt }, false);
  }

  #auditDeny(exchange: HttpExchange, refusal: HttpRefusal, by: string): void {
    const { principal } = exchange;
    if (refusal.code === 'ZG_ERR_RATE_LIMITED') {
      const key = `${exchange.app.id}\u0000${principal.user}`;
      const last = this.#rateAudited.get(key);
      const now = this.#now();
      if (last !== undefined && now - last < RATE_LIMIT_AUDIT_INTERVAL_MS) return;
      this.#rateAudited.set(key, now);
      if (this.#rateAudited.size > 10_000) for (const [k, at] of this.#rateAudited) if (now - at >= RATE_LIMIT_AUDIT_INTERVAL_MS) this.#rateAudited.delete(k);
    }
    this.#options.audit.record({
      type: 'http.deny',
      user: principal.user,
      ...(principal.deviceId === undefined ? {} : { device: principal.deviceId }),
      app: exchange.app.id,
      source: principal.source,
      decision: 'deny',
      reasons: refusal.reasons,
      detail: { requestId: exchange.id, method: exchange.method, path: exchange.path, status: refusal.status, code: refusal.code, by, via: principal.via, ...(refusal.detail ?? {}) },
    });
  }

  /** Every exchange ends here: inspectors' onResponse (their verdict is ignored: the answer is gone), metrics, sparse audit. */
  #finished(exchange: HttpExchange, info: HttpResponseInfo, forwarded = true): void {
    for (const inspector of this.#inspectors) {
      try {
        inspector.onResponse?.(exchange, info);
      } catch {
        // An inspector's bookkeeping failing must not hurt the answer, which is already sent.
      }
    }
    this.#account(exchange, info, forwarded);
  }

  /** Metrics for every exchange; for forwarded ones, an `http.request` audit event now and then (refusals have their `http.deny`). */
  #account(exchange: HttpExchange, info: HttpResponseInfo, forwarded = true): void {
    const app = exchange.app.id;
    this.metrics.requests.inc({ app, status: this.metrics.statusClass(info.status) });
    this.metrics.duration.observe({ app }, info.durationMs / 1000);
    this.metrics.bytes.inc({ app, direction: 'from-app' }, info.bytes);
    if (!forwarded) return;
    const { principal } = exchange;
    const key = `${app}\u0000${principal.user}\u0000${principal.deviceId ?? ''}`;
    const now = this.#now();
    const seen = this.#audited.get(key);
    if (seen !== undefined && now - seen.at < HTTP_AUDIT_INTERVAL_MS) {
      seen.requests++;
      return;
    }
    this.#audited.set(key, { at: now, requests: 0 });
    if (this.#audited.size > 10_000) for (const [k, v] of this.#audited) if (now - v.at >= HTTP_AUDIT_INTERVAL_MS) this.#audited.delete(k);
    this.#options.audit.record({
      type: 'http.request',
      user: principal.user,
      ...(principal.deviceId === undefined ? {} : { device: principal.deviceId }),
      app,
      source: principal.source,
      decision: 'allow',
      detail: { requestId: exchange.id, method: exchange.method, path: exchange.path, status: info.status, via: principal.via, posture: principal.posture, requestsSincePrevious: seen?.requests ?? 0 },
    });
  }

  // --- forwarding ---

  /** The request options to the app's upstream (pool, guard, TLS), or a refusal when the guard forbids the address. */
  #target(app: AppConfig): { options: RequestOptions; https: boolean; lookup: RequestOptions['lookup'] } | HttpRefusal {
    const guard = this.#options.upstreamGuard?.(app);
    if (guard !== undefined && checkLiteral(guard, app.upstream) !== undefined) return restricted(app.id);
    const https = app.upstream.protocol === 'https';
    const key = `${app.upstream.url}|${guard === undefined ? 'open' : 'guarded'}`;
    let pool = this.#pools.get(app.id);
    if (pool === undefined || pool.key !== key) {
      pool?.agent.destroy();
      const common = { keepAlive: true, maxSockets: UPSTREAM_MAX_SOCKETS, timeout: UPSTREAM_IDLE_TIMEOUT_MS, ...(guard === undefined ? {} : { lookup: guardedLookup(guard, app.upstream.port) }) };
      const agent = https ? new HttpsAgent({ ...common, ...(this.#extraCa.length === 0 ? {} : { ca: [...rootCertificates, ...this.#extraCa] }) }) : new HttpAgent(common);
      pool = { key, agent };
      this.#pools.set(app.id, pool);
    }
    const lookup = guard === undefined ? undefined : guardedLookup(guard, app.upstream.port);
    const servername = https && !isIpLiteral(app.upstream.host) ? { servername: app.upstream.host } : {};
    return { https, lookup, options: { host: app.upstream.host, port: app.upstream.port, agent: pool.agent, ...servername } };
  }

  async #upstreamHeaders(req: IncomingMessage, exchange: HttpExchange, ctx: Context, http: HttpAppConfig) {
    const assertion = http.assertion ? await this.#options.signer.sign({ app: ctx.app.id, principal: ctx.principal, requestId: exchange.id }, this.#now()) : undefined;
    const { upstream } = ctx.app;
    const defaultPort = upstream.protocol === 'https' ? 443 : 80;
    const authority = `${upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host}${upstream.port === defaultPort ? '' : `:${upstream.port}`}`;
    const host = typeof req.headers.host === 'string' ? req.headers.host : undefined;
    return upstreamRequestHeaders(exchange.headers, { requestId: exchange.id, source: ctx.principal.source, proto: ctx.proto, host, upstreamHost: authority, assertion });
  }

  async #forward(req: IncomingMessage, res: ServerResponse, exchange: HttpExchange, ctx: Context, http: HttpAppConfig): Promise<void> {
    const target = this.#target(ctx.app);
    if (!('options' in target)) return this.#refuse(res, exchange, ctx, target, 'gateway');
    const headers = await this.#upstreamHeaders(req, exchange, ctx, http);
    if (exchange.body !== undefined) headers['content-length'] = exchange.body.length;
    const path = this.#targetOf(exchange);
    const send = target.https ? httpsRequest : httpRequest;
    const upstream = send({ ...target.options, method: exchange.method, path, headers });
    this.#watchUpstream(upstream, ctx.app.id);
    let answered = false;
    upstream.on('response', (upRes) => {
      answered = true;
      void this.#respond(res, upRes, exchange, ctx, http);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return void res.destroy();
      this.metrics.upstreamErrors.inc({ app: ctx.app.id });
      this.#refuse(res, exchange, ctx, upstreamFailure(ctx.app.id, error), 'upstream');
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (exchange.body !== undefined) {
      this.metrics.bytes.inc({ app: ctx.app.id, direction: 'to-app' }, exchange.body.length);
      upstream.end(exchange.body);
      return;
    }
    req.on('data', (chunk: Buffer) => this.metrics.bytes.inc({ app: ctx.app.id, direction: 'to-app' }, chunk.length));
    req.pipe(upstream);
  }

  /** A connect deadline (the pool's socket timeout covers silence after that). */
  #watchUpstream(upstream: ClientRequest, appId: string): void {
    upstream.setTimeout(UPSTREAM_IDLE_TIMEOUT_MS, () => upstream.destroy(Object.assign(new Error(`app ${appId} timed out`), { code: 'ETIMEDOUT' })));
    upstream.on('socket', (socket) => {
      if (!(socket as { connecting?: boolean }).connecting) return;
      const timer = setTimeout(() => upstream.destroy(Object.assign(new Error(`app ${appId} did not accept the connection in time`), { code: 'ETIMEDOUT' })), this.#options.connectTimeoutMs);
      timer.unref();
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
  }

  /** The app's answer: buffered for inspectors that asked (and may replace it), else streamed. */
  async #respond(res: ServerResponse, upRes: IncomingMessage, exchange: HttpExchange, ctx: Context, http: HttpAppConfig): Promise<void> {
    const status = upRes.statusCode ?? 502;
    const wanted = this.#inspectors.some((i) => i.wantsResponseBody?.(exchange, status, upRes.headers) === true);
    const declared = Number(upRes.headers['content-length'] ?? Number.NaN);
    if (!wanted) return this.#stream(res, upRes, exchange, ctx, []);
    if (declared > http.maxBodyBytes) return this.#tooLarge(res, upRes, exchange, ctx, []);
    const read = await readLimited(upRes, http.maxBodyBytes);
    if (read.kind === 'aborted') {
      this.metrics.upstreamErrors.inc({ app: ctx.app.id });
      return this.#refuse(res, exchange, ctx, upstreamFailure(ctx.app.id, Object.assign(new Error('reset'), { code: 'ECONNRESET' })), 'upstream');
    }
    if (read.kind === 'ok') return this.#answerBuffered(res, upRes, read.body, exchange, ctx);
    return this.#tooLarge(res, upRes, exchange, ctx, read.chunks);
  }

  /**
   * An answer too large to check (over `maxBodyBytes`): an inspector in enforce mode refuses it
   * (the app's connection is dropped, nothing of the answer is sent); else it streams unchecked.
   */
  #tooLarge(res: ServerResponse, upRes: IncomingMessage, exchange: HttpExchange, ctx: Context, already: Buffer[]): void {
    const status = upRes.statusCode ?? 502;
    const refusal = this.#firstResponseRefusal((inspector) => inspector.onResponseTooLarge?.(exchange, status, upRes.headers));
    if (refusal === undefined) return this.#stream(res, upRes, exchange, ctx, already);
    upRes.destroy();
    this.metrics.refusals.inc({ app: ctx.app.id, code: refusal.refusal.code });
    this.#auditDeny(exchange, refusal.refusal, refusal.by);
    ctx.render(res, refusal.refusal, exchange);
    this.#finished(exchange, { status: refusal.refusal.status, headers: {}, bytes: 0, durationMs: this.#now() - exchange.startedAt }, false);
  }

  /**
   * Asks every inspector about an answer (each one sees it, for its bookkeeping) and keeps the
   * first refusal; an inspector that throws refuses it (fail closed).
   */
  #firstResponseRefusal(ask: (inspector: HttpInspector) => HttpRefusal | undefined): { refusal: HttpRefusal; by: string } | undefined {
    let refusal: { refusal: HttpRefusal; by: string } | undefined;
    for (const inspector of this.#inspectors) {
      try {
        const verdict = ask(inspector);
        if (verdict !== undefined && refusal === undefined) refusal = { refusal: verdict, by: inspector.name };
      } catch {
        refusal ??= { by: inspector.name, refusal: { status: 502, code: 'ZG_ERR_HTTP_BAD_RESPONSE', reasons: [], message: "the proxy could not check the app's answer" } };
      }
    }
    return refusal;
  }

  #answerBuffered(res: ServerResponse, upRes: IncomingMessage, body: Buffer, exchange: HttpExchange, ctx: Context): void {
    const status = upRes.statusCode ?? 502;
    const info: HttpResponseInfo = { status, headers: upRes.headers, body, bytes: body.length, durationMs: this.#now() - exchange.startedAt };
    const refusal = this.#firstResponseRefusal((inspector) => inspector.onResponse?.(exchange, info));
    if (refusal !== undefined) {
      this.metrics.refusals.inc({ app: ctx.app.id, code: refusal.refusal.code });
      this.#auditDeny(exchange, refusal.refusal, refusal.by);
      ctx.render(res, refusal.refusal, exchange);
      this.#account(exchange, { ...info, status: refusal.refusal.status, bytes: 0 }, false);
      return;
    }
    const headers = downstreamResponseHeaders(upRes.headers);
    headers['content-length'] = body.length;
    res.writeHead(status, { ...headers, 'x-request-id': exchange.id });
    res.end(body);
    this.#account(exchange, info);
  }

  #stream(res: ServerResponse, upRes: IncomingMessage, exchange: HttpExchange, ctx: Context, already: Buffer[]): void {
    const status = upRes.statusCode ?? 502;
    res.writeHead(status, { ...downstreamResponseHeaders(upRes.headers), 'x-request-id': exchange.id });
    let bytes = 0;
    for (const chunk of already) {
      bytes += chunk.length;
      res.write(chunk);
    }
    upRes.on('data', (chunk: Buffer) => (bytes += chunk.length));
    upRes.on('aborted', () => res.destroy());
    upRes.on('error', () => res.destroy());
    res.on('finish', () => this.#finished(exchange, { status, headers: upRes.headers, bytes, durationMs: this.#now() - exchange.startedAt }));
    upRes.pipe(res);
  }

  // --- upgrades (WebSocket) ---

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: Context): Promise<void> {
    socket.on('error', () => socket.destroy());
    const exchange = this.#exchangeOf(req, ctx);
    const refuse = (refusal: HttpRefusal, by: string): void => {
      this.metrics.refusals.inc({ app: ctx.app.id, code: refusal.code });
      if (typeof exchange !== 'string') this.#auditDeny(exchange, refusal, by);
      socket.end(rawRefusal(refusal, typeof exchange === 'string' ? undefined : exchange.id));
    };
    if (typeof exchange === 'string') return refuse({ status: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: exchange }, 'gateway');
    // Only WebSocket: after an upgrade the gateway sees no more requests, so an h2c upgrade
    // would carry any number of unchecked ones.
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return refuse({ status: 400, code: 'ZG_ERR_HTTP_BAD_REQUEST', reasons: ['request-invalid'], message: 'only WebSocket upgrades are forwarded to HTTP apps' }, 'gateway');
    }
    const http = ctx.app.http ?? FALLBACK_HTTP;
    const before = await this.#checkRequest(req, exchange, http);
    if (before !== undefined) return refuse(before.refusal, before.by);
    const target = this.#target(ctx.app);
    if (!('options' in target)) return refuse(target, 'gateway');
    const headers = await this.#upstreamHeaders(req, exchange, ctx, http);
    headers.connection = 'upgrade';
    headers.upgrade = req.headers.upgrade;
    const path = this.#targetOf(exchange);
    relayUpgrade({
      send: target.https ? httpsRequest : httpRequest,
      // An upgraded connection leaves the pool: a fresh one (guarded lookup kept).
      options: { ...target.options, agent: false, ...(target.lookup === undefined ? {} : { lookup: target.lookup }), ...(this.#extraCa.length === 0 ? {} : { ca: [...rootCertificates, ...this.#extraCa] }), method: 'GET', path, headers },
      client: socket,
      head,
      timeoutMs: this.#options.connectTimeoutMs,
      onRefused: (error) => {
        this.metrics.upstreamErrors.inc({ app: ctx.app.id });
        refuse(upstreamFailure(ctx.app.id, error), 'upstream');
      },
      onDone: (status, bytes) => this.#finished(exchange, { status, headers: {}, bytes, durationMs: this.#now() - exchange.startedAt }),
    });
  }
}

function restricted(appId: string): HttpRefusal {
  return {
    status: 502,
    code: 'ZG_ERR_HTTP_UPSTREAM',
    reasons: [],
    message: `app ${appId} is unreachable: its upstream resolves to a restricted address (the proxy itself, link-local or cloud metadata), which the proxy refuses for apps published through the API`,
  };
}

/** Why the app did not answer, naming the app and never its internal address. */
function upstreamFailure(appId: string, error: NodeJS.ErrnoException): HttpRefusal {
  if (error.code === RESTRICTED_UPSTREAM) return restricted(appId);
  const why =
    error.code === 'ECONNREFUSED'
      ? 'refused the connection'
      : error.code === 'ETIMEDOUT'
        ? 'did not answer in time'
        : error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
          ? 'is unreachable (its upstream name does not resolve)'
          : error.code?.startsWith('ERR_TLS') === true || /certificate|self.signed|altname/i.test(error.message)
            ? 'failed the TLS check of its certificate'
            : error.code === 'ECONNRESET' || error.code === 'EPIPE'
              ? 'closed the connection without answering'
              : 'is unreachable';
  return { status: 502, code: 'ZG_ERR_HTTP_UPSTREAM', reasons: [], message: `app ${appId} ${why}`, detail: { error: error.code ?? 'unknown' } };
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
