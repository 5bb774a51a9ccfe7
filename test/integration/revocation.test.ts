import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import type { ControlMessage } from '../../shared/wire/index.ts';
import { TunnelClient, listenApp } from '../../agent/core/tunnel/index.ts';
import { startEchoStack, TEST_USER, waitFor, type EchoStack } from '../helpers/stack.ts';

/** An agent with one live echo stream: resolves `ended` with how the application saw the stream end. */
async function liveStream(credentials: DeviceCredentials) {
  const notices: ControlMessage[] = [];
  const client = new TunnelClient({ credentials, onControl: (m) => notices.push(m), backoff: { initialMs: 50, maxMs: 200 } });
  client.start();
  await client.waitConnected();
  const listener = await listenApp(client, 'echo', { host: '127.0.0.1', port: 0 });
  const socket = connect({ host: '127.0.0.1', port: listener.address.port });
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    socket.on('end', () => resolve('end'));
  });
  socket.write('ping');
  await new Promise<void>((r) => socket.once('data', () => r()));
  return {
    client,
    notices,
    ended,
    async stop() {
      await listener.close();
      await client.stop();
    },
  };
}

describe('live sessions are cut when the device loses its standing', () => {
  let stack: EchoStack;

  beforeAll(async () => {
    stack = await startEchoStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('resets a live stream with device-revoked and tells the agent, when the store records a revocation made elsewhere', async () => {
    const creds = await stack.enroll(TEST_USER);
    const live = await liveStream(creds);
    // As `zerogate-proxy device revoke` does from another process: only the store changes.
    await stack.proxy.store.revokeDevice(creds.enrollment.deviceId, Date.now(), 'lost laptop');
    expect(await live.ended).toBe('ECONNRESET');
    await waitFor(() => live.notices.length > 0, 5_000, 'a notice');
    expect(live.notices[0]).toMatchObject({ type: 'notice', level: 'error', reasons: ['device-revoked'] });
    await waitFor(() => live.client.state === 'denied', 5_000, 'the reconnect to be refused');
    expect(live.client.lastProblem).toMatchObject({ code: 'ZG_ERR_AUTH_DEVICE_REVOKED', reasons: ['device-revoked'] });
    await stack.proxy.audit.flush();
    const resets = await stack.proxy.store.queryAudit({ type: 'session.reset', device: creds.enrollment.deviceId });
    expect(resets).toHaveLength(1);
    await live.stop();
  });

  it('ends a live session when its device certificate expires, resetting its streams', async () => {
    const live = await liveStream(await stack.issueDirect(TEST_USER, { ttlMs: 3_000 }));
    expect(await live.ended).toBe('ECONNRESET');
    await waitFor(() => live.notices.length > 0, 5_000, 'a notice');
    expect(live.notices[0]).toMatchObject({ type: 'notice', reasons: ['certificate-invalid'] });
    await waitFor(() => live.client.state === 'denied', 5_000, 'the reconnect to be refused');
    expect(live.client.lastProblem).toMatchObject({ code: 'ZG_ERR_AUTH_CERT_INVALID', reasons: ['certificate-invalid'] });
    await live.stop();
  });
});
