/**
 * Security headers: the console's own (a strict CSP with no inline script or style, no framing,
 * no referrer) and, for every response of the proxy's HTTPS server, HSTS and `nosniff`, with
 * `no-store` on JSON answers (API responses are about people and devices: never cached).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';

/** docs/console.md#content-security-policy; the UI bundle is built to need nothing more. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** One year; browsers then only ever use https for this host (RFC 6797). */
export const HSTS = 'max-age=31536000';

/** Headers on every console response. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Sets the console headers and, unless the caller decides otherwise, `cache-control: no-store`. */
export function consoleHeaders(reply: FastifyReply, cacheControl = 'no-store'): void {
  for (const [name, value] of Object.entries(CONSOLE_HEADERS)) void reply.header(name, value);
  void reply.header('cache-control', cacheControl);
}

/** HSTS, nosniff, and no-store on JSON: for routes outside the global hook's reach (the API). */
export function serverHeaders(reply: FastifyReply): void {
  void reply.header('strict-transport-security', HSTS);
  void reply.header('x-content-type-options', 'nosniff');
}

const REGISTERED = Symbol.for('zerogate.server-headers');

/**
 * A global onSend hook (the plugin skips fastify's encapsulation): every response of the
 * instance it is registered on, and of the contexts created after it, gets HSTS and nosniff,
 * and JSON answers `cache-control: no-store` unless a route set its own. Registering it twice is
 * harmless (the second registration does nothing).
 */
export const serverHeadersPlugin: FastifyPluginAsync = Object.assign(
  async (app: FastifyInstance) => {
    const marked = app as FastifyInstance & { [REGISTERED]?: true };
    if (marked[REGISTERED] === true) return;
    marked[REGISTERED] = true;
    app.addHook('onSend', async (_request, reply, payload) => {
      serverHeaders(reply);
      const type = String(reply.getHeader('content-type') ?? '');
      if (type.startsWith('application/json') && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { [Symbol.for('skip-override')]: true },
);
