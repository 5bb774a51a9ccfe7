import { createServer } from 'node:net';
import { join } from 'node:path';
import { createIdentity, type Identity, type IdentityOptions } from '../identity/setup.ts';
import { AuditLog } from '../audit/index.ts';
import { RevocationWatcher } from '../devices/index.ts';
import type { ProxyConfig } from '../config/index.ts';
import { initPki, loadPki, type LoadedPki } from '../pki/index.ts';
import { PostgresStore, redactStoreUrl, SqliteStore, type Store } from '../store/index.ts';
import { buildApp, type BuiltApp } from './app.ts';
import { REEVALUATE_INTERVAL_MS } from '../tunnel/session.ts';

export interface StartOptions {
  config: ProxyConfig;
  /** Print lines for the operator (the CLI passes console.error). */
  log?: (line: string) => void;
  /** Identity layer options (tests: a fetch that trusts a test IdP's CA). */
  identity?: IdentityOptions;
}

export interface RunningProxy {
  /** The actual origin, e.g. `https://127.0.0.1:8443` (the port is resolved when 0 was asked). */
  url: string;
  port: number;
  config: ProxyConfig;
  pki: LoadedPki;
  store: Store;
  audit: AuditLog;
  built: BuiltApp;
  identity: Identity;
  close(): Promise<void>;
}

/**
 * A free TCP port on `host`, for `listen` port 0: the embedded IdP's issuer URL must name the
 * real port before the server is built (tests and throwaway proxies).
 */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fills in a port chosen by the system (`listen: host:0`), also in a derived publicUrl. */
async function withRealPort(config: ProxyConfig): Promise<ProxyConfig> {
  if (config.server.listen.port !== 0) return config;
  const port = await freePort(config.server.listen.host);
  const url = new URL(config.server.publicUrl);
  if (url.port === '0') url.port = String(port);
  return { ...config, server: { ...config.server, listen: { ...config.server.listen, port }, publicUrl: url.origin } };
}

export const STORE_FILE = 'zerogate.db';

/**
 * Opens the store the config names: PostgreSQL at `store.url` (migrated at open; refused with
 * ZG_ERR_STORE_SCHEMA_NEWER when newer than this node), else SQLite in the data dir. The CLI's
 * offline commands use it too, so they write where the proxy reads.
 */
export async function openStore(config: ProxyConfig, log: (line: string) => void = () => undefined): Promise<Store> {
  if (config.store.url === undefined) return SqliteStore.open(join(config.dataDir, STORE_FILE));
  const store = await PostgresStore.open(config.store.url);
  log(`store: PostgreSQL at ${redactStoreUrl(config.store.url)}`);
  return store;
}

/**
 * Starts a proxy node: on first start creates the CA and server certificate in the data dir,
 * opens the store, and listens on the one TLS port.
 */
export async function startProxy(options: StartOptions): Promise<RunningProxy> {
  const config = await withRealPort(options.config);
  const log = options.log ?? (() => undefined);
  const init = await initPki(config.dataDir, config.server.hostnames);
  if (init.created) log(`created a device CA in ${config.dataDir}`);
  const pki = await loadPki(config.dataDir);
  const store = await openStore(config, log);
  const audit = new AuditLog(store, config.audit.file);
  let built: BuiltApp;
  let identity: Identity | undefined;
  try {
    identity = await createIdentity(config, store, audit, options.identity);
    built = await buildApp({ config, store, pki, audit, identity });
    await built.app.listen({ host: config.server.listen.host, port: config.server.listen.port });
  } catch (error) {
    await identity?.close();
    await audit.close();
    await store.close();
    throw error;
  }
  const watcher = new RevocationWatcher(store, built.sessions, audit);
  watcher.start();
  // Time-based triggers (posture growing stale, a policy's maxAuthAge passing) are caught by
  // deciding again for every live stream each REEVALUATE_INTERVAL_MS; events (a report, a
  // policy change, a revocation) act at once.
  const ticker = setInterval(() => {
    for (const session of built.sessions.all()) session.reevaluate('time');
  }, REEVALUATE_INTERVAL_MS);
  ticker.unref();
  const address = built.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.listen.port;
  const host = config.server.listen.host === '0.0.0.0' || config.server.listen.host === '::' ? '127.0.0.1' : config.server.listen.host;
  log(`zerogate proxy listening on https://${host.includes(':') ? `[${host}]` : host}:${port}`);
  log(`device CA fingerprint (SHA-256): ${pki.caFingerprint}`);
  let closing: Promise<void> | undefined;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    config,
    pki,
    store,
    audit,
    built,
    identity,
    close() {
      closing ??= (async () => {
        watcher.stop();
        clearInterval(ticker);
        built.sessions.terminateAll({ code: 'ZG_ERR_TUNNEL_CLOSED', reasons: [], message: 'the proxy is shutting down' }, 1001);
        await built.app.close();
        await identity.close();
        await audit.close();
        await store.close();
      })();
      return closing;
    },
  };
}
