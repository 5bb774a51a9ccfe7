/**
 * A WebSocket upgrade through the gateway: after the gateway's checks passed, the Upgrade
 * request goes to the app; a 101 answer joins the two connections byte for byte (the gateway
 * sees no further requests on it: per-request checks end at the upgrade, docs/http-apps.md);
 * any other answer is relayed and the connection closed.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';

export interface UpgradeRelay {
  send: (options: RequestOptions) => ClientRequest;
  options: RequestOptions;
  /** The client's connection, detached from the HTTP server. */
  client: Duplex;
  /** Bytes the client sent after the Upgrade request's head. */
  head: Buffer;
  /** Deadline for the app's answer to the Upgrade request. */
  timeoutMs: number;
  /** The app did not answer: the caller answers the client. */
  onRefused: (error: NodeJS.ErrnoException) => void;
  /** The exchange ended: the app's status and the bytes it sent. */
  onDone: (status: number, bytes: number) => void;
}

function head(status: number, message: string, raw: string[]): string {
  const lines = [`HTTP/1.1 ${status} ${message}`];
  for (let i = 0; i + 1 < raw.length; i += 2) lines.push(`${raw[i]}: ${raw[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function relayUpgrade(relay: UpgradeRelay): void {
  const { client } = relay;
  const request = relay.send(relay.options);
  let settled = false;
  const timer = setTimeout(() => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), relay.timeoutMs);
  timer.unref();
  client.once('close', () => {
    if (!settled) request.destroy();
  });
  request.on('error', (error: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (settled) return;
    settled = true;
    relay.onRefused(error);
  });
  request.on('upgrade', (response: IncomingMessage, upstream: Duplex, upstreamHead: Buffer) => {
    clearTimeout(timer);
    settled = true;
    let bytes = upstreamHead.length;
    client.write(head(101, response.statusMessage ?? 'Switching Protocols', response.rawHeaders));
    if (upstreamHead.length > 0) client.write(upstreamHead);
    if (relay.head.length > 0) upstream.write(relay.head);
    upstream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      relay.onDone(101, bytes);
    };
    upstream.on('close', () => {
      client.destroy();
      end();
    });
    client.on('close', () => {
      upstream.destroy();
      end();
    });
    upstream.pipe(client);
    client.pipe(upstream);
  });
  request.on('response', (response: IncomingMessage) => {
    // The app declined the upgrade: relay its answer as is, then close.
    clearTimeout(timer);
    settled = true;
    let bytes = 0;
    // Its body is written decoded and delimited by the close (no length, no chunking).
    const kept: string[] = [];
    for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
      const name = response.rawHeaders[i] as string;
      if (!/^(connection|keep-alive|transfer-encoding|content-length|upgrade)$/i.test(name)) kept.push(name, response.rawHeaders[i + 1] as string);
    }
    client.write(head(response.statusCode ?? 502, response.statusMessage ?? '', [...kept, 'connection', 'close']));
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      client.write(chunk);
    });
    response.on('end', () => {
      client.end();
      relay.onDone(response.statusCode ?? 502, bytes);
    });
    response.on('error', () => client.destroy());
  });
  request.end();
}
