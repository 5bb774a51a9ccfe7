import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCheck, startAgent, type RunningAgent } from '../helpers/agent.ts';
import { freePort, restartProxyProcess, startProxyProcess, enrollHome, type ProxyProcess } from '../helpers/processes.ts';
import { startEchoServer, tempDir, TEST_USER, waitFor, type CountingServer } from '../helpers/stack.ts';

describe('the agent survives a proxy crash', () => {
  let dir: string;
  let port: number;
  let echo: CountingServer;
  let proxy: ProxyProcess;
  let agent: RunningAgent;

  beforeAll(async () => {
    dir = tempDir();
    port = await freePort();
    echo = await startEchoServer();
    proxy = await startProxyProcess(dir, port, `  - id: echo\n    upstream: tcp://127.0.0.1:${echo.port}\n    users: [${TEST_USER}]\n`);
    const home = await enrollHome(proxy, join(dir, 'home'), TEST_USER);
    agent = await startAgent(home.loadCredentials(), ['echo'], { backoffMaxMs: 400 });
  }, 60_000);
  afterAll(async () => {
    await agent?.stop();
    await proxy?.kill('SIGKILL');
    await echo?.close();
  });

  it('reconnects after SIGKILL and a restart of the proxy, and new connections work', async () => {
    expect(await echoCheck(agent.port('echo'), 1024 * 1024)).toBe(true);
    const states: string[] = [];
    await proxy.kill('SIGKILL');
    await waitFor(() => agent.client.state !== 'connected', 10_000, 'the agent to notice');
    states.push(agent.client.state);
    proxy = await restartProxyProcess(proxy.configFile, port);
    await waitFor(() => agent.client.state === 'connected', 15_000, 'the agent to reconnect');
    expect(states[0]).toMatch(/disconnected|connecting/);
    expect(await echoCheck(agent.port('echo'), 1024 * 1024)).toBe(true);
  }, 60_000);

  it('a connection made while the proxy is down is carried once it is back', async () => {
    await proxy.kill('SIGKILL');
    await waitFor(() => agent.client.state !== 'connected', 10_000, 'the agent to notice');
    const pending = echoCheck(agent.port('echo'), 64 * 1024);
    proxy = await restartProxyProcess(proxy.configFile, port);
    expect(await pending).toBe(true);
  }, 60_000);
});
