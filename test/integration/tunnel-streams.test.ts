import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, encodeOpen, FrameType, HEADER_SIZE } from '../../shared/wire/index.ts';
import { startSampleApps, type SampleApps } from '../../proxy/demo/sample-apps.ts';
import { echoCheck, openRawTunnel, roundTrip, startAgent, type RunningAgent } from '../helpers/agent.ts';
import { sha256, startEchoServer, startStack, TEST_USER, waitFor, type CountingServer, type Stack } from '../helpers/stack.ts';

const MiB = 1024 * 1024;

describe('tunnel data plane over real mTLS', () => {
  let stack: Stack;
  let echo: CountingServer;
  let samples: SampleApps;
  let deadPort: number;
  let agent: RunningAgent;

  beforeAll(async () => {
    echo = await startEchoServer();
    samples = await startSampleApps();
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    deadPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    stack = await startStack({
      apps: [
        { id: 'echo', upstream: `tcp://127.0.0.1:${echo.port}`, users: [TEST_USER] },
        { id: 'web', upstream: `http://127.0.0.1:${samples.httpPort}`, users: [TEST_USER] },
        { id: 'dead', upstream: `tcp://127.0.0.1:${deadPort}`, users: [TEST_USER] },
        { id: 'others', upstream: `tcp://127.0.0.1:${echo.port}`, users: ['bob@example.com'] },
      ],
      limits: { maxOpensPerSecond: 1000 },
    });
    agent = await startAgent(await stack.enroll(TEST_USER), ['echo', 'web', 'dead', 'others', 'nope']);
  });
  afterAll(async () => {
    await agent.stop();
    await stack.close();
    await echo.close();
    await samples.close();
  });

  it('carries an HTTP request to the published web app', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port: agent.port('web'), path: '/hello' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(body).toContain('Hello through Zerogate');
  });

  it('moves 8 MiB both ways on each of 100 parallel streams with matching SHA-256', async () => {
    const payloads = Array.from({ length: 100 }, () => randomBytes(8 * MiB));
    const results = await Promise.all(payloads.map((p) => roundTrip(agent.port('echo'), p)));
    results.forEach((back, i) => {
      expect(back.length).toBe(8 * MiB);
      expect(sha256(back)).toBe(sha256(payloads[i]!));
    });
  }, 120_000);

  it('refuses an unpublished app with app-not-found and a disallowed user with user-not-allowed', async () => {
    const before = echo.connections;
    const denied: { app: string; code: string; reasons: string[] }[] = [];
    for (const app of ['nope', 'others']) {
      const listener = agent.listeners.get(app)!;
      await listener.close();
    }
    const creds = await stack.enroll(TEST_USER);
    const raw = await openRawTunnel(stack.proxy.url, creds);
    raw.ws.send(encodeOpen(1, { app: 'nope' }));
    raw.ws.send(encodeOpen(2, { app: 'others' }));
    await waitFor(() => raw.frames.length >= 2, 5_000, 'two OPEN_FAILs');
    for (const f of raw.frames) {
      expect(f.type).toBe(FrameType.OPEN_FAIL);
      if (f.type === FrameType.OPEN_FAIL) denied.push({ app: String(f.stream), code: f.problem.code, reasons: f.problem.reasons });
    }
    expect(denied).toEqual([
      { app: '1', code: 'ZG_ERR_POLICY_APP_NOT_FOUND', reasons: ['app-not-found'] },
      { app: '2', code: 'ZG_ERR_POLICY_DENIED', reasons: ['user-not-allowed'] },
    ]);
    raw.ws.close();
    expect(echo.connections).toBe(before);
    await stack.proxy.audit.flush();
    const audit = await stack.proxy.store.queryAudit({ type: 'stream.deny', device: creds.enrollment.deviceId });
    expect(audit.map((e) => e.reasons?.[0]).sort()).toEqual(['app-not-found', 'user-not-allowed']);
  });

  it('never dials a target chosen in an OPEN, even for a published app', async () => {
    const before = echo.connections;
    const creds = await stack.enroll(TEST_USER);
    const raw = await openRawTunnel(stack.proxy.url, creds);
    const targets = [`127.0.0.1:${echo.port}`, '169.254.169.254:80', `localhost:${new URL(stack.proxy.url).port}`, '[::1]:22'];
    targets.forEach((target, i) => raw.ws.send(encodeOpen(i + 1, { app: 'echo', target })));
    await waitFor(() => raw.frames.length >= targets.length, 5_000, 'OPEN_FAILs');
    for (const f of raw.frames) {
      expect(f).toMatchObject({ type: FrameType.OPEN_FAIL, problem: { code: 'ZG_ERR_POLICY_BAD_TARGET', reasons: ['target-not-allowed'] } });
    }
    raw.ws.close();
    expect(echo.connections).toBe(before);
  });

  it('answers a dead upstream with OPEN_FAIL ZG_ERR_UPSTREAM_UNREACHABLE', async () => {
    const creds = await stack.enroll(TEST_USER);
    const raw = await openRawTunnel(stack.proxy.url, creds);
    raw.ws.send(encodeOpen(1, { app: 'dead' }));
    await waitFor(() => raw.frames.length >= 1, 5_000, 'OPEN_FAIL');
    expect(raw.frames[0]).toMatchObject({ type: FrameType.OPEN_FAIL, stream: 1, problem: { code: 'ZG_ERR_UPSTREAM_UNREACHABLE', message: 'app dead refused the connection' } });
    // The message names the app, never the internal address.
    expect(JSON.stringify(raw.frames[0])).not.toContain(String(deadPort));
    raw.ws.close();
  });

  it.each([
    ['an unknown frame type', Uint8Array.from([0x7f, 0, 0, 0, 1])],
    ['a truncated header', Uint8Array.from([0x04, 0, 0])],
    ['DATA for a stream never opened', Uint8Array.from([0x04, 0, 0, 0, 9, 1, 2, 3])],
    ['an OPEN with invalid JSON', Uint8Array.from([0x01, 0, 0, 0, 1, 0x7b, 0x7b])],
    ['an oversized DATA frame', (() => {
      const frame = new Uint8Array(HEADER_SIZE + 64 * 1024 + 1);
      frame.set([0x04, 0, 0, 0, 1]);
      return frame;
    })()],
  ])('closes the connection with 1002 on %s, while another agent keeps working', async (_name, bytes) => {
    const creds = await stack.enroll(TEST_USER);
    const raw = await openRawTunnel(stack.proxy.url, creds);
    raw.ws.send(bytes);
    const closed = await raw.closed;
    expect(closed.code).toBe(1002);
    expect(closed.reason).toMatch(/^ZG_ERR_WIRE_/);
    expect(await echoCheck(agent.port('echo'), 256 * 1024)).toBe(true);
    await stack.proxy.audit.flush();
    const violations = await stack.proxy.store.queryAudit({ type: 'session.violation', device: creds.enrollment.deviceId });
    expect(violations.length).toBe(1);
  });

  it('closes the connection with 1002 on a text message and on OPEN_OK sent by an agent', async () => {
    for (const bad of ['text', encodeFrame({ type: FrameType.OPEN_OK, stream: 1 })] as const) {
      const raw = await openRawTunnel(stack.proxy.url, await stack.enroll(TEST_USER));
      raw.ws.send(bad);
      expect((await raw.closed).code).toBe(1002);
    }
  });
});
