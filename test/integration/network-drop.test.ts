import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCheck, startAgent, type RunningAgent } from '../helpers/agent.ts';
import { startEchoStack, TEST_USER, waitFor, type EchoStack } from '../helpers/stack.ts';

/** A TCP relay in front of the proxy whose existing connections can be frozen: bytes stop, no FIN, no RST. */
async function startRelay(targetPort: number) {
  const pairs: [Socket, Socket][] = [];
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return pairs.length;
    },
    /** Simulates a dropped network: every existing connection goes silent. */
    freeze() {
      for (const [a, b] of pairs) {
        a.unpipe();
        b.unpipe();
        a.pause();
        b.pause();
      }
    },
    close() {
      for (const [a, b] of pairs) (a.destroy(), b.destroy());
      server.close();
    },
  };
}

describe('the agent survives a silently dropped network', () => {
  let stack: EchoStack;
  let agent: RunningAgent;
  let relay: Awaited<ReturnType<typeof startRelay>>;

  beforeAll(async () => {
    stack = await startEchoStack();
    relay = await startRelay(stack.proxy.port);
    agent = await startAgent(await stack.enroll(TEST_USER), ['echo'], { keepaliveMs: 200, proxyUrl: `https://127.0.0.1:${relay.port}` });
  });
  afterAll(async () => {
    await agent.stop();
    relay.close();
    await stack.close();
  });

  it('notices unanswered pings, reconnects, and new connections work', async () => {
    expect(await echoCheck(agent.port('echo'), 64 * 1024)).toBe(true);
    expect(relay.connections).toBe(1);
    relay.freeze();
    await waitFor(() => relay.connections >= 2 && agent.client.state === 'connected', 10_000, 'a new tunnel through the relay');
    expect(await echoCheck(agent.port('echo'), 64 * 1024)).toBe(true);
  });
});
