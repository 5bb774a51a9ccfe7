/**
 * Several proxy nodes of one deployment in one test process, and crashing one abruptly, for the
 * agent's failover (docs/failover.md). The nodes share the data dir: the CA, the server
 * certificate, the session signing key and the SQLite store file (two connections in one
 * process, which WAL allows). They also share `publicUrl`, the session tokens' issuer, as the
 * nodes of a real deployment must. The multi-process test on PostgreSQL kills real processes.
 */
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createEnrollmentToken } from '../../proxy/devices/index.ts';
import { startProxy, type RunningProxy } from '../../proxy/server/index.ts';
import { enrollWithToken } from '../../agent/core/enroll/index.ts';
import type { ProxyEndpoints } from '../../agent/core/http/index.ts';
import { AgentHome, type DeviceCredentials } from '../../agent/core/state/index.ts';
import { listenApp, TunnelClient, type AppListener, type TunnelState } from '../../agent/core/tunnel/index.ts';

/** A node whose TCP connections are tracked, so that it can die like a killed process. */
export interface CrashableNode {
  proxy: RunningProxy;
  /** The node's origin as agents are given it. */
  url: string;
  /** TLS connections currently open to the node. */
  readonly connections: number;
  /**
   * Dies as SIGKILL would, seen from the network: stops listening (new connections are
   * refused) and resets every open connection (RST). The node's in-memory state stays until
   * {@link close}.
   */
  crash(): Promise<void>;
  /** Releases the node (after a crash too). */
  close(): Promise<void>;
}

/** Starts tracking `proxy`'s connections; call before any agent connects. */
export function crashable(proxy: RunningProxy, url = proxy.url): CrashableNode {
  const sockets = new Set<Socket>();
  const server = proxy.built.app.server;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let crashed = false;
  return {
    proxy,
    url,
    get connections() {
      return sockets.size;
    },
    async crash() {
      crashed = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.resetAndDestroy();
      await closed;
    },
    async close() {
      if (!crashed) {
        await proxy.close();
        return;
      }
      // The server is already closed: fastify's close would fail on it; release the rest.
      await proxy.close().catch(() => undefined);
    },
  };
}

/**
 * Starts another node of `first`'s deployment on `host:port` (port 0: any free one), on the same
 * data dir and with the same configuration otherwise.
 */
export async function startSecondNode(first: RunningProxy, listen: { host?: string; port?: number } = {}): Promise<RunningProxy> {
  const server = first.config.server;
  return startProxy({
    config: { ...first.config, server: { ...server, listen: { ...server.listen, host: listen.host ?? server.listen.host, port: listen.port ?? 0 } } },
  });
}

/** Enrols a device with a one-time token through the real agent code, giving it several proxy URLs. */
export async function enrollWithUrls(first: RunningProxy, dir: string, user: string, proxyUrls: string[], hostname = 'failover-host'): Promise<DeviceCredentials & { home: AgentHome }> {
  const { token } = await createEnrollmentToken(first.store, user, 60_000);
  const home = new AgentHome(join(dir, `agent-${hostname}`));
  await enrollWithToken({ proxyUrls, token, caFingerprint: first.pki.caFingerprint, home, hostname });
  return { ...home.loadCredentials(), home };
}

/** A running agent core that records its state changes with timestamps. */
export interface WatchedAgent {
  client: TunnelClient;
  listeners: Map<string, AppListener>;
  port(app: string): number;
  /** Every state change, with `Date.now()` and the endpoint's origin and address when connected. */
  events: { at: number; state: TunnelState; origin?: string; address?: string }[];
  stop(): Promise<void>;
}

/** Starts the real tunnel client with local listeners; waits until connected. */
export async function startWatchedAgent(
  credentials: DeviceCredentials,
  apps: string[],
  options: { endpoints?: ProxyEndpoints; backoffMaxMs?: number; keepaliveMs?: number } = {},
): Promise<WatchedAgent> {
  const events: WatchedAgent['events'] = [];
  const client = new TunnelClient({
    credentials,
    backoff: { initialMs: 50, maxMs: options.backoffMaxMs ?? 500 },
    ...(options.endpoints === undefined ? {} : { endpoints: options.endpoints }),
    ...(options.keepaliveMs === undefined ? {} : { keepaliveMs: options.keepaliveMs }),
    onState: (state, detail) => {
      events.push({ at: Date.now(), state, ...(state === 'connected' && detail?.endpoint !== undefined ? { origin: detail.endpoint.origin, address: detail.endpoint.address } : {}) });
    },
  });
  client.start();
  await client.waitConnected(10_000);
  const listeners = new Map<string, AppListener>();
  for (const app of apps) listeners.set(app, await listenApp(client, app, { host: '127.0.0.1', port: 0 }));
  return {
    client,
    listeners,
    events,
    port: (app) => listeners.get(app)!.address.port,
    async stop() {
      await Promise.all([...listeners.values()].map((l) => l.close()));
      await client.stop();
    },
  };
}
