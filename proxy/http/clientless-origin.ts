/**
 * Which origin answers what (docs/clientless.md): clientless apps live on `server.appsUrl`, the
 * console, API, embedded IdP and tunnel on `server.publicUrl`, both on one listener. An onRequest
 * hook of the root instance (proxy/server/app.ts) routes by the Host header: the apps origin
 * answers only `/a/...` (404 for anything else: an app's script must find no console or API
 * there); `/a/...` on any other Host is redirected to the apps origin.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ProxyConfig } from '../config/index.ts';
import { consoleHeaders } from '../console/headers.ts';
import { notFoundPage } from './clientless-pages.ts';

/** Is this path under the clientless prefix `/a/` (or `/a` itself)? */
function isAppsPath(path: string): boolean {
  return path === '/a' || path.startsWith('/a/');
}

/** The Host header as a URL's `host` (lowercase, default port 443 dropped). */
export function requestHost(host: string | undefined): string | undefined {
  if (host === undefined || host.length > 300) return undefined;
  try {
    return new URL(`https://${host}`).host;
  } catch {
    return undefined;
  }
}

export function appsOriginHook(config: Pick<ProxyConfig, 'server'>): onRequestAsyncHookHandler {
  const appsUrl = config.server.appsUrl;
  const apps = appsUrl === undefined ? undefined : new URL(appsUrl);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    if (apps === undefined) {
      // No apps origin: no clientless access at all (never on the console's origin).
      if (isAppsPath(path)) return notFound(reply);
      return;
    }
    const onApps = requestHost(request.headers.host) === apps.host;
    if (onApps) {
      if (!isAppsPath(path)) return notFound(reply);
      return;
    }
    if (isAppsPath(path)) return reply.code(302).header('location', `${apps.origin}${request.url}`).send();
  };
}

function notFound(reply: FastifyReply): FastifyReply {
  const page = notFoundPage();
  consoleHeaders(reply);
  return reply.code(404).header('content-type', 'text/html; charset=utf-8').header('x-zerogate-error', page.code).header('cache-control', 'no-store').send(page.html);
}
