/**
 * Several `zerogate-proxy serve` processes sharing one PostgreSQL store and the same key material
 * (DESIGN.md §8, docs/scale-out.md): the first node creates the device CA, the session signing
 * key, the embedded IdP's keys and the console's secrets in its data dir; the others get copies
 * (0600) before they start, as an operator would copy them, and issue their own server
 * certificates from the shared CA. Every node names the same public URL (the address a load
 * balancer would have), so a session token minted by one node is valid on every other.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrollWithToken } from '../../agent/core/enroll/index.ts';
import { AgentHome, type DeviceCredentials } from '../../agent/core/state/index.ts';
import { createApiToken } from '../../proxy/api/tokens.ts';
import { createEnrollmentToken } from '../../proxy/devices/index.ts';
import { SHARED_KEY_FILES } from '../../proxy/server/cluster.ts';
import { PostgresStore } from '../../proxy/store/postgres.ts';
import { freePort, PROXY_BIN, spawnCli, type Child } from './processes.ts';

export interface ClusterNode {
  name: string;
  port: number;
  /** This node's own address (agents that fail over list every node's). */
  url: string;
  dir: string;
  dataDir: string;
  configFile: string;
  process: Child | undefined;
  /** Starts `zerogate-proxy serve` and waits until it listens. */
  start(): Promise<void>;
  /** Signals the process (default SIGTERM) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  alive(): boolean;
}

export interface Cluster {
  nodes: ClusterNode[];
  /** The URL every node names as its own (issuer and audience of session tokens): the balancer's. */
  publicUrl: string;
  storeUrl: string;
  caPem: string;
  caFingerprint: string;
  /** A test-side handle on the shared store (tokens, audit queries). */
  store: PostgresStore;
  /** An admin API token (`zga_...`). */
  adminToken: string;
  /** A TCP load balancer on the public URL's port: TLS passes through to the nodes, round robin. */
  balancer: TcpBalancer;
  /** Enrols a fresh agent home through `node` with a one-time token; the credentials name that node. */
  enroll(user: string, node?: ClusterNode): Promise<DeviceCredentials>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  size: number;
  storeUrl: string;
  /** The YAML of `apps:` and anything after it (policies). */
  catalog: string;
}

/** A node's config: its own port, the shared store and public URL, its own data dir. */
function nodeConfig(port: number, publicUrl: string, storeUrl: string, catalog: string): string {
  return [
    'server:',
    `  listen: "127.0.0.1:${port}"`,
    '  hostnames: [localhost, 127.0.0.1]',
    `  publicUrl: "${publicUrl}"`,
    'dataDir: ./data',
    'store:',
    `  url: ${JSON.stringify(storeUrl)}`,
    'audit:',
    '  file: ./audit.jsonl',
    catalog,
  ].join('\n');
}

function makeNode(root: string, name: string, port: number, publicUrl: string, storeUrl: string, catalog: string): ClusterNode {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'zerogate.yaml');
  writeFileSync(configFile, nodeConfig(port, publicUrl, storeUrl, catalog));
  const node: ClusterNode = {
    name,
    port,
    url: `https://127.0.0.1:${port}`,
    dir,
    dataDir: join(dir, 'data'),
    configFile,
    process: undefined,
    async start() {
      const child = spawnCli(PROXY_BIN, ['serve', '--config', configFile]);
      node.process = child;
      await child.waitFor(/listening on/, 45_000);
    },
    async kill(signal = 'SIGTERM') {
      await node.process?.kill(signal);
    },
    alive() {
      const p = node.process?.process;
      return p !== undefined && p.exitCode === null && p.signalCode === null;
    },
  };
  return node;
}

/** Copies the key material every node must share from `from`'s data dir to `to`'s (0700 dir, 0600 files). */
export function copySharedKeys(from: string, to: string): string[] {
  mkdirSync(to, { recursive: true, mode: 0o700 });
  const copied: string[] = [];
  for (const file of SHARED_KEY_FILES) {
    if (!existsSync(join(from, file))) continue;
    copyFileSync(join(from, file), join(to, file));
    chmodSync(join(to, file), 0o600);
    copied.push(file);
  }
  return copied;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'zg-cluster-'));
  const balancerPort = await freePort();
  const publicUrl = `https://127.0.0.1:${balancerPort}`;
  const ports = await Promise.all(Array.from({ length: options.size }, () => freePort()));
  const nodes = ports.map((port, i) => makeNode(root, `node-${String.fromCharCode(97 + i)}`, port, publicUrl, options.storeUrl, options.catalog));
  const balancer = await startBalancer(balancerPort, nodes);
  let store: PostgresStore | undefined;
  const close = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    await balancer.close();
    await store?.close();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // The first node creates the keys (and migrates the schema); the others start from copies.
    const [first, ...rest] = nodes as [ClusterNode, ...ClusterNode[]];
    await first.start();
    for (const node of rest) copySharedKeys(first.dataDir, node.dataDir);
    await Promise.all(rest.map((n) => n.start()));
    store = await PostgresStore.open(options.storeUrl);
    const admin = await createApiToken(store, { role: 'admin', name: `ops-${randomUUID().slice(0, 8)}`, ttlMs: 3_600_000 });
    const caPem = readFileSync(join(first.dataDir, 'ca.pem'), 'utf8');
    const fp = /device CA fingerprint \(SHA-256\): ([0-9A-F:]{95})/.exec(first.process?.output() ?? '')?.[1];
    if (fp === undefined) throw new Error(`node-a did not print its CA fingerprint:\n${first.process?.output() ?? ''}`);
    const testStore = store;
    let homes = 0;
    return {
      nodes,
      publicUrl,
      storeUrl: options.storeUrl,
      caPem,
      caFingerprint: fp,
      store: testStore,
      adminToken: admin.token,
      balancer,
      async enroll(user, node = first) {
        const { token } = await createEnrollmentToken(testStore, user, 60_000);
        const home = new AgentHome(join(root, `agent-${++homes}`));
        await enrollWithToken({ proxyUrl: node.url, token, caFingerprint: fp, home, hostname: `host-${homes}` });
        return home.loadCredentials();
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface ApiReply {
  status: number;
  json: Record<string, unknown>;
  text: string;
}

/** One HTTPS call to a node's API with a bearer token (any method; the JSON helper only does GET/POST). */
export function apiCall(url: string, caPem: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, token: string, body?: unknown): Promise<ApiReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const request = httpsRequest(
      new URL(path, url),
      {
        method,
        ca: caPem,
        headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length }) },
        agent: false,
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
            // left {}: the assertion shows `text`
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** GET /readyz on a node: the status code, or 0 when nothing answers. */
export async function readyz(node: ClusterNode, caPem: string): Promise<number> {
  try {
    return (await apiCall(node.url, caPem, 'GET', '/readyz', 'none')).status;
  } catch {
    return 0;
  }
}

export interface TcpBalancer {
  port: number;
  /** Connections handed to each node, by name. */
  counts: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A TCP load balancer as an operator would run one in front of the nodes (HAProxy `mode tcp`):
 * bytes pass through untouched, so TLS, and with it the device's client certificate, ends at
 * the node. Round robin; a node that refuses the connection is skipped.
 */
export async function startBalancer(port: number, nodes: readonly ClusterNode[]): Promise<TcpBalancer> {
  let next = 0;
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const attempt = (tries: number): void => {
      if (tries >= nodes.length) {
        client.destroy();
        return;
      }
      const node = nodes[next++ % nodes.length]!;
      const upstream = connect({ host: '127.0.0.1', port: node.port, allowHalfOpen: true });
      let connected = false;
      upstream.on('error', () => {
        if (connected) client.destroy();
        else attempt(tries + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        counts.set(node.name, (counts.get(node.name) ?? 0) + 1);
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    port,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
