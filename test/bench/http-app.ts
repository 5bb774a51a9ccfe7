/**
 * The HTTP application of the HTTP section (http-run.ts): a tiny node:http server with two
 * endpoints, an API call's worth of JSON and a page's worth, both with Content-Length and
 * keep-alive, prebuilt so the app itself costs as little as possible:
 *
 *   GET /small  ~100 B of JSON
 *   GET /large  64 KiB of JSON
 *
 * Anything else is 404. It counts the requests it served and how many carried the proxy's
 * signed identity assertion (X-Zerogate-Assertion): the bench uses that to tell whether the
 * proxied path went through the HTTP gateway or through a raw TCP pass-through.
 */
import { createServer, type Server } from 'node:http';

export const SMALL_PATH = '/small';
export const LARGE_PATH = '/large';
export const LARGE_BYTES = 64 * 1024;
/** Long enough that no keep-alive connection is closed between two measurements. */
const KEEP_ALIVE_MS = 120_000;

/** A JSON document of exactly `bytes` bytes (padded inside a string field). */
function jsonOfSize(bytes: number, base: Record<string, unknown>): Buffer {
  const empty = JSON.stringify({ ...base, pad: '' });
  const padding = bytes - Buffer.byteLength(empty);
  if (padding < 0) throw new RangeError(`cannot make ${bytes} bytes of JSON from ${empty}`);
  return Buffer.from(JSON.stringify({ ...base, pad: 'x'.repeat(padding) }));
}

export const SMALL_BODY = jsonOfSize(100, { id: 4217, name: 'Ada Lovelace', team: 'analytics', active: true });
export const LARGE_BODY = jsonOfSize(LARGE_BYTES, {
  items: Array.from({ length: 200 }, (_, i) => ({ id: i, sku: `SKU-${String(i).padStart(5, '0')}`, qty: i % 7 })),
});

/** Body size each endpoint answers with: what the load client checks every response against. */
export const BODY_BYTES: Record<string, number> = { [SMALL_PATH]: SMALL_BODY.length, [LARGE_PATH]: LARGE_BODY.length };

export interface BenchAppStats {
  requests: number;
  withAssertion: number;
  /** Connections open now (keep-alive connections of the load client or of the proxy). */
  connections: number;
  /** Connections accepted since start. */
  accepted: number;
}

export interface BenchApp {
  server: Server;
  stats(): Promise<BenchAppStats>;
}

export function createBenchApp(): BenchApp {
  let requests = 0;
  let withAssertion = 0;
  let accepted = 0;
  const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    requests += 1;
    if (req.headers['x-zerogate-assertion'] !== undefined) withAssertion += 1;
    // Drain any body so the connection stays usable (the bench only sends GETs).
    req.resume();
    const body = req.method === 'GET' && req.url === SMALL_PATH ? SMALL_BODY : req.method === 'GET' && req.url === LARGE_PATH ? LARGE_BODY : undefined;
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json', 'content-length': 21 });
      res.end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  server.on('connection', () => (accepted += 1));
  return {
    server,
    stats: () =>
      new Promise((resolve) =>
        server.getConnections((error, connections) => resolve({ requests, withAssertion, connections: error === null ? connections : -1, accepted })),
      ),
  };
}
