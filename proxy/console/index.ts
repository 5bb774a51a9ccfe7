/**
 * The web console at `/console/` (issue 5): OIDC sign-in with the proxy as a confidential
 * client, a secure session cookie, CSRF protection, strict CSP, and the bundled front-end.
 * Registered by proxy/server/app.ts; everything console-specific lives under proxy/console/.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isZerogateError, ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import type { ProxyConfig } from '../config/index.ts';
import type { VerifiedIdentity } from '../identity/id-token.ts';
import type { Identity } from '../identity/setup.ts';
import type { LoadedPki } from '../pki/index.ts';
import type { Store } from '../store/index.ts';
import type { ConsoleAuth } from './auth.ts';
import { clearCookie, LOGIN_COOKIE, readCookie, SESSION_COOKIE, setCookie } from './cookies.ts';
import { consoleHeaders, serverHeadersPlugin } from './headers.ts';
import { CodeExchangeError, ConsoleOidcClient } from './oidc.ts';
import { errorPage, escapeHtml } from './pages.ts';
import { appNext, CONSOLE_HANDOFF_PATH, HANDOFF_PATH } from './handoff.ts';
import { ConsoleTokens, LOGIN_STATE_TTL_S, type ConsoleSession } from './session.ts';
import { readAsset, readIndex } from './static.ts';

export interface ConsolePluginOptions {
  consoleAuth: ConsoleAuth;
  config: ProxyConfig;
  store: Store;
  pki: LoadedPki;
  audit: AuditLog;
  identity: Identity;
  version: string;
}

/** Sign-in starts and callbacks per source address per minute (each costs IdP round trips). */
export const CONSOLE_LOGIN_RATE_PER_MINUTE = 30;
/** Where a sign-in lands when `next` is missing or not a console path. */
export const CONSOLE_HOME = '/console/';
const NEXT_MAX_LENGTH = 512;

const LOGIN_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { next: { type: 'string', maxLength: 2048 } },
} as const;

/** What the IdP sends back: code, state, iss, or an error; IdPs add their own (session_state...). */
const CALLBACK_QUERY = {
  type: 'object',
  maxProperties: 20,
  additionalProperties: { type: 'string', maxLength: 4096 },
  properties: {
    code: { type: 'string', maxLength: 4096 },
    state: { type: 'string', maxLength: 512 },
  },
} as const;

/**
 * Registered on the root instance without encapsulation (`skip-override`), so that the server
 * headers below reach every route of the root context and of the contexts registered after it
 * (see headers.ts); the console's own routes and headers are in an encapsulated child.
 */
export const consolePlugin = Object.assign(
  async (app: FastifyInstance, options: ConsolePluginOptions): Promise<void> => {
    // HSTS, nosniff and no-store on JSON for the whole server.
    await app.register(serverHeadersPlugin);
    await app.register(consoleRoutes, options);
  },
  { [Symbol.for('skip-override')]: true },
);

async function consoleRoutes(app: FastifyInstance, options: ConsolePluginOptions): Promise<void> {
  const { consoleAuth, config, store, audit, identity } = options;
  app.addHook('onRequest', async (_request, reply) => consoleHeaders(reply));

  const client = new ConsoleOidcClient({
    oidc: identity.console,
    publicUrl: config.server.publicUrl,
    // The embedded IdP is this server: its certificate is from the proxy's CA unless the admin supplied one.
    ca: config.server.tls === undefined ? options.pki.ca.certPem : undefined,
  });
  const ttlSeconds = Math.floor(config.console.sessionTtlMs / 1000);
  const limiter = app.createRateLimit({ max: CONSOLE_LOGIN_RATE_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `console:${request.ip}` });
  const rateLimited = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const result = await limiter(request);
    if (result.isAllowed || !result.isExceeded) return;
    void reply.header('retry-after', String(result.ttlInSeconds));
    throw new ZerogateError('ZG_ERR_RATE_LIMITED', `too many console sign-in requests: retry in ${result.ttlInSeconds} s`, { reasons: ['rate-limited'] });
  };

  const loginFailed = (request: FastifyRequest, reply: FastifyReply, check: string, extra: Record<string, unknown> = {}, user?: string): FastifyReply => {
    audit.record({
      type: 'login.fail',
      decision: 'deny',
      source: request.ip,
      ...(user === undefined ? {} : { user }),
      reasons: ['user-unauthenticated'],
      detail: { code: 'ZG_ERR_CONSOLE_LOGIN_FAILED', route: 'console', check, ...extra },
    });
    return htmlError(reply, 401, 'ZG_ERR_CONSOLE_LOGIN_FAILED', 'Sign-in failed', signInMessage(check), true);
  };

  app.get('/console', async (_request, reply) => reply.code(302).header('location', CONSOLE_HOME).send());

  app.get('/console/login', { onRequest: rateLimited, schema: { querystring: LOGIN_QUERY } }, async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next);
    let started: Awaited<ReturnType<ConsoleOidcClient['start']>>;
    try {
      started = await client.start(next);
    } catch (error) {
      const coded = isZerogateError(error) ? error : new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', 'the identity provider cannot be reached: try again shortly', { cause: error });
      if (coded.code === 'ZG_ERR_CONSOLE_LOGIN_FAILED') return loginFailed(request, reply, 'config', { missing: coded.detail?.missing });
      return htmlError(reply, coded.statusCode, coded.code, 'Sign-in is not available', coded.message, true);
    }
    const sealed = await consoleAuth.tokens.sealLogin(started.login, Date.now());
    return reply
      .code(302)
      .header('set-cookie', setCookie(LOGIN_COOKIE, sealed, { maxAge: LOGIN_STATE_TTL_S, sameSite: 'Lax' }))
      .header('location', started.url)
      .send();
  });

  app.get('/console/callback', { onRequest: rateLimited, schema: { querystring: CALLBACK_QUERY } }, async (request, reply) => {
    // The sign-in state is used once, whatever happens next.
    void reply.header('set-cookie', clearCookie(LOGIN_COOKIE, 'Lax'));
    const now = Date.now();
    const sealed = readCookie(request.headers.cookie, LOGIN_COOKIE);
    const login = sealed === undefined ? undefined : await consoleAuth.tokens.openLogin(sealed, now);
    if (login === undefined) return loginFailed(request, reply, 'state', { why: sealed === undefined ? 'no-login-cookie' : 'login-cookie-invalid' });
    const query = request.query as Record<string, string | undefined>;
    if (query.state !== login.state) return loginFailed(request, reply, 'state', { why: 'state-mismatch' });
    const stateKey = createHash('sha256').update(login.state).digest('base64url');
    if (!(await store.markUsedOnce('console-login', stateKey, now + (LOGIN_STATE_TTL_S + 60) * 1000, now))) {
      return loginFailed(request, reply, 'replay');
    }
    let verified: VerifiedIdentity;
    try {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const idToken = await client.exchange(query, login);
      verified = await identity.console.verifyIdToken(idToken, Date.now());
    } catch (error) {
      if (error instanceof CodeExchangeError) return loginFailed(request, reply, error.check, error.error === undefined ? {} : { error: error.error });
      if (isZerogateError(error) && error.code !== 'ZG_ERR_AUTH_IDP_UNAVAILABLE') {
        return loginFailed(request, reply, String(error.detail?.check ?? 'id-token'), { idTokenCode: error.code, reasons: [...error.reasons] });
      }
      const coded = isZerogateError(error) ? error : new ZerogateError('ZG_ERR_AUTH_IDP_UNAVAILABLE', 'the identity provider cannot be reached: try again shortly', { cause: error });
      audit.record({ type: 'login.fail', decision: 'deny', source: request.ip, detail: { code: coded.code, route: 'console', check: 'idp-unavailable' } });
      return htmlError(reply, coded.statusCode, coded.code, 'Sign-in is not available', coded.message, true);
    }
    const session = newSession(verified, consoleAuth, config.console.sessionTtlMs);
    // Recorded before the cookie is set: a store that cannot record it gives no session (503).
    await store.createBrowserSession({ id: session.sid, user: session.user, createdAt: session.issuedAt, expiresAt: session.expiresAt }, session.issuedAt);
    const token = await consoleAuth.tokens.signSession(session, consoleAuth.roleGroups);
    audit.record({
      type: 'console.login',
      decision: 'allow',
      source: request.ip,
      user: session.user,
      detail: { role: session.role, amr: verified.amr, ...(verified.acr === undefined ? {} : { acr: verified.acr }), expiresAt: session.expiresAt },
    });
    return reply
      .code(302)
      .header('set-cookie', [clearCookie(LOGIN_COOKIE, 'Lax'), setCookie(SESSION_COOKIE, token, { maxAge: ttlSeconds, sameSite: 'Strict' })])
      .header('location', safeNext(login.next))
      .send();
  });

  app.post('/console/logout', { onRequest: rateLimited }, async (request, reply) => {
    let session: ConsoleSession | undefined;
    try {
      session = await consoleAuth.session(request);
    } catch (error) {
      // A cookie that is no longer valid is simply removed; a change from another site is not.
      if (!isZerogateError(error, 'ZG_ERR_CONSOLE_SESSION_REQUIRED')) throw error;
    }
    if (session !== undefined) {
      // Ended in the store, not only in this browser: a copy of the cookie, and every apps
      // cookie handed over from it, is refused from now on, on every node.
      await store.revokeBrowserSession(session.sid, Date.now());
      audit.record({ type: 'console.logout', decision: 'allow', source: request.ip, user: session.user });
    }
    return reply.code(204).header('set-cookie', clearCookie(SESSION_COOKIE, 'Strict')).send();
  });

  app.get('/console/api/session', async (request) => {
    const session = await consoleAuth.session(request);
    if (session === undefined) {
      throw new ZerogateError('ZG_ERR_CONSOLE_SESSION_REQUIRED', 'not signed in to the console: sign in at /console/login', { reasons: ['user-unauthenticated'] });
    }
    return {
      user: session.user,
      ...(session.name === undefined ? {} : { name: session.name }),
      ...(session.email === undefined ? {} : { email: session.email }),
      groups: session.groups,
      role: session.role,
      csrf: session.csrf,
      expiresAt: new Date(session.expiresAt).toISOString(),
    };
  });

  app.get('/console/assets/:file', async (request, reply) => {
    const asset = await readAsset((request.params as { file: string }).file);
    if (asset === undefined) throw new ZerogateError('ZG_ERR_NOT_FOUND', 'no such console file');
    return reply.header('cache-control', asset.cacheControl).type(asset.contentType).send(asset.body);
  });

  const handoff = appHandoff(options);

  // The single-page app: every other console path is one of its client-side routes.
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    // Dispatched here rather than as its own route: an HTML redirect, not part of the API's inventory.
    if (path === CONSOLE_HANDOFF_PATH) return handoff(request, reply);
    if (/^\/console\/(assets|api)(\/|$)/.test(path)) throw new ZerogateError('ZG_ERR_NOT_FOUND', `no route ${request.method} ${path}`);
    const html = await readIndex();
    if (html === undefined) {
      return htmlError(reply, 503, 'ZG_ERR_CONSOLE_NOT_BUILT', 'The console is not built', 'The console\'s front-end bundle is missing on this proxy: the operator builds it with `npm run build`.', false);
    }
    return reply.type('text/html; charset=utf-8').send(html);
  };
  app.get('/console/', page);
  app.get('/console/*', page);
}

/**
 * `GET /console/app-handoff?next=/a/<app>/...`: the signed-in person goes on to the apps origin
 * with a one-time code (handoff.ts); signed out, they sign in first and come back here.
 */
function appHandoff(options: ConsolePluginOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  const { consoleAuth, config, audit } = options;
  return async (request, reply) => {
    const appsTokens = consoleAuth.appsTokens;
    const appsUrl = config.server.appsUrl;
    if (appsTokens === undefined || appsUrl === undefined) throw new ZerogateError('ZG_ERR_NOT_FOUND', 'clientless browser access is not configured (server.appsUrl)');
    const raw = new URL(request.url, 'https://zerogate.invalid').searchParams.get('next');
    const next = appNext(safeNext(raw ?? ''));
    if (next === undefined) return reply.code(302).header('location', CONSOLE_HOME).send();
    let session: ConsoleSession | undefined;
    try {
      session = await consoleAuth.session(request);
    } catch (error) {
      if (!isZerogateError(error, 'ZG_ERR_CONSOLE_SESSION_REQUIRED')) throw error;
    }
    const back = `${CONSOLE_HANDOFF_PATH}?next=${encodeURIComponent(next)}`;
    if (session === undefined) {
      // Arriving from the apps origin (another site) the Strict console cookie is not sent:
      // one same-origin refresh brings it along when the person is signed in already.
      if (crossSiteNavigation(request) && !('bounced' in (request.query as Record<string, unknown>))) {
        return reply.type('text/html; charset=utf-8').send(refreshPage(`${back}&bounced=1`));
      }
      return reply.code(302).header('location', `/console/login?next=${encodeURIComponent(back)}`).send();
    }
    const now = Date.now();
    const code = await appsTokens.mintCode(session, now);
    audit.record({ type: 'console.handoff', decision: 'allow', source: request.ip, user: session.user, detail: { step: 'code', to: new URL(appsUrl).origin, next: next.split('?')[0] } });
    return reply.code(302).header('location', `${new URL(appsUrl).origin}${HANDOFF_PATH}?code=${encodeURIComponent(code)}&next=${encodeURIComponent(next)}`).send();
  };
}

function crossSiteNavigation(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  return request.method === 'GET' && request.headers['sec-fetch-mode'] === 'navigate' && (site === 'cross-site' || site === 'same-site');
}

/** A page that reloads `href` at once (a same-origin navigation; no script, so the CSP holds). */
function refreshPage(href: string): string {
  const safe = escapeHtml(href);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0; url=${safe}"><title>Zerogate</title></head><body><p><a href="${safe}">Continue</a></p></body></html>\n`;
}

function newSession(identity: VerifiedIdentity, consoleAuth: ConsoleAuth, ttlMs: number): ConsoleSession {
  const now = Date.now();
  return {
    sid: ConsoleTokens.sid(),
    user: identity.user,
    ...(identity.name === undefined ? {} : { name: identity.name }),
    ...(identity.email === undefined ? {} : { email: identity.email }),
    groups: identity.groups,
    role: consoleAuth.roleOf(identity.groups),
    csrf: ConsoleTokens.csrf(),
    issuedAt: now,
    expiresAt: now + ttlMs,
    amr: identity.amr.slice(0, 16),
    // Only a real auth_time: a token without one says nothing about when the person signed in.
    ...(identity.authTimeKnown ? { authTime: identity.authTime } : {}),
  };
}

/**
 * Where to go after signing in: only a path of this console (no scheme, no host, no `//`, no
 * backslash, no `..` leaving /console/; `/console/app-handoff?next=...` is one), or a clientless
 * app's path `/a/<app id>/...` (only as the handoff's `next`: apps live on `server.appsUrl`), else
 * the console's home. Anything else is an open redirect.
 */
export function safeNext(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > NEXT_MAX_LENGTH) return CONSOLE_HOME;
  if (/[\\\u0000-\u001f\u007f\s]/.test(raw)) return CONSOLE_HOME;
  // The app's prefix `/a/<id>` as written, before normalisation.
  const app = CLIENTLESS_NEXT.exec(raw)?.[1];
  if (!raw.startsWith('/console/') && app === undefined) return CONSOLE_HOME;
  const base = 'https://zerogate.invalid';
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return CONSOLE_HOME;
  }
  if (url.origin !== base) return CONSOLE_HOME;
  // After normalisation (`..`, `%2e%2e`) the path must still be under the prefix it claimed.
  if (app !== undefined) {
    const prefix = `/a/${app}`;
    if (url.pathname.includes('//')) return CONSOLE_HOME;
    return url.pathname === prefix || url.pathname.startsWith(`${prefix}/`) ? `${url.pathname}${url.search}` : CONSOLE_HOME;
  }
  if (!url.pathname.startsWith('/console/')) return CONSOLE_HOME;
  if (/^\/console\/(login|callback|logout|api|assets)(\/|$)/.test(url.pathname)) return CONSOLE_HOME;
  return `${url.pathname}${url.search}`;
}

/** `/a/<app id>` or `/a/<app id>/...`: an app id as the config allows it (lowercase, digits, `-`). */
const CLIENTLESS_NEXT = /^\/a\/([a-z0-9][a-z0-9-]{0,62})(?:[/?]|$)/;

function signInMessage(check: string): string {
  if (check === 'mfa') return 'The sign-in did not use a second factor. Sign in again and complete the second step.';
  if (check === 'auth-time') return 'Your last sign-in with a second factor is too old. Sign in again.';
  if (check === 'account') return 'This account is disabled or was removed. Ask your administrator.';
  if (check === 'config') return 'The console cannot sign anyone in yet: the proxy has no client secret for the identity provider (identity.oidc.clientSecret). Ask your administrator.';
  if (check === 'state' || check === 'replay') return 'This sign-in link was already used, has expired, or was not started in this browser. Start again.';
  return 'The identity provider\'s answer could not be accepted. Start again; if it keeps failing, your administrator can see why in the audit log.';
}

function htmlError(reply: FastifyReply, status: number, code: string, title: string, message: string, retry: boolean): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('x-zerogate-error', code)
    .send(errorPage({ title, code, message, ...(retry ? { link: { href: '/console/login', text: 'Try again' } } : {}) }));
}
