/**
 * The fetch the console's OpenID Connect client uses to reach the IdP (discovery and the token
 * endpoint). For the embedded IdP it trusts only the proxy's own CA, like a pinned agent
 * (agent/core/auth/pinned-fetch.ts); Node 20's global fetch cannot take a CA, so this goes over
 * `node:https`. TLS verification is never turned off.
 */
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { CustomFetch, CustomFetchOptions } from 'openid-client';

/** Deadline of one request to the IdP, connect to last byte. */
export const IDP_FETCH_TIMEOUT_MS = 10_000;
/** Largest answer read (a discovery document or a token response: a few KiB). */
export const IDP_FETCH_MAX_BYTES = 256 * 1024;

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** A fetch for openid-client that trusts only `ca`. */
export function pinnedFetch(ca: string, timeoutMs = IDP_FETCH_TIMEOUT_MS): CustomFetch {
  return (href, init) => request(new URL(href), init, ca, timeoutMs);
}

function request(url: URL, init: CustomFetchOptions, ca: string, timeoutMs: number): Promise<Response> {
  if (url.protocol !== 'https:') return Promise.reject(new TypeError(`refusing a non-https IdP endpoint ${url.origin}`));
  const headers: Record<string, string | number> = Object.fromEntries(new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).entries());
  const body = init.body === undefined || init.body === null ? undefined : Buffer.from(String(init.body), 'utf8');
  if (body !== undefined) {
    headers['content-length'] = body.length;
    if (init.body instanceof URLSearchParams && headers['content-type'] === undefined) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise<Response>((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: init.method,
        headers,
        ca,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        agent: false,
        ...(isIP(hostname) === 0 ? { servername: hostname } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > IDP_FETCH_MAX_BYTES) req.destroy(new Error(`the IdP answer is larger than ${IDP_FETCH_MAX_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 500;
          const responseHeaders = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
          resolve(new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      },
    );
    const deadline = setTimeout(() => req.destroy(new Error(`the IdP did not answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
    init.signal?.addEventListener('abort', () => req.destroy(init.signal?.reason as Error), { once: true });
    req.end(body);
  });
}
