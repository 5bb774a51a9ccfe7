import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoCheck, startAgent, type RunningAgent } from '../helpers/agent.ts';
import { startEchoStack, TEST_USER, type EchoStack } from '../helpers/stack.ts';

describe('the agent adopts the tunnel limits the proxy announces', () => {
  let stack: EchoStack;
  let agent: RunningAgent;

  beforeAll(async () => {
    stack = await startEchoStack({
      limits: { maxFramePayload: 16 * 1024, initialWindow: 32 * 1024, maxStreams: 4 },
    });
    agent = await startAgent(await stack.enroll(TEST_USER), ['echo']);
  });
  afterAll(async () => {
    await agent.stop();
    await stack.close();
  });

  it('uses the proxy frame size and window (a mismatch would be a 1002 flow-control close)', async () => {
    expect(agent.client.mux?.limits).toMatchObject({ maxFramePayload: 16 * 1024, initialWindow: 32 * 1024, maxStreams: 4 });
    expect(await echoCheck(agent.port('echo'), 4 * 1024 * 1024)).toBe(true);
    const checks = await Promise.all([1, 2, 3, 4].map(() => echoCheck(agent.port('echo'), 512 * 1024)));
    expect(checks).toEqual([true, true, true, true]);
  });
});
