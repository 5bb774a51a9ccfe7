/**
 * Clientless browser access (issue 8 item 3, docs/clientless.md): an http/https app published
 * with `http.clientless: true` is reachable from a browser at `/a/<app id>/...` on its own origin,
 * `server.appsUrl` (same listener, another host name or port), without the agent: never on the
 * console's origin, where an app's script could call the console's API with an admin's cookie.
 * The person signs in at the console, which hands them over with a one-time code
 * (proxy/console/handoff.ts); this origin then knows them by its own `__Host-zg_apps` cookie
 * only (never the console's). Every request is decided again by the same policy decision point
 * as a tunnel stream (decideAccess), with no device: posture criteria fail, so a policy that
 * needs a managed device refuses with a readable page saying what to do. Allowed requests go
 * through the HTTP gateway (assertion, rate limits, inspectors) with `via: 'browser'`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Reason } from '../../shared/reasons.ts';
import type { AuditLog } from '../audit/index.ts';
import type { ConsoleAuth } from '../console/auth.ts';
import { APPS_COOKIE, readCookie, setCookie } from '../console/cookies.ts';
import { appNext, CONSOLE_HANDOFF_PATH, HANDOFF_PATH, type AppsSession } from '../console/handoff.ts';
import { safeNext } from '../console/index.ts';
import { CONSOLE_HEADERS, consoleHeaders } from '../console/headers.ts';
import type { AppConfig, PolicyConfig, ProxyConfig } from '../config/index.ts';
import type { Identity } from '../identity/setup.ts';
import type { ProxyMetrics } from '../metrics/index.ts';
import type { Store } from '../store/index.ts';
import type { Decision } from '../policy/index.ts';
import type { SessionIdentity } from '../identity/index.ts';
import { decideAccess } from '../tunnel/access.ts';
import {
  CLIENTLESS_CSS,
  CLIENTLESS_CSS_PATH,
  deviceRequiredPage,
  notFoundPage,
  refusalTitle,
  refusedPage,
  signInPage,
  type ClientlessPage,
} from './clientless-pages.ts';
import type { RefusalRenderer } from './refusal.ts';
import type { HttpPrincipal, HttpRefusal } from './types.ts';

/** The part of the HTTP gateway (gateway.ts) clientless access uses. */
export interface ClientlessGateway {
  handle(req: IncomingMessage, res: ServerResponse, app: AppConfig, principal: HttpPrincipal, options: { pathPrefix: string; renderRefusal?: RefusalRenderer }): Promise<void> | void;
}

export interface ClientlessOptions {
  config: ProxyConfig;
  consoleAuth: ConsoleAuth;
  identity: Identity;
  audit: AuditLog;
  store: Store;
  metrics: ProxyMetrics;
  apps: () => ReadonlyMap<string, AppConfig>;
  policies: () => Readonly<Record<string, PolicyConfig>>;
  gateway: ClientlessGateway;
}

/** How often an allowed person's use of one app is audited (each denial always is). */
export const ALLOW_AUDIT_INTERVAL_MS = 10 * 60_000;
const ALLOW_AUDIT_MAX_KEYS = 10_000;
/** An app id as the config allows it. */
const APP_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Reasons that mean "this needs a managed device": the device layer and every posture check. */
const DEVICE_REASONS: ReadonlySet<string> = new Set<Reason>([
  'device-unenrolled',
  'device-revoked',
  'certificate-invalid',
  'posture-missing',
  'posture-stale',
  'os-outdated',
  'patch-outdated',
  'disk-unencrypted',
  'edr-missing',
  'firewall-off',
  'screen-lock-off',
]);
/** `require` criteria that judge the device (all but mfa, max-auth-age and source-cidr). */
const DEVICE_CRITERIA: readonly string[] = ['posture-max-age', 'os-min-version', 'patch-age', 'disk-encryption', 'edr', 'firewall', 'screen-lock'];
const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** What a web app is asked from a browser. */
export const CLIENTLESS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The `/a/:app` routes, in an encapsulated context: request bodies are not parsed here (the
 * gateway streams or buffers them itself). Registered by proxy/server/app.ts.
 */
export async function clientlessPlugin(app: FastifyInstance, options: ClientlessOptions): Promise<void> {
  const publicOrigin = new URL(options.config.server.publicUrl).origin;
  const appsUrl = options.config.server.appsUrl;
  // Without its own origin there is no clientless access (config validation refuses such apps).
  const appsOrigin = appsUrl === undefined ? undefined : new URL(appsUrl).origin;
  const allowAudited = new Map<string, number>();

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.get(CLIENTLESS_CSS_PATH, async (_request, reply) => {
    consoleHeaders(reply, 'public, max-age=3600');
    return reply.type('text/css; charset=utf-8').send(CLIENTLESS_CSS);
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const id = (request.params as { app: string }).app;
    const prefix = `/a/${id}`;
    if (appsOrigin === undefined) return sendPage(reply, notFoundPage());
    if (request.url.split('?')[0] === HANDOFF_PATH && request.method === 'GET') return spendHandoff(request, reply, options, appsOrigin);
    if (!APP_ID.test(id)) return sendPage(reply, notFoundPage());
    const crossSite = crossSiteWhy(request, appsOrigin);
    if (crossSite !== undefined) {
      auditDeny(options.audit, request, id, undefined, ['user-unauthenticated'], { code: 'ZG_ERR_CONSOLE_CSRF', why: crossSite });
      const page = refusedPage(403, 'ZG_ERR_CONSOLE_CSRF', 'Request refused', 'This change was sent from another site, or without saying where it came from, so it is refused. Go back to the app and try again from there.', []);
      return sendPage(reply, page);
    }
    const signedIn = await browserSession(request, options);
    // Signed out, nobody learns whether an app exists: everyone gets the sign-in page.
    if (signedIn.session === undefined) {
      if (signedIn.invalid !== undefined) auditDeny(options.audit, request, id, signedIn.user, ['user-unauthenticated'], { code: 'ZG_ERR_HTTP_SIGN_IN_REQUIRED', why: signedIn.invalid });
      // The apps cookie is SameSite=Lax: a link from another site carries it, no refresh needed.
      return sendPage(reply, signInPage(id, loginHref(request.url, prefix, publicOrigin), false));
    }
    const session = signedIn.session;
    const target = options.apps().get(id);
    if (target === undefined || target.http?.clientless !== true) return sendPage(reply, notFoundPage());
    const path = request.url.split('?')[0] ?? '';
    if (path === prefix) {
      // Relative links of the app's pages resolve against the directory: always `/a/<app>/`.
      const query = request.url.slice(path.length);
      return reply.code(302).header('location', `${prefix}/${query}`).send();
    }
    const decision = decideAccess(target, options.policies(), { identity: browserIdentity(session, options.config), deviceId: '', posture: undefined, source: request.ip }, options.metrics);
    if (!decision.allow) {
      auditDeny(options.audit, request, id, session.user, decision.reasons, { code: refusalCode(decision), data: decision.data });
      return sendPage(reply, denialPage(target, decision));
    }
    // As for new tunnel access (AUDIT_GATED_ROUTES): no access granted while it cannot be audited.
    if (!options.audit.accepting) {
      return sendPage(reply, refusedPage(503, 'ZG_ERR_STORE_UNAVAILABLE', 'Try again shortly', 'Zerogate cannot record access right now, so it grants none. Try again in a minute.', []));
    }
    auditAllowSparingly(options.audit, allowAudited, request, target, session.user, decision);
    const principal: HttpPrincipal = {
      user: session.user,
      groups: session.groups,
      ...(session.email === undefined ? {} : { email: session.email }),
      posture: 'none',
      via: 'browser',
      source: request.ip,
    };
    reply.hijack();
    // The app never sees the apps cookie (it would let the app act as the person on other apps).
    withoutAppsCookie(request.raw);
    guardResponse(reply.raw, prefix, [appsOrigin, publicOrigin, new URL(target.upstream.url).origin]);
    try {
      await options.gateway.handle(request.raw, reply.raw, target, principal, { pathPrefix: prefix, renderRefusal: writeRefusalPage });
    } catch {
      // The gateway answers its own failures; this is a bug's last resort, never a hung browser.
      if (reply.raw.headersSent) reply.raw.destroy();
      else writeRefusalPage(reply.raw, { status: 502, code: 'ZG_ERR_HTTP_UPSTREAM', reasons: [], message: 'The app could not be reached. Try again in a moment.' }, undefined);
    }
    return undefined;
  };
  // Not `all`: TRACE, CONNECT and the like have no business reaching an app from a browser.
  app.route({ method: CLIENTLESS_METHODS, url: '/a/:app', handler });
  app.route({ method: CLIENTLESS_METHODS, url: '/a/:app/*', handler });
}

/** Why a state-changing request is not from the apps origin; undefined when it is (or is a GET/HEAD). */
export function crossSiteWhy(request: Pick<FastifyRequest, 'method' | 'headers'>, appsOrigin: string): string | undefined {
  if (SAFE_METHODS.has(request.method)) return undefined;
  const origin = request.headers.origin;
  if (origin !== undefined) return origin === appsOrigin ? undefined : 'origin';
  const site = request.headers['sec-fetch-site'];
  if (site === 'same-origin') return undefined;
  return site === undefined ? 'no-origin' : 'sec-fetch-site';
}

/** The apps session of this browser (`__Host-zg_apps`; the console's cookie is never looked at here). */
async function browserSession(request: FastifyRequest, options: ClientlessOptions): Promise<{ session?: AppsSession; invalid?: string; user?: string }> {
  const tokens = options.consoleAuth.appsTokens;
  const value = readCookie(request.headers.cookie, APPS_COOKIE);
  if (value === undefined || tokens === undefined) return request.headers.cookie?.includes(`${APPS_COOKIE}=`) === true ? { invalid: 'cookie-malformed' } : {};
  const now = Date.now();
  const session = await tokens.verifySession(value, now);
  if (session === undefined) return { invalid: 'cookie-invalid' };
  // The user was disabled, or the console session it was handed over from was signed out or ended by an admin.
  const why = await options.consoleAuth.ended(session.user, session.sid, now);
  return why === undefined ? { session } : { invalid: why, user: session.user };
}

/**
 * The apps session (handed over from a console session) as the policy's identity. The console's
 * sign-in checked MFA (as an agent sign-in does), so `method: 'idp'`, with the IdP's `amr` and
 * `auth_time` the cookie carries.
 * A cookie without `auth_time` gets the oldest time the sign-in allowed (sign-in time minus
 * `identity.session.mfaMaxAge`): `require.maxAuthAge` then refuses, never admits wrongly.
 */
export function browserIdentity(session: AppsSession, config: ProxyConfig): SessionIdentity {
  const authTime = session.authTime ?? session.issuedAt - config.identity.session.mfaMaxAgeMs;
  const amr = session.amr ?? [];
  return {
    claims: { sid: 'console', user: session.user, deviceId: '', groups: session.groups, amr, acr: undefined, authTime, expiresAt: session.expiresAt, certThumbprint: '' },
    session: {
      id: 'console',
      user: session.user,
      deviceId: '',
      method: 'idp',
      groups: session.groups,
      amr,
      acr: undefined,
      authTime,
      createdAt: session.issuedAt,
      maxExpiresAt: session.expiresAt,
      tokenExpiresAt: session.expiresAt,
      revokedAt: undefined,
    },
  };
}

/** A denial needs a managed device when any of its reasons is about the device or its posture. */
export function needsDevice(decision: Decision): boolean {
  return decision.reasons.some((reason) => DEVICE_REASONS.has(reason));
}

function refusalCode(decision: Decision): 'ZG_ERR_HTTP_DEVICE_REQUIRED' | 'ZG_ERR_POLICY_DENIED' {
  return needsDevice(decision) ? 'ZG_ERR_HTTP_DEVICE_REQUIRED' : 'ZG_ERR_POLICY_DENIED';
}

function denialPage(app: AppConfig, decision: Decision): ClientlessPage {
  if (needsDevice(decision)) {
    const checks = DEVICE_CRITERIA.filter((criterion) => Object.hasOwn(decision.data.require, criterion));
    return deviceRequiredPage(app.name, checks, decision.reasons);
  }
  return refusedPage(403, 'ZG_ERR_POLICY_DENIED', 'Access denied', `The access policy of ${app.name} does not let you use it now.`, decision.reasons);
}

/** A gateway refusal (validation, rate limit, block, upstream error) as a page for a browser. */
export function refusalPage(refusal: HttpRefusal): ClientlessPage {
  return refusedPage(refusal.status, refusal.code, refusalTitle(refusal.status), refusal.message, refusal.reasons, refusal.retryAfter);
}

/**
 * The gateway's refusals (validation, rate limits, blocks, upstream errors) as pages for a
 * browser: the gateway's pluggable renderer (refusal.ts) for clientless requests.
 */
export const writeRefusalPage: RefusalRenderer = (res, refusal, exchange) => {
  const page = refusalPage(refusal);
  res.statusCode = page.status;
  for (const [name, value] of Object.entries({ ...CONSOLE_HEADERS, ...pageHeaders(page) })) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(page.html));
  if (refusal.retryAfter !== undefined) res.setHeader('retry-after', String(Math.max(1, Math.ceil(refusal.retryAfter))));
  if (exchange !== undefined) res.setHeader('x-request-id', exchange.id);
  res.end(page.html);
};

function pageHeaders(page: ClientlessPage): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'x-zerogate-error': page.code, 'cache-control': 'no-store' };
  return headers;
}

function sendPage(reply: FastifyReply, page: ClientlessPage): FastifyReply {
  consoleHeaders(reply);
  return reply.code(page.status).headers(pageHeaders(page)).send(page.html);
}

/** The console's handoff for this very request (falling back to the app's root when too long). */
export function loginHref(url: string, prefix: string, publicOrigin: string): string {
  const next = url.length <= 400 && !url.includes('//') ? url : `${prefix}/`;
  return `${publicOrigin}${CONSOLE_HANDOFF_PATH}?next=${encodeURIComponent(next)}`;
}

/**
 * `GET /a/-/handoff?code=...&next=/a/<app>/...` on the apps origin: spends the console's
 * one-time code (once, by its jti), sets `__Host-zg_apps` and goes on to the app.
 */
async function spendHandoff(request: FastifyRequest, reply: FastifyReply, options: ClientlessOptions, appsOrigin: string): Promise<FastifyReply> {
  const tokens = options.consoleAuth.appsTokens;
  const params = new URL(request.url, appsOrigin).searchParams;
  const code = params.get('code') ?? '';
  const next = appNext(safeNext(params.get('next') ?? ''));
  const now = Date.now();
  const verified = tokens === undefined || code === '' ? undefined : await tokens.verifyCode(code, now);
  const fail = (check: string, user?: string): FastifyReply => {
    options.audit.record({
      type: 'login.fail',
      decision: 'deny',
      source: request.ip,
      ...(user === undefined ? {} : { user }),
      reasons: ['user-unauthenticated'],
      detail: { code: 'ZG_ERR_CONSOLE_LOGIN_FAILED', route: 'apps-handoff', check },
    });
    const page = refusedPage(401, 'ZG_ERR_CONSOLE_LOGIN_FAILED', 'Sign-in failed', 'This sign-in link was already used, has expired, or is not valid. Go back to the app and sign in again.', []);
    return sendPage(reply, page);
  };
  if (tokens === undefined || verified === undefined) return fail(code === '' ? 'no-code' : 'handoff-code');
  const user = verified.identity.user;
  if (next === undefined) return fail('next', user);
  if (!(await options.store.markUsedOnce('apps-handoff', verified.jti, verified.expiresAt + 60_000, now))) return fail('replay', user);
  // Disabled, or signed out of the console between minting the code and spending it.
  const why = await options.consoleAuth.ended(user, verified.identity.sid, now);
  if (why !== undefined) return fail(why, user);
  const ttlMs = options.config.console.sessionTtlMs;
  const cookie = await tokens.signSession({ ...verified.identity, issuedAt: now, expiresAt: now + ttlMs });
  options.audit.record({ type: 'console.handoff', decision: 'allow', source: request.ip, user, detail: { step: 'apps-session', origin: appsOrigin, next: next.split('?')[0], expiresAt: now + ttlMs } });
  consoleHeaders(reply);
  return reply
    .code(302)
    .header('set-cookie', setCookie(APPS_COOKIE, cookie, { maxAge: Math.floor(ttlMs / 1000), sameSite: 'Lax' }))
    .header('location', next)
    .send();
}

/** Removes `__Host-zg_apps` from the request before the gateway forwards its headers to the app. */
export function withoutAppsCookie(req: IncomingMessage): void {
  const cookie = req.headers.cookie;
  if (cookie === undefined) return;
  const kept = cookie
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part.split('=')[0]?.trim() !== APPS_COOKIE);
  if (kept.length === 0) delete req.headers.cookie;
  else req.headers.cookie = kept.join('; ');
}

function auditDeny(audit: AuditLog, request: FastifyRequest, app: string, user: string | undefined, reasons: readonly string[], detail: Record<string, unknown>): void {
  audit.record({
    type: 'http.deny',
    app,
    ...(user === undefined ? {} : { user }),
    source: request.ip,
    decision: 'deny',
    reasons: [...reasons],
    detail: { via: 'browser', method: request.method, ...detail },
  });
}

/** One `http.allow` per person and app per {@link ALLOW_AUDIT_INTERVAL_MS}: every request would swamp the trail. */
function auditAllowSparingly(audit: AuditLog, seen: Map<string, number>, request: FastifyRequest, app: AppConfig, user: string, decision: Decision): void {
  const key = `${user}\u0000${app.id}`;
  const now = Date.now();
  const last = seen.get(key);
  if (last !== undefined && now - last < ALLOW_AUDIT_INTERVAL_MS) return;
  if (seen.size >= ALLOW_AUDIT_MAX_KEYS) seen.clear();
  seen.set(key, now);
  audit.record({
    type: 'http.allow',
    app: app.id,
    user,
    source: request.ip,
    decision: 'allow',
    reasons: decision.reasons,
    detail: { via: 'browser', ...(decision.wouldDeny === true ? { wouldDeny: true, mode: 'report-only' } : {}) },
  });
}

/**
 * What the app answers, made safe for the browser before it is sent: a redirect's Location back
 * under `/a/<app>` (the app does not know its prefix), and no Set-Cookie naming the proxy's own
 * `__Host-zg_` cookies (an app must not replace a person's console session).
 */
export function guardResponse(res: ServerResponse, prefix: string, ownOrigins: readonly string[]): void {
  const original = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  const fix = (name: string, value: unknown): unknown => {
    const lower = name.toLowerCase();
    if (lower === 'location' && typeof value === 'string') return rewriteLocation(value, prefix, ownOrigins);
    if (lower === 'set-cookie') return dropProxyCookies(value);
    return value;
  };
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    for (const name of ['location', 'set-cookie']) {
      const current = res.getHeader(name);
      if (current === undefined) continue;
      const fixed = fix(name, current);
      if (fixed === undefined) res.removeHeader(name);
      else res.setHeader(name, fixed as string | string[]);
    }
    const headersAt = typeof rest[0] === 'string' ? 1 : 0;
    const headers = rest[headersAt];
    if (Array.isArray(headers)) {
      const flat = headers as unknown[];
      const out: unknown[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const fixed = fix(String(flat[i]), flat[i + 1]);
        if (fixed !== undefined) out.push(flat[i], fixed);
      }
      rest[headersAt] = out;
    } else if (headers !== null && typeof headers === 'object') {
      const out: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(headers)) {
        const fixed = fix(name, value);
        if (fixed !== undefined) out[name] = fixed;
      }
      rest[headersAt] = out;
    }
    return original(status, ...rest);
  }) as ServerResponse['writeHead'];
}

/**
 * A Location the app sent, as the browser must see it: a path of the app (or a URL on the app's
 * or the proxy's own origin) goes under `prefix`; another site's URL is left alone.
 */
export function rewriteLocation(location: string, prefix: string, ownOrigins: readonly string[]): string {
  if (location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\')) {
    return location === prefix || location.startsWith(`${prefix}/`) ? location : `${prefix}${location}`;
  }
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location;
  }
  if (!ownOrigins.includes(url.origin)) return location;
  const path = url.pathname === prefix || url.pathname.startsWith(`${prefix}/`) ? url.pathname : `${prefix}${url.pathname}`;
  return `${path}${url.search}${url.hash}`;
}

/** Set-Cookie values without those naming a `__Host-zg_` cookie (undefined when none is left). */
export function dropProxyCookies(value: unknown): string | string[] | undefined {
  const lines = (Array.isArray(value) ? value : [value]).map(String);
  const kept = lines.filter((line) => !/^\s*__host-zg_/i.test(line));
  if (kept.length === 0) return undefined;
  return Array.isArray(value) ? kept : kept[0];
}
