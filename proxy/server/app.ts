import { readFileSync } from 'node:fs';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ERROR_CODES, isZerogateError, ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import type { AppConfig, PolicyConfig, ProxyConfig } from '../config/index.ts';
import { ProxyMetrics } from '../metrics/index.ts';
import { verifyApiToken } from '../api/tokens.ts';
import { parsePostureReport } from '../../shared/posture/validate.ts';
import { isReason, REASONS } from '../../shared/reasons.ts';
import { decideAccess, type PostureState } from '../tunnel/access.ts';
import { enrollWithIdToken, enrollWithToken } from '../devices/index.ts';
import type { Identity } from '../identity/setup.ts';
import { sessionRoutes } from './session-routes.ts';
import { identityLimiters } from './identity-rate.ts';
import { serverHeadersPlugin } from '../console/headers.ts';
import { apiPlugin } from '../api/index.ts';
import { CatalogService, type Catalog } from '../api/catalog.ts';
import { checkAddress, checkHostName, publicEndpoint, type GuardContext } from '../api/upstream-guard.ts';
import { consolePlugin } from '../console/index.ts';
import { createConsoleAuth } from '../console/auth.ts';
import type { LoadedPki } from '../pki/index.ts';
import type { Store } from '../store/index.ts';
import { deviceGuard, sessionGuard, tunnelPlugin } from '../tunnel/endpoint.ts';
import { SessionRegistry } from '../tunnel/registry.ts';
import { wireLimitsOf } from '../tunnel/session.ts';
import { TLS_OPTIONS } from './tls.ts';
import { followCluster, storeUnreachable } from './cluster.ts';
import { join } from 'node:path';
import { HttpGateway } from '../http/gateway.ts';
import { ASSERTION_KEY_FILE, AssertionSigner, JWKS_PATH } from '../http/assertion.ts';
import { apiSecurity } from '../http/anomaly/index.ts';
import { clientlessPlugin } from '../http/clientless.ts';
import { appsOriginHook } from '../http/clientless-origin.ts';

/** Enrolment attempts per source address per minute (each signs a certificate). */
export const ENROLL_RATE_PER_MINUTE = 20;
/**
 * Refused tunnel upgrades per source address per minute: a client hammering the endpoint (and
 * the audit trail with refusals) is cut off with 429. Accepted upgrades do not count, so any
 * number of agents behind one NAT can reconnect at once after a node fails over.
 */
export const TUNNEL_RATE_PER_MINUTE = 600;
/** Accepted tunnel upgrades per device per minute (agents reconnect with backoff; a loop is cut off). */
export const TUNNEL_UPGRADES_PER_DEVICE_PER_MINUTE = 60;

/** Metrics scrapes per source address per minute (Prometheus scrapes every 15-60 s). */
export const METRICS_RATE_PER_MINUTE = 120;

/** Request body limit for every JSON route (enrolment bodies are a few KiB). */
export const BODY_LIMIT = 64 * 1024;
export const VERSION = '0.1.0';

export interface AppDeps {
  config: ProxyConfig;
  store: Store;
  pki: LoadedPki;
  audit: AuditLog;
  identity: Identity;
}

export interface BuiltApp {
  app: FastifyInstance;
  sessions: SessionRegistry;
  metrics: ProxyMetrics;
  /**
   * Replace the effective apps and/or policies as they are: new streams are decided on them, and
   * live streams are re-evaluated at once (DESIGN.md §3). The catalogue calls it after every
   * API change; a config reload goes through {@link BuiltApp.reloadConfig} instead.
   */
  setApps(apps: AppConfig[], policies?: Record<string, PolicyConfig>): void;
  /** The effective catalogue: the config's apps and policies overlaid by API changes. */
  catalog: CatalogService;
  /** A config reload (SIGHUP): the new config's apps and policies, under the store's API changes. */
  reloadConfig(apps: AppConfig[], policies: Record<string, PolicyConfig>): Promise<Catalog>;
  /**
   * The HTTP gateway of http(s) apps (docs/http-apps.md): tunnel streams to them go through it;
   * inspectors join with `addInspector`, clientless routes call `handle`.
   */
  httpGateway: HttpGateway;
}

/** How long apps may cache the assertion JWKS (a rotated key is fetched again on an unknown kid). */
export const JWKS_MAX_AGE_S = 300;

const CSR_MAX = 16 * 1024;

/** Routes that grant new access: refused while the audit trail cannot be stored. */
const AUDIT_GATED_ROUTES: ReadonlySet<string> = new Set(['/v1/enroll', '/v1/session', '/v1/session/renew', '/v1/tunnel']);

/**
 * Builds the proxy's one HTTPS server: health, discovery, enrolment and the tunnel. Separate
 * from `listen()` so tests can `inject()` without a port.
 */
export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const { config, store, pki, audit, identity } = deps;
  const tls = config.server.tls === undefined ? { cert: pki.server.certPem, key: pki.server.keyPem } : loadAdminTls(config);
  const app = Fastify({
    https: {
      ...TLS_OPTIONS,
      ...tls,
      ca: [pki.ca.certPem],
      // Client certificates are requested everywhere but required only where a route says so.
      requestCert: true,
      rejectUnauthorized: false,
    },
    bodyLimit: BODY_LIMIT,
    logger: false,
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
  });

  let apps = new Map(config.apps.map((a) => [a.id, a]));
  let policies: Record<string, PolicyConfig> = config.policies;
  const sessions = new SessionRegistry();
  const setApps = (next: AppConfig[], nextPolicies?: Record<string, PolicyConfig>): void => {
    apps = new Map(next.map((a) => [a.id, a]));
    if (nextPolicies !== undefined) policies = nextPolicies;
    for (const session of sessions.all()) session.reevaluate('policy-change');
  };
  // Config is the source at start; API changes persist in the store and overlay it (DESIGN.md §3).
  const catalog = new CatalogService({
    store,
    base: { apps: config.apps, policies: config.policies, clientlessAllowed: config.server.appsUrl !== undefined },
    apply: setApps,
    warn: (line) => process.stderr.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: line })}\n`),
  });
  await catalog.load();
  // Another node's (or the CLI's) catalogue change reaches this node through the store's change feed.
  const follower = followCluster({ store, catalog });
  app.addHook('onClose', async () => follower.stop());
  const upstreamGuard: GuardContext = { listenPort: config.server.listen.port, ...publicEndpoint(config.server.publicUrl) };
  const metrics = new ProxyMetrics({ processMetrics: true });
  const upstreamGuardOf = (app: AppConfig) =>
    catalog.isGuarded(app)
      ? ({ host, address, port }: { host: string; address: string; port: number }) => {
          const byName = checkHostName(host, port, upstreamGuard);
          const verdict = byName.restricted ? byName : checkAddress(address, port, upstreamGuard);
          return verdict.restricted ? verdict.why : undefined;
        }
      : undefined;
  const httpGateway = new HttpGateway({
    publicUrl: config.server.publicUrl,
    audit,
    registry: metrics.registry,
    signer: await AssertionSigner.open(join(config.dataDir, ASSERTION_KEY_FILE), config.server.publicUrl),
    connectTimeoutMs: config.limits.upstreamConnectTimeoutMs,
    upstreamGuard: upstreamGuardOf,
  });
  app.addHook('onClose', async () => httpGateway.close());
  // API security on every HTTP exchange (issue 8): anomaly blocks, OpenAPI validation, then the
  // endpoint inventory, in that order.
  const security = apiSecurity({ audit, settings: () => config.anomalies });
  for (const inspector of security.inspectors) httpGateway.addInspector(inspector);
  app.addHook('onClose', async () => security.close());
  const sessionDeps = {
    store,
    audit,
    limits: config.limits,
    wireLimits: wireLimitsOf(config.limits),
    apps: () => apps,
    takeOpen: (deviceId: string) => sessions.takeOpen(deviceId, config.limits.maxOpensPerSecond),
    sessions: identity.sessions,
    policies: () => policies,
    metrics,
    // Apps published through the API (without the override) are checked again at every dial:
    // their name may resolve to a restricted address later (DNS rebinding).
    upstreamGuard: upstreamGuardOf,
    httpGateway,
  };

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (isZerogateError(error)) {
      // Per-identity limits (identity-rate.ts) say how long to wait; per-source ones set it themselves.
      const retryAfter = error.detail?.retryAfterSeconds;
      if (error.statusCode === 429 && typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
      return reply.code(error.statusCode).send({
        statusCode: error.statusCode,
        code: error.code,
        error: httpError(error.statusCode),
        reasons: error.reasons,
        message: error.message,
      });
    }
    if (error.validation !== undefined) {
      return reply.code(400).send({ statusCode: 400, code: 'ZG_ERR_BAD_REQUEST', error: 'Bad Request', message: error.message });
    }
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    // A store error that escaped as a plain one (a driver's): while the store is down, say so (fail closed, 503).
    if (status === 500 && (await storeUnreachable(store))) {
      return reply.code(503).send({ statusCode: 503, code: 'ZG_ERR_STORE_UNAVAILABLE', error: 'Service Unavailable', message: ERROR_CODES.ZG_ERR_STORE_UNAVAILABLE.meaning });
    }
    if (status === 500) {
      // Operators need to see these; the message is ours or a library's, never request content.
      process.stderr.write(`${JSON.stringify({ level: 'error', time: new Date().toISOString(), msg: 'internal error', route: request.routeOptions.url, error: error.message })}\n`);
    }
    return reply.code(status).send({
      statusCode: status,
      code: status === 500 ? 'ZG_ERR_INTERNAL' : 'ZG_ERR_BAD_REQUEST',
      error: httpError(status),
      message: status === 500 ? 'internal error' : error.message,
    });
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ statusCode: 404, code: 'ZG_ERR_NOT_FOUND', error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ZerogateError('ZG_ERR_RATE_LIMITED', `too many requests: retry in ${context.after}`, { reasons: ['rate-limited'] }),
  });
  // HSTS, nosniff and no-store on JSON for every route registered after this (all of them).
  await app.register(serverHeadersPlugin);
  // Clientless apps on their own origin (server.appsUrl), nothing else there (docs/clientless.md).
  app.addHook('onRequest', appsOriginHook(config));

  // While the audit backlog is full (the store has refused writes for long), new access is
  // refused rather than granted unaudited (proxy/audit/audit-log.ts, AUDIT_BACKLOG_MAX).
  // (preValidation, not onRequest: an error thrown before it leaves a WebSocket route's socket open.)
  app.addHook('preValidation', async (request) => {
    if (!audit.accepting && AUDIT_GATED_ROUTES.has(request.routeOptions.url ?? '')) {
      throw new ZerogateError('ZG_ERR_STORE_UNAVAILABLE', 'the audit trail cannot be written to the store right now: try again shortly');
    }
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await store.ping();
    } catch {
      return reply.code(503).send({ statusCode: 503, code: 'ZG_ERR_STORE_UNAVAILABLE', error: 'Service Unavailable', message: ERROR_CODES.ZG_ERR_STORE_UNAVAILABLE.meaning });
    }
    if (!audit.accepting) {
      return reply.code(503).send({ statusCode: 503, code: 'ZG_ERR_STORE_UNAVAILABLE', error: 'Service Unavailable', message: 'the audit trail cannot be written to the store' });
    }
    try {
      await identity.check();
    } catch {
      return reply.code(503).send({ statusCode: 503, code: 'ZG_ERR_AUTH_IDP_UNAVAILABLE', error: 'Service Unavailable', message: ERROR_CODES.ZG_ERR_AUTH_IDP_UNAVAILABLE.meaning });
    }
    return { status: 'ready' };
  });
  // Prometheus scrapes this (DESIGN.md §7). Counts and app ids only: no user, device or token;
  // still, app ids are internal: a scrape needs an API token unless `metrics.public`.
  app.get('/metrics', { config: { rateLimit: { max: METRICS_RATE_PER_MINUTE, timeWindow: 60_000 } } }, async (request, reply) => {
    if (!config.metrics.public) {
      const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (bearer === undefined) throw new ZerogateError('ZG_ERR_API_TOKEN_REQUIRED', 'GET /metrics needs an API token as a bearer token (or metrics.public: true)', { reasons: ['user-unauthenticated'] });
      await verifyApiToken(store, bearer);
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/.well-known/zerogate', async () => ({
    version: VERSION,
    proxy: config.server.publicUrl,
    caFingerprint: pki.caFingerprint,
    ca: '/v1/ca.pem',
    enroll: '/v1/enroll',
    session: '/v1/session',
    tunnel: '/v1/tunnel',
    oidc: {
      issuer: identity.oidc.issuer,
      clientId: identity.oidc.clientId,
      scopes: identity.oidc.scopes,
      acrValues: identity.oidc.acrValues,
      embedded: identity.oidc.embedded,
      ...(identity.oidc.clientSecret === undefined ? {} : { clientSecret: identity.oidc.clientSecret }),
    },
  }));
  // The public key of X-Zerogate-Assertion, for HTTP apps to verify it (docs/http-apps.md).
  app.get(JWKS_PATH, async (_request, reply) => reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_S}`).type('application/jwk-set+json').send(httpGateway.jwks()));
  app.get('/v1/ca.pem', async (_request, reply) => reply.type('application/x-pem-file').send(pki.ca.certPem));

  const perIdentity = identityLimiters();
  const enrollDeps = { store, pki, audit, certTtlMs: config.devices.certTtlMs, sessions: identity.sessions, perUser: perIdentity.enroll };
  app.post<{ Body: { token?: string; idToken?: string; csr: string; hostname: string } }>(
    '/v1/enroll',
    {
      config: { rateLimit: { max: ENROLL_RATE_PER_MINUTE, timeWindow: 60_000 } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['csr', 'hostname'],
          // A one-time enrolment token (headless servers) or an ID token from the IdP: exactly one.
          oneOf: [{ required: ['token'] }, { required: ['idToken'] }],
          properties: {
            token: { type: 'string', minLength: 1, maxLength: 256 },
            idToken: { type: 'string', minLength: 1, maxLength: 16 * 1024 },
            csr: { type: 'string', minLength: 1, maxLength: CSR_MAX },
            hostname: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
          },
        },
      },
    },
    async (request) => {
      const { token, idToken, csr, hostname } = request.body;
      if (idToken !== undefined) return enrollWithIdToken(enrollDeps, { idToken, csr, hostname }, request.ip);
      return enrollWithToken(enrollDeps, { token: token ?? '', csr, hostname }, request.ip);
    },
  );

  const guard = deviceGuard({ store, audit });
  const signedIn = sessionGuard({ sessions: identity.sessions, audit });
  // Each app's verdict for this device right now, with what to do about a denial (DESIGN.md §9 `zerogate apps`).
  app.get('/v1/me/apps', { preValidation: [guard, signedIn] }, async (request) => {
    const device = request.zgDevice;
    const identity = request.zgSession;
    if (device === undefined || identity === undefined) throw new TypeError('guards did not run');
    let posture: PostureState | undefined;
    const record = await store.latestPosture(device.id);
    if (record !== undefined) {
      try {
        posture = { report: parsePostureReport(record.report), receivedAt: record.receivedAt };
      } catch {
        posture = undefined;
      }
    }
    const subject = { identity, deviceId: device.id, posture, source: request.ip };
    return {
      user: device.user,
      device: device.id,
      postureReceivedAt: posture === undefined ? undefined : new Date(posture.receivedAt).toISOString(),
      apps: [...apps.values()].map((a) => {
        // A preview for the user, not an access: not counted in the decision metrics.
        const decision = decideAccess(a, policies, subject, metrics, Date.now(), 'none');
        return {
          id: a.id,
          name: a.name,
          protocol: a.upstream.protocol,
          allowed: decision.allow,
          reasons: decision.reasons,
          ...(decision.wouldDeny === true ? { reportOnly: true } : {}),
          remediation: decision.reasons.filter(isReason).map((reason) => REASONS[reason].remediation),
        };
      }),
    };
  });

  await app.register(sessionRoutes, { identity, store, audit, perUser: perIdentity.session });
  const consoleAuth = await createConsoleAuth({ config, store, pki, audit, identity });
  await app.register(apiPlugin, { consoleAuth, store, audit, metrics, version: VERSION, apps: () => apps, policies: () => policies, sessions: identity.sessions, catalog, upstreamGuard, inventory: security.inventory });
  await app.register(consolePlugin, { consoleAuth, config, store, pki, audit, identity, version: VERSION });
  // Browser access to web apps without the agent, at /a/<app>/ (docs/clientless.md).
  await app.register(clientlessPlugin, { config, consoleAuth, identity, audit, store, metrics, apps: () => apps, policies: () => policies, gateway: httpGateway });
  if (identity.idp !== undefined) await app.register(identity.idp.plugin);

  await app.register(tunnelPlugin, { deps: sessionDeps, registry: sessions, refusalsPerSourcePerMinute: TUNNEL_RATE_PER_MINUTE, upgradesPerDevicePerMinute: TUNNEL_UPGRADES_PER_DEVICE_PER_MINUTE });

  return {
    app,
    sessions,
    metrics,
    setApps,
    catalog,
    reloadConfig: (nextApps, nextPolicies) => catalog.setBase({ apps: nextApps, policies: nextPolicies, clientlessAllowed: config.server.appsUrl !== undefined }),
    httpGateway,
  };
}

function httpError(status: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' } as Record<number, string>
  )[status] ?? 'Internal Server Error';
}

function loadAdminTls(config: ProxyConfig): { cert: string; key: string } {
  const tls = config.server.tls;
  if (tls === undefined) throw new TypeError('no admin TLS configured');
  return { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') };
}
