/**
 * The agent fails over between the nodes of one deployment (docs/failover.md): real proxy nodes
 * (in this process, sharing the data dir and the SQLite store), the real agent core, real TCP.
 * A node "crashes" as a SIGKILLed process looks from the network: it stops listening and its
 * connections are reset. The multi-process SIGKILL test on PostgreSQL builds on these helpers.
 */
import { connect, createServer as createTcpServer, type Socket } from 'node:net';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchApps } from '../../agent/core/apps/index.ts';
import { ProxyEndpoints, systemLookup, type ProxyEndpointsOptions } from '../../agent/core/http/index.ts';
import { TunnelClient } from '../../agent/core/tunnel/index.ts';
import { SessionKeeper } from '../../agent/core/session/index.ts';
import { echoCheck } from '../helpers/agent.ts';
import { crashable, enrollWithUrls, startSecondNode, startWatchedAgent, type CrashableNode, type WatchedAgent } from '../helpers/failover.ts';
import { startEchoStack, TEST_USER, waitFor, type EchoStack } from '../helpers/stack.ts';

/** The agent must be carrying new connections through another node within this long after a crash. */
const FAILOVER_BUDGET_MS = 5_000;

/** A port that was free a moment ago on every address in `hosts`. */
async function freePortOn(hosts: string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const servers: ReturnType<typeof createTcpServer>[] = [];
    let port = 0;
    try {
      for (const host of hosts) {
        const server = createTcpServer();
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, () => resolve());
        });
        port = (server.address() as { port: number }).port;
      }
      return port;
    } catch {
      // taken on one of the addresses: another port
    } finally {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
  }
  throw new Error(`no common free port on ${hosts.join(', ')}`);
}

/** A connection through the agent that keeps sending and counts what comes back, until it breaks. */
function startTransfer(port: number): { echoed: () => number; ended: Promise<'error' | 'close'>; socket: Socket } {
  const socket = connect({ host: '127.0.0.1', port });
  let echoed = 0;
  const chunk = randomBytes(16 * 1024);
  const ended = new Promise<'error' | 'close'>((resolve) => {
    socket.on('error', () => resolve('error'));
    socket.on('close', () => resolve('close'));
  });
  socket.on('data', (data: Buffer) => (echoed += data.length));
  const pump = (): void => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', pump);
  socket.on('connect', pump);
  return { echoed: () => echoed, ended, socket };
}

/** Time from the crash to the first `connected` event after it, on `origin`/`address`. */
function reconnectedAfter(agent: WatchedAgent, crashedAt: number): { at: number; origin?: string; address?: string } | undefined {
  return agent.events.find((e) => e.state === 'connected' && e.at >= crashedAt);
}

describe('failover between two proxy URLs', () => {
  let stack: EchoStack;
  let nodeA: CrashableNode;
  let nodeB: CrashableNode;
  let agent: WatchedAgent;
  let creds: Awaited<ReturnType<typeof enrollWithUrls>>;

  beforeAll(async () => {
    stack = await startEchoStack();
    nodeA = crashable(stack.proxy);
    nodeB = crashable(await startSecondNode(stack.proxy));
    creds = await enrollWithUrls(stack.proxy, stack.dir, TEST_USER, [nodeA.url, nodeB.url]);
    agent = await startWatchedAgent(creds, ['echo']);
  }, 30_000);
  afterAll(async () => {
    await agent?.stop();
    await nodeB?.close();
    await nodeA?.close();
    await stack?.echo.close();
  });

  it('stores both URLs in the enrolment record and connects to the first one given', async () => {
    expect(creds.enrollment.proxyUrls).toEqual([nodeA.url, nodeB.url]);
    expect(creds.enrollment.proxyUrl).toBe(nodeA.url);
    expect(agent.client.endpoint?.origin).toBe(nodeA.url);
    expect(await echoCheck(agent.port('echo'), 256 * 1024)).toBe(true);
  });

  it('when its node crashes mid-transfer, the stream is lost, and the agent is on the other node within 5 s with new connections working', async () => {
    const transfer = startTransfer(agent.port('echo'));
    await waitFor(() => transfer.echoed() > 256 * 1024, 10_000, 'data flowing through node A');
    const crashedAt = Date.now();
    await nodeA.crash();
    // The open stream cannot survive its node: the application sees its connection end.
    expect(await transfer.ended).toMatch(/error|close/);
    await waitFor(() => reconnectedAfter(agent, crashedAt) !== undefined, FAILOVER_BUDGET_MS, 'the agent to reconnect to node B');
    const reconnected = reconnectedAfter(agent, crashedAt)!;
    expect(reconnected.origin).toBe(nodeB.url);
    expect(await echoCheck(agent.port('echo'), 256 * 1024)).toBe(true);
    const carriedAt = Date.now();
    expect(carriedAt - crashedAt).toBeLessThan(FAILOVER_BUDGET_MS);
    console.info(`failover: reconnected to node B ${reconnected.at - crashedAt} ms after the crash; a new connection carried after ${carriedAt - crashedAt} ms`);
  });

  it("the agent's HTTPS calls go to the live node too: the app list and a session renewal", async () => {
    const keeper = new SessionKeeper({ home: creds.home, credentials: creds, warn: () => undefined });
    const apps = await fetchApps(creds, keeper.bearer());
    expect(apps.map((a) => a.id)).toContain('echo');
    const before = keeper.session?.token;
    await keeper.renewNow({ inBand: false });
    expect(keeper.session?.token).not.toBe(before);
    keeper.stop();
  });

  it('stays on the node that works (no flapping back to the first URL)', async () => {
    const connects = agent.events.filter((e) => e.state === 'connected').length;
    await new Promise((r) => setTimeout(r, 500));
    expect(agent.client.endpoint?.origin).toBe(nodeB.url);
    expect(agent.events.filter((e) => e.state === 'connected').length).toBe(connects);
  });
});

describe('which failures move the agent to the next URL', () => {
  let stack: EchoStack;
  let fake: HttpsServer;
  let fakeUrl: string;
  let status = 403;

  beforeAll(async () => {
    stack = await startEchoStack();
    // A server with the deployment's own certificate that answers every tunnel upgrade with `status`.
    fake = createHttpsServer({ cert: stack.proxy.pki.server.certPem, key: stack.proxy.pki.server.keyPem });
    fake.on('upgrade', (_request, socket: Socket) => {
      const body = JSON.stringify(
        status === 403
          ? { statusCode: 403, code: 'ZG_ERR_AUTH_DEVICE_REVOKED', reasons: ['device-revoked'], message: 'this device was revoked' }
          : { statusCode: 503, code: 'ZG_ERR_INTERNAL', reasons: [], message: 'node unavailable' },
      );
      socket.end(`HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', () => resolve()));
    fakeUrl = `https://127.0.0.1:${(fake.address() as { port: number }).port}`;
  }, 30_000);
  afterAll(async () => {
    fake?.close();
    await stack?.close();
  });

  it('login refuses a list that mixes deployments (another CA): ZG_ERR_PKI_FINGERPRINT_MISMATCH', async () => {
    const other = await startEchoStack();
    try {
      await expect(enrollWithUrls(stack.proxy, stack.dir, TEST_USER, [stack.proxy.url, other.proxy.url], 'mixed')).rejects.toMatchObject({ code: 'ZG_ERR_PKI_FINGERPRINT_MISMATCH' });
    } finally {
      await other.close();
    }
  });

  it('login keeps a URL that cannot be reached now (a node down for maintenance)', async () => {
    const dead = `https://127.0.0.1:${await freePortOn(['127.0.0.1'])}`;
    const creds = await enrollWithUrls(stack.proxy, stack.dir, TEST_USER, [dead, stack.proxy.url], 'one-down');
    expect(creds.enrollment.proxyUrls).toEqual([dead, stack.proxy.url]);
  });

  it('a refused connection (a node that is down) moves on at once', async () => {
    const dead = `https://127.0.0.1:${await freePortOn(['127.0.0.1'])}`;
    const creds = await stack.enroll(TEST_USER);
    const started = Date.now();
    const agent = await startWatchedAgent(creds, ['echo'], { endpoints: new ProxyEndpoints([dead, stack.proxy.url]) });
    try {
      expect(agent.client.endpoint?.origin).toBe(stack.proxy.url);
      // No backoff between the endpoints of one round.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await echoCheck(agent.port('echo'), 64 * 1024)).toBe(true);
    } finally {
      await agent.stop();
    }
  });

  it('a 403 refusal is an answer: the agent does not try another node', async () => {
    status = 403;
    const creds = await stack.enroll(TEST_USER);
    const events: string[] = [];
    const client = new TunnelClient({
      credentials: creds,
      endpoints: new ProxyEndpoints([fakeUrl, stack.proxy.url]),
      backoff: { initialMs: 50, maxMs: 200 },
      onState: (state) => events.push(state),
    });
    client.start();
    try {
      await waitFor(() => client.state === 'denied', 5_000, 'the refusal');
      expect(client.lastProblem?.code).toBe('ZG_ERR_AUTH_DEVICE_REVOKED');
      // Several retry rounds later it still has not gone to the healthy node.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(events).not.toContain('connected');
    } finally {
      await client.stop();
    }
  });

  it('a 5xx answer (a broken node) moves on to the next node', async () => {
    status = 503;
    const creds = await stack.enroll(TEST_USER);
    const agent = await startWatchedAgent(creds, ['echo'], { endpoints: new ProxyEndpoints([fakeUrl, stack.proxy.url]) });
    try {
      expect(agent.client.endpoint?.origin).toBe(stack.proxy.url);
      expect(await echoCheck(agent.port('echo'), 64 * 1024)).toBe(true);
    } finally {
      await agent.stop();
    }
  });
});

/**
 * One DNS name with several addresses: both nodes listen on the same port of different
 * loopback addresses; the agent is given one URL, `https://localhost:PORT`, and checks each
 * node's certificate against `localhost`.
 */
async function dnsFailover(addresses: string[], options: ProxyEndpointsOptions): Promise<void> {
  const stack = await startEchoStack();
  const port = await freePortOn(addresses);
  const nodeA = crashable(await startSecondNode(stack.proxy, { host: addresses[0]!, port }));
  const nodeB = crashable(await startSecondNode(stack.proxy, { host: addresses[1]!, port }));
  const url = `https://localhost:${port}`;
  const endpoints = new ProxyEndpoints([url], options);
  const agent = await startWatchedAgent(await stack.enroll(TEST_USER), ['echo'], { endpoints });
  try {
    expect(agent.client.endpoint).toMatchObject({ origin: url, hostname: 'localhost', address: addresses[0] });
    expect(nodeA.connections).toBe(1);
    expect(await echoCheck(agent.port('echo'), 64 * 1024)).toBe(true);
    const crashedAt = Date.now();
    await nodeA.crash();
    await waitFor(() => reconnectedAfter(agent, crashedAt) !== undefined, FAILOVER_BUDGET_MS, 'the agent to reconnect to the second address');
    expect(reconnectedAfter(agent, crashedAt)).toMatchObject({ origin: url, address: addresses[1] });
    expect(await echoCheck(agent.port('echo'), 64 * 1024)).toBe(true);
    console.info(`failover by DNS (${addresses.join(', ')}): reconnected ${reconnectedAfter(agent, crashedAt)!.at - crashedAt} ms after the crash`);
  } finally {
    await agent.stop();
    await nodeB.close();
    await nodeA.close();
    await stack.close();
  }
}

/** What the system resolver says of localhost here: the second DNS test needs two addresses. */
const resolved = await systemLookup('localhost').catch(() => []);
const distinct = [...new Set(resolved.map((a) => a.address))];
const reason = `localhost resolves to ${distinct.join(', ') || 'nothing'} on this machine (not to both 127.0.0.1 and ::1: see /etc/hosts)`;

/** Whether this machine has an IPv6 loopback to listen on. */
const ipv6Loopback = await new Promise<boolean>((resolve) => {
  const probe = createTcpServer();
  probe.once('error', () => resolve(false));
  probe.listen(0, '::1', () => probe.close(() => resolve(true)));
});

describe('one DNS name with several addresses', () => {
  it('with a resolver answering 127.0.0.1 and 127.0.0.2 for localhost, the agent moves to the second address', async () => {
    // The resolver is the one seam: getaddrinfo cannot be pointed at a test zone without root.
    // Everything else is real: both addresses are dialled, and TLS is checked against "localhost".
    await dnsFailover(['127.0.0.1', '127.0.0.2'], { lookup: async () => [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }] });
  }, 30_000);

  it.skipIf(!ipv6Loopback)(`with a resolver answering ::1 and 127.0.0.1 (an AAAA and an A record)${ipv6Loopback ? '' : ' - skipped: no IPv6 loopback on this machine'}`, async () => {
    await dnsFailover(['::1', '127.0.0.1'], { lookup: async () => [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }] });
  }, 30_000);

  it.skipIf(distinct.length < 2)(`through the system resolver (getaddrinfo), when localhost has several addresses${distinct.length < 2 ? ` - skipped: ${reason}` : ''}`, async () => {
    await dnsFailover(distinct.slice(0, 2), {});
  }, 30_000);
});
