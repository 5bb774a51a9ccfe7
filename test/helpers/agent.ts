import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { listenApp, TunnelClient, type AppListener } from '../../agent/core/tunnel/index.ts';
import { decodeFrame, type Frame } from '../../shared/wire/index.ts';
import { sha256 } from './stack.ts';

export interface RunningAgent {
  client: TunnelClient;
  listeners: Map<string, AppListener>;
  port(app: string): number;
  stop(): Promise<void>;
}

/** Starts the real agent core: a tunnel client and a local listener per app. */
export async function startAgent(
  credentials: DeviceCredentials,
  apps: string[],
  options: { backoffMaxMs?: number; keepaliveMs?: number; proxyUrl?: string } = {},
): Promise<RunningAgent> {
  const client = new TunnelClient({
    credentials,
    backoff: { initialMs: 50, maxMs: options.backoffMaxMs ?? 500 },
    ...(options.keepaliveMs === undefined ? {} : { keepaliveMs: options.keepaliveMs }),
    ...(options.proxyUrl === undefined ? {} : { proxyUrl: options.proxyUrl }),
  });
  client.start();
  await client.waitConnected(10_000);
  const listeners = new Map<string, AppListener>();
  for (const app of apps) listeners.set(app, await listenApp(client, app, { host: '127.0.0.1', port: 0 }));
  return {
    client,
    listeners,
    port: (app) => listeners.get(app)!.address.port,
    async stop() {
      await Promise.all([...listeners.values()].map((l) => l.close()));
      await client.stop();
    },
  };
}

/** Sends `payload` over a fresh connection to `port`, half-closes, and collects everything echoed back. */
export function roundTrip(port: number, payload: Uint8Array, chunk = 64 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('end', () => {
      socket.end();
      resolve(Buffer.concat(received));
    });
    socket.on('error', reject);
    socket.on('connect', () => {
      let offset = 0;
      const pump = (): void => {
        while (offset < payload.length) {
          const part = payload.subarray(offset, Math.min(offset + chunk, payload.length));
          offset += part.length;
          if (!socket.write(part)) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    });
  });
}

export async function echoCheck(port: number, size: number): Promise<boolean> {
  const payload = randomBytes(size);
  const back = await roundTrip(port, payload);
  return back.length === payload.length && sha256(back) === sha256(payload);
}

/** A raw tunnel WebSocket for protocol-level tests: sends bytes, records decoded frames and the close code. */
export interface RawTunnel {
  ws: WebSocket;
  frames: Frame[];
  closed: Promise<{ code: number; reason: string }>;
}

export function openRawTunnel(url: string, credentials: DeviceCredentials): Promise<RawTunnel> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('https:', 'wss:')}/v1/tunnel`, {
      ca: credentials.caPem,
      cert: credentials.certPem,
      key: credentials.keyPem,
      perMessageDeflate: false,
      ...(credentials.session === undefined ? {} : { headers: { authorization: `Bearer ${credentials.session.token}` } }),
    });
    const frames: Frame[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data) => frames.push(decodeFrame(data as Buffer)));
    ws.on('open', () => resolve({ ws, frames, closed }));
    ws.on('error', reject);
  });
}

/** What the proxy answered to a tunnel upgrade attempt. */
export interface UpgradeOutcome {
  opened: boolean;
  status?: number;
  body?: { code: string; reasons: string[]; message: string } & Record<string, unknown>;
  text?: string;
  /** The Retry-After header of a refusal, when there was one. */
  retryAfter?: string;
}

/**
 * Attempts the tunnel upgrade with a TLS identity and an optional session token, and reports
 * what the proxy answered; an opened tunnel is closed at once. `source` binds the client to a
 * local address (a different 127.0.0.x per test keeps per-source limits apart).
 */
export function tryUpgrade(url: string, tls: { ca: string; cert?: string; key?: string }, bearer?: string, source?: string): Promise<UpgradeOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('https:', 'wss:')}/v1/tunnel`, {
      ...tls,
      ...(source === undefined ? {} : { localAddress: source }),
      ...(bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } }),
      perMessageDeflate: false,
    });
    ws.on('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const retryAfter = res.headers['retry-after'];
        resolve({ opened: false, status: res.statusCode ?? 0, body: JSON.parse(text) as UpgradeOutcome['body'], text, ...(typeof retryAfter === 'string' ? { retryAfter } : {}) });
      });
    });
    ws.on('error', () => undefined);
  });
}
