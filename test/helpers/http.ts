/** One HTTPS request to a test proxy, with JSON in and out: the shared client of the API and identity tests. */
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JsonReply {
  status: number;
  /** The body as text. */
  text: string;
  /** The body parsed; `{}` when it is not JSON (assertions on it then fail with `text` in view). */
  json: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export interface JsonRequest {
  method: 'GET' | 'POST';
  /** Trusted CA, and a client certificate and key when the route wants a device. */
  tls: { ca: string; cert?: string | undefined; key?: string | undefined };
  /** Local address to send from (a different 127.0.0.x keeps per-source limits apart). */
  source?: string;
  /** A JSON body, or raw bytes. */
  body?: unknown;
  raw?: Buffer;
  /** A whole `Authorization` header; `bearer` makes one. */
  authorization?: string;
  bearer?: string;
}

export function requestJson(url: string, options: JsonRequest): Promise<JsonReply> {
  return new Promise((resolve, reject) => {
    const payload = options.raw ?? (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)));
    const authorization = options.authorization ?? (options.bearer === undefined ? undefined : `Bearer ${options.bearer}`);
    const req = httpsRequest(
      url,
      {
        method: options.method,
        ...options.tls,
        ...(options.source === undefined ? {} : { localAddress: options.source }),
        agent: false,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length }),
          ...(authorization === undefined ? {} : { authorization }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
