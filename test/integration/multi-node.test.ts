/**
 * Scale-out (issue 7, DESIGN.md §8): proxy processes sharing one PostgreSQL store. Real
 * `zerogate-proxy serve` processes, real agents (TunnelClient + local listeners), real
 * PostgreSQL: the shared server for most tests, a private one for the outage test.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollWithToken } from '../../agent/core/enroll/index.ts';
import { ProxyEndpoints } from '../../agent/core/http/index.ts';
import { AgentHome } from '../../agent/core/state/index.ts';
import { listenApp, TunnelClient, type AppListener } from '../../agent/core/tunnel/index.ts';
import { createEnrollmentToken } from '../../proxy/devices/index.ts';
import { echoCheck, startAgent, tryUpgrade, type RunningAgent } from '../helpers/agent.ts';
import { apiCall, readyz, startCluster, type Cluster } from '../helpers/cluster.ts';
import { freshSchema, startPrivatePostgres, urlWithSchema, type PrivatePostgres, type TestSchema } from '../helpers/postgres.ts';
import { requestJson } from '../helpers/http.ts';
import { startEchoServer, startEchoStack, tempDir, TEST_USER, waitFor, type CountingServer, type EchoStack } from '../helpers/stack.ts';
import { AUDIT_BACKLOG_MAX } from '../../proxy/audit/index.ts';

const catalog = (echoPort: number): string =>
  [
    'apps:',
    '  - id: echo',
    `    upstream: tcp://127.0.0.1:${echoPort}`,
    '    policy: team',
    'policies:',
    '  team:',
    `    allow: [{ users: ["${TEST_USER}"] }]`,
  ].join('\n');

/** A live echo stream through an agent's listener: resolves `ended` with how the application saw it end. */
async function liveStream(port: number): Promise<{ socket: Socket; ended: Promise<{ how: string; at: number }> }> {
  const socket = connect({ host: '127.0.0.1', port });
  const ended = new Promise<{ how: string; at: number }>((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => resolve({ how: e.code ?? 'error', at: Date.now() }));
    socket.on('end', () => resolve({ how: 'end', at: Date.now() }));
    socket.on('close', () => resolve({ how: 'close', at: Date.now() }));
  });
  socket.write('ping');
  await new Promise<void>((r) => socket.once('data', () => r()));
  return { socket, ended };
}

/** Whether a new connection through the listener is refused (the stream was denied) rather than echoed. */
async function refused(port: number): Promise<boolean> {
  return echoCheck(port, 1024).then(
    (ok) => !ok,
    () => true,
  );
}

describe('several proxy nodes on one PostgreSQL store', () => {
  let schema: TestSchema;
  let echo: CountingServer;
  let cluster: Cluster;
  const agents: RunningAgent[] = [];

  beforeAll(async () => {
    [schema, echo] = await Promise.all([freshSchema(), startEchoServer()]);
    cluster = await startCluster({ size: 2, storeUrl: schema.url, catalog: catalog(echo.port) });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
    await cluster?.close();
    await echo?.close();
    await schema?.drop();
  });

  it('resets the streams on node B of a device revoked through node A, in under 2 s', async () => {
    const [a, b] = cluster.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
    const creds = await cluster.enroll(TEST_USER, a);
    const agent = await startAgent(creds, ['echo'], { proxyUrl: b.url });
    agents.push(agent);
    const live = await liveStream(agent.port('echo'));
    const started = Date.now();
    const revoked = await apiCall(a.url, cluster.caPem, 'POST', `/v1/admin/devices/${creds.enrollment.deviceId}/revoke`, cluster.adminToken, { reason: 'lost laptop' });
    expect(revoked.status, revoked.text).toBe(200);
    const { how, at } = await live.ended;
    const ms = at - started;
    console.log(`revocation through node A reset the stream on node B in ${ms} ms`);
    expect(how).toBe('ECONNRESET');
    expect(ms).toBeLessThan(2_000);
    // The reconnect on B is refused too: the device is revoked everywhere.
    await waitFor(() => agent.client.state === 'denied', 5_000, 'the reconnect to be refused');
    expect(agent.client.lastProblem).toMatchObject({ code: 'ZG_ERR_AUTH_DEVICE_REVOKED' });
  });

  it('applies on node B a policy edited through node A: its live stream is reset and a new one denied', async () => {
    const [a, b] = cluster.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
    const creds = await cluster.enroll(TEST_USER, a);
    const agent = await startAgent(creds, ['echo'], { proxyUrl: b.url });
    agents.push(agent);
    const live = await liveStream(agent.port('echo'));
    const edited = await apiCall(a.url, cluster.caPem, 'PUT', '/v1/admin/policies/team', cluster.adminToken, { policy: { allow: [{ users: ['someone-else@example.com'] }] }, reason: 'test' });
    expect(edited.status, edited.text).toBe(200);
    const { how } = await live.ended;
    expect(how).toBe('ECONNRESET');
    expect(await refused(agent.port('echo'))).toBe(true);
    // Put it back through node B; node A's streams would follow the same way.
    const restored = await apiCall(b.url, cluster.caPem, 'PUT', '/v1/admin/policies/team', cluster.adminToken, { policy: { allow: [{ users: [TEST_USER] }] } });
    expect(restored.status, restored.text).toBe(200);
    await waitFor(async () => !(await refused(agent.port('echo'))), 5_000, 'the restored policy to apply on node B');
  });

  it('carries an agent through the TCP load balancer: mTLS ends at the node', async () => {
    const creds = await cluster.enroll(TEST_USER);
    const agent = await startAgent(creds, ['echo'], { proxyUrl: cluster.publicUrl });
    agents.push(agent);
    expect(await echoCheck(agent.port('echo'), 256 * 1024)).toBe(true);
    expect([...cluster.balancer.counts.values()].reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
  });

  it('fails an agent over to node B within 5 s when node A is killed mid-transfer, and new connections work', async () => {
    const [a, b] = cluster.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
    const creds = await cluster.enroll(TEST_USER, a);
    const client = new TunnelClient({ credentials: creds, endpoints: new ProxyEndpoints([a.url, b.url]), backoff: { initialMs: 50, maxMs: 500 } });
    client.start();
    let listener: AppListener | undefined;
    try {
      await client.waitConnected(10_000);
      expect(client.endpoint?.origin).toBe(a.url);
      listener = await listenApp(client, 'echo', { host: '127.0.0.1', port: 0 });
      // A transfer in flight: the application keeps writing and reading.
      const transfer = connect({ host: '127.0.0.1', port: listener.address.port });
      let echoed = 0;
      transfer.on('data', (c: Buffer) => (echoed += c.length));
      const broken = new Promise<void>((r) => {
        transfer.on('error', () => r());
        transfer.on('close', () => r());
      });
      const pump = setInterval(() => transfer.write(randomBytes(16 * 1024)), 5);
      await waitFor(() => echoed > 256 * 1024, 10_000, 'the transfer to be under way');
      const killedAt = Date.now();
      await a.kill('SIGKILL');
      await broken;
      clearInterval(pump);
      await waitFor(() => client.state === 'connected' && client.endpoint?.origin === b.url, 5_000, 'the agent to reconnect to node B');
      const seconds = (Date.now() - killedAt) / 1000;
      console.log(`agent failed over from killed node A to node B in ${seconds.toFixed(2)} s`);
      expect(seconds).toBeLessThan(5);
      expect(await echoCheck(listener.address.port, 128 * 1024)).toBe(true);
    } finally {
      await listener?.close();
      await client.stop();
    }
  }, 30_000);
});

describe('PostgreSQL outage and node crash', () => {
  let pg: PrivatePostgres;
  let echo: CountingServer;
  let cluster: Cluster;

  beforeAll(async () => {
    [pg, echo] = await Promise.all([startPrivatePostgres(), startEchoServer()]);
    cluster = await startCluster({ size: 2, storeUrl: urlWithSchema(pg.url, 'public'), catalog: catalog(echo.port) });
  }, 90_000);
  afterAll(async () => {
    await cluster?.close();
    await echo?.close();
    await pg?.destroy();
  });

  it('loses no audit event acknowledged before node A was killed', async () => {
    const [a] = cluster.nodes as [Cluster['nodes'][0]];
    const n = 12;
    const names = Array.from({ length: n }, (_, i) => `durable-${i}`);
    for (const name of names) {
      const reply = await apiCall(a.url, cluster.caPem, 'PUT', `/v1/admin/policies/${name}`, cluster.adminToken, { policy: { allow: [{ users: [TEST_USER] }] } });
      expect(reply.status, reply.text).toBe(200);
    }
    // Right after the last answer: no graceful shutdown, no flush.
    await a.kill('SIGKILL');
    const events = await cluster.store.queryAudit({ type: 'admin.change', limit: 1000 });
    const stored = new Set(events.map((e) => e.detail?.policy));
    expect(names.filter((name) => !stored.has(name))).toEqual([]);
  });

  it('refuses new sessions and enrolments while PostgreSQL is down, then recovers without a restart', async () => {
    const [, b] = cluster.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
    const creds = await cluster.enroll(TEST_USER, b);
    const spare = await cluster.enroll(TEST_USER, b);
    const { token } = await createEnrollmentToken(cluster.store, TEST_USER, 600_000);
    const agent = await startAgent(creds, ['echo'], { proxyUrl: b.url });
    try {
      expect(await echoCheck(agent.port('echo'), 1024)).toBe(true);
      expect(await readyz(b, cluster.caPem)).toBe(200);

      await pg.stop('immediate');
      await waitFor(async () => (await readyz(b, cluster.caPem)) === 503, 10_000, 'readyz to report the store down');
      const tls = { ca: spare.caPem, cert: spare.certPem, key: spare.keyPem };
      const upgrade = await tryUpgrade(b.url, tls, spare.session?.token);
      expect(upgrade).toMatchObject({ opened: false, status: 503, body: { code: 'ZG_ERR_STORE_UNAVAILABLE' } });
      const enrolment = await enrollWithToken({ proxyUrl: b.url, token, caFingerprint: cluster.caFingerprint, home: new AgentHome(tempDir('zg-outage-')), hostname: 'outage' }).then(
        () => 'enrolled',
        (e: unknown) => (e as { code?: string }).code,
      );
      expect(enrolment).toBe('ZG_ERR_STORE_UNAVAILABLE');
      // The live tunnel stays up, but a new stream on it is refused (fail closed) and audited on B.
      expect(await refused(agent.port('echo'))).toBe(true);

      await pg.start();
      await waitFor(async () => (await readyz(b, cluster.caPem)) === 200, 20_000, 'readyz to recover');
      const upgraded = await tryUpgrade(b.url, tls, spare.session?.token);
      expect(upgraded.opened).toBe(true);
      await waitFor(async () => !(await refused(agent.port('echo'))), 10_000, 'new streams on the live tunnel');
      const fresh = await startAgent(spare, ['echo'], { proxyUrl: b.url });
      try {
        expect(await echoCheck(fresh.port('echo'), 1024)).toBe(true);
      } finally {
        await fresh.stop();
      }
      // The denial B recorded while PostgreSQL was down reached the store once it was back.
      await waitFor(
        async () => {
          const denied = await cluster.store.queryAudit({ type: 'stream.deny', device: creds.enrollment.deviceId, limit: 50 });
          return denied.some((e) => e.detail?.code === 'ZG_ERR_STORE_UNAVAILABLE');
        },
        10_000,
        'the outage-time audit event in the store',
      );
    } finally {
      await agent.stop();
    }
  }, 60_000);
});


describe('a node fails closed when its store misbehaves (in process)', () => {
  let stack: EchoStack;

  beforeAll(async () => {
    stack = await startEchoStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Makes every store call but `close` reject as a driver would, with a plain error; returns the undo. */
  function breakStore(): () => void {
    const store = stack.proxy.store as unknown as Record<string, unknown>;
    const proto = Object.getPrototypeOf(store) as Record<string, unknown>;
    const broken = Object.getOwnPropertyNames(proto).filter((name) => name !== 'constructor' && name !== 'close' && name !== 'subscribe' && typeof proto[name] === 'function');
    for (const name of broken) store[name] = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    return () => {
      for (const name of broken) delete store[name];
    };
  }

  it('answers 503 ZG_ERR_STORE_UNAVAILABLE, never 500, to enrolments and tunnel upgrades while the store is unreachable', async () => {
    const creds = await stack.enroll(TEST_USER);
    const { token } = await createEnrollmentToken(stack.proxy.store, TEST_USER, 60_000);
    const restore = breakStore();
    try {
      const upgrade = await tryUpgrade(stack.proxy.url, { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem }, creds.session?.token);
      expect(upgrade).toMatchObject({ opened: false, status: 503, body: { code: 'ZG_ERR_STORE_UNAVAILABLE' } });
      const enrolment = await enrollWithToken({ proxyUrl: stack.proxy.url, token, caFingerprint: stack.proxy.pki.caFingerprint, home: new AgentHome(tempDir('zg-broken-')), hostname: 'h' }).then(
        () => 'enrolled',
        (e: unknown) => (e as { code?: string }).code,
      );
      expect(enrolment).toBe('ZG_ERR_STORE_UNAVAILABLE');
    } finally {
      restore();
    }
    expect((await tryUpgrade(stack.proxy.url, { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem }, creds.session?.token)).opened).toBe(true);
  });

  it('refuses new access and reports not ready while the audit backlog is full, and recovers once the store takes events', async () => {
    const creds = await stack.enroll(TEST_USER);
    const store = stack.proxy.store as unknown as Record<string, unknown>;
    store.appendAudit = () => Promise.reject(new Error('disk full'));
    try {
      for (let i = 0; i < AUDIT_BACKLOG_MAX; i++) stack.proxy.audit.record({ type: 'test.filler', detail: { i } });
      expect(stack.proxy.audit.accepting).toBe(false);
      const ready = await requestJson(`${stack.proxy.url}/readyz`, { method: 'GET', tls: { ca: stack.proxy.pki.ca.certPem } });
      expect(ready.status).toBe(503);
      const upgrade = await tryUpgrade(stack.proxy.url, { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem }, creds.session?.token);
      expect(upgrade).toMatchObject({ opened: false, status: 503, body: { code: 'ZG_ERR_STORE_UNAVAILABLE' } });
    } finally {
      delete store.appendAudit;
    }
    await waitFor(() => stack.proxy.audit.backlog === 0, 20_000, 'the backlog to drain');
    expect((await tryUpgrade(stack.proxy.url, { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem }, creds.session?.token)).opened).toBe(true);
    expect((await stack.proxy.store.queryAudit({ type: 'test.filler', limit: 1 }))[0]?.detail).toEqual({ i: AUDIT_BACKLOG_MAX - 1 });
  }, 40_000);
});
