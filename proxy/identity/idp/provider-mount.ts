import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from 'oidc-provider';
import { perSourceRateLimit } from './failure-limiter.ts';
import { SECURITY_HEADERS } from './html.ts';
import { IDP_REQUESTS_PER_MINUTE } from './options.ts';

/**
 * Hands every request under `mountPath` (other than the sign-in pages, which are more specific
 * routes) to oidc-provider's Koa app, as an encapsulated fastify plugin.
 *
 * - Bodies: this plugin's only content-type parser accepts anything and reads nothing, so
 *   oidc-provider parses the raw, unconsumed request stream itself (its endpoints need
 *   url-encoded and JSON bodies with its own limits).
 * - Paths: oidc-provider's routes are relative to where it is mounted. As Express does for a
 *   mounted app, `req.originalUrl` keeps the full URL and `req.url` loses the prefix; oidc-provider
 *   derives the mount path from the two (`OIDCContext#urlFor`), so every URL it builds
 *   (discovery, redirects, cookie paths) carries `mountPath`.
 * - TLS: the proxy terminates TLS itself, so Koa's `ctx.secure` is true from the socket and
 *   oidc-provider's cookies are `Secure`; `X-Forwarded-*` is not trusted (`provider.proxy` false).
 * - Rate: at most {@link IDP_REQUESTS_PER_MINUTE} requests a minute per source where the app
 *   registers @fastify/rate-limit (route config; inert elsewhere).
 */
export function providerMount(provider: Provider, mountPath: string): FastifyPluginAsync {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, _payload, done) => {
      done(null, undefined);
    });
    const callback = provider.callback();

    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const raw = request.raw as IncomingMessage & { originalUrl?: string };
      const url = raw.url ?? '/';
      const rest = url.slice(mountPath.length);
      if (!url.startsWith(mountPath) || (rest !== '' && !rest.startsWith('/') && !rest.startsWith('?'))) {
        return reply.callNotFound();
      }
      reply.hijack();
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
      raw.originalUrl = url;
      raw.url = rest.startsWith('/') ? rest : `/${rest}`;
      await callback(raw, reply.raw);
    };

    const config = perSourceRateLimit(IDP_REQUESTS_PER_MINUTE);
    app.all(mountPath, { config }, handler);
    app.all(`${mountPath}/*`, { config }, handler);
  };
}
