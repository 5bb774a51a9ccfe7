/**
 * Continuous verification end to end over real TLS (issue 4): a device whose posture turns
 * non-compliant while a stream is live has that stream reset with the right reason, while
 * streams to apps whose policy still allows them keep flowing; fixing posture restores access
 * for new streams; a report-only policy lets traffic through and logs the would-deny.
 */
import { createServer, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TunnelClient } from '../../agent/core/tunnel/index.ts';
import { createApiToken } from '../../proxy/api/tokens.ts';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import type { PostureReport } from '../../shared/posture/index.ts';
import type { ControlMessage, Problem } from '../../shared/wire/index.ts';
import { compliantReport, edrStoppedReport, unencryptedReport } from '../helpers/posture.ts';
import { startEchoServer, startStack, TEST_USER, waitFor, type CountingServer, type Stack } from '../helpers/stack.ts';

interface OpenedStream {
  /** Our end: what we write reaches the app, what the app echoes arrives here. */
  local: Socket;
  opened: Promise<'ok' | Problem>;
  closed: Promise<Problem | undefined>;
}

/** Opens a stream through the tunnel on a local socket pair, reporting how it opens and ends. */
async function openStream(client: TunnelClient, app: string): Promise<OpenedStream> {
  const server = createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const local = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  local.on('error', () => undefined);
  const inner = await accepted;
  server.close();
  inner.on('error', () => undefined);
  let settle: (value: 'ok' | Problem) => void = () => undefined;
  const opened = new Promise<'ok' | Problem>((resolve) => (settle = resolve));
  let end: (problem: Problem | undefined) => void = () => undefined;
  const closed = new Promise<Problem | undefined>((resolve) => (end = resolve));
  void client
    .open({ app }, inner, { onOpenOk: () => settle('ok'), onOpenFail: (problem) => (settle(problem), end(problem)), onClose: (problem) => end(problem) })
    .catch((error: Error) => settle({ code: 'ZG_ERR_TUNNEL_CLOSED', reasons: [], message: error.message }));
  return { local, opened, closed };
}

/** Writes `text` and waits for the echo. */
function echo(stream: OpenedStream, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (chunk: Buffer): void => {
      got += chunk.toString();
      if (got.length >= text.length) {
        stream.local.off('data', onData);
        resolve(got);
      }
    };
    stream.local.on('data', onData);
    stream.local.write(text, (error) => error && reject(error));
    setTimeout(() => reject(new Error(`no echo of ${text}`)), 5_000).unref();
  });
}

describe('continuous verification of live streams', () => {
  let echoServer: CountingServer;
  let stack: Stack;
  let creds: DeviceCredentials;
  let client: TunnelClient;
  const notices: ControlMessage[] = [];

  const send = (report: PostureReport): void => {
    expect(client.sendControl({ type: 'posture', report })).toBe(true);
  };
  const tunnel = () => stack.proxy.built.sessions.all().find((s) => s.device.id === creds.enrollment.deviceId)!;
  /** Waits until the proxy holds `report` as this device's posture. */
  const postureApplied = (report: PostureReport) => waitFor(() => tunnel()?.posture?.report.collectedAt === report.collectedAt, 5_000, 'the posture report to arrive');
  const audit = async (type: string) => {
    await stack.proxy.audit.flush();
    return stack.proxy.store.queryAudit({ type, device: creds.enrollment.deviceId, limit: 200 });
  };

  beforeAll(async () => {
    echoServer = await startEchoServer();
    const upstream = `tcp://127.0.0.1:${echoServer.port}`;
    stack = await startStack({
      apps: [
        { id: 'secure', upstream, policy: 'managed-device' },
        { id: 'open', upstream, users: [TEST_USER] },
        { id: 'audited', upstream, policy: 'audit-only' },
      ],
      policies: {
        'managed-device': {
          allow: [{ users: [TEST_USER] }],
          require: { posture: { maxAge: '5m', diskEncryption: true, edr: ['crowdstrike', 'sentinelone'] } },
        },
        'audit-only': {
          mode: 'report-only',
          allow: [{ users: [TEST_USER] }],
          require: { posture: { maxAge: '5m', diskEncryption: true } },
        },
      },
    } as Parameters<typeof startStack>[0]);
    creds = await stack.enroll(TEST_USER);
    client = new TunnelClient({ credentials: creds, backoff: { initialMs: 50, maxMs: 500 }, onControl: (m) => notices.push(m) });
    client.start();
    await client.waitConnected(10_000);
  }, 60_000);
  afterAll(async () => {
    await client?.stop();
    await stack?.close();
    await echoServer?.close();
  });

  it('refuses an app whose policy needs posture before any report, with posture-missing; other apps work', async () => {
    const secure = await openStream(client, 'secure');
    expect(await secure.opened).toMatchObject({ code: 'ZG_ERR_POLICY_DENIED', reasons: ['posture-missing'] });
    const open = await openStream(client, 'open');
    expect(await open.opened).toBe('ok');
    expect(await echo(open, 'hello')).toBe('hello');
    open.local.destroy();
  });

  it('resets only the stream whose policy the new posture fails, with its reason, and tells the agent', async () => {
    const good = compliantReport();
    send(good);
    await postureApplied(good);
    const secure = await openStream(client, 'secure');
    const open = await openStream(client, 'open');
    const audited = await openStream(client, 'audited');
    expect([await secure.opened, await open.opened, await audited.opened]).toEqual(['ok', 'ok', 'ok']);
    expect(await echo(secure, 'before')).toBe('before');

    const bad = unencryptedReport();
    const sentAt = Date.now();
    send(bad);
    const problem = await secure.closed;
    const elapsed = Date.now() - sentAt;
    expect(problem).toMatchObject({ code: 'ZG_ERR_POLICY_DENIED', reasons: ['disk-unencrypted'] });
    expect(elapsed).toBeLessThan(1_000);
    // The other apps' streams are untouched: plain access, and a report-only policy.
    expect(await echo(open, 'still here')).toBe('still here');
    expect(await echo(audited, 'audited still here')).toBe('audited still here');
    await waitFor(() => notices.some((n) => n.type === 'notice' && n.app === 'secure'), 5_000, 'a notice');
    expect(notices.find((n) => n.app === 'secure')).toMatchObject({ level: 'error', reasons: ['disk-unencrypted'] });

    const resets = await audit('stream.reset');
    expect(resets.find((e) => e.app === 'secure')).toMatchObject({ decision: 'deny', reasons: ['disk-unencrypted'], detail: { trigger: 'posture' } });
    const wouldDeny = await audit('stream.would-deny');
    expect(wouldDeny.some((e) => e.app === 'audited' && e.reasons?.includes('disk-unencrypted'))).toBe(true);
    // Re-evaluation passes (every REEVALUATE_INTERVAL_MS) do not repeat an unchanged would-deny.
    const counted = wouldDeny.filter((e) => e.app === 'audited').length;
    for (let i = 0; i < 5; i++) tunnel().reevaluate('time');
    expect((await audit('stream.would-deny')).filter((e) => e.app === 'audited').length).toBe(counted);

    // New streams to the app are refused while the disk stays unencrypted.
    const again = await openStream(client, 'secure');
    expect(await again.opened).toMatchObject({ reasons: ['disk-unencrypted'] });

    // Fixing posture restores access for new streams.
    const fixed = compliantReport();
    send(fixed);
    await postureApplied(fixed);
    const restored = await openStream(client, 'secure');
    expect(await restored.opened).toBe('ok');
    expect(await echo(restored, 'after fix')).toBe('after fix');
    for (const s of [open, audited, restored]) s.local.destroy();
  });

  it('resets a live stream when the EDR agent stops, with edr-missing', async () => {
    const good = compliantReport();
    send(good);
    await postureApplied(good);
    const secure = await openStream(client, 'secure');
    expect(await secure.opened).toBe('ok');
    send(edrStoppedReport());
    expect(await secure.closed).toMatchObject({ reasons: ['edr-missing'] });
  });

  it('resets a live stream when its posture grows stale, with posture-stale', async () => {
    const good = compliantReport();
    send(good);
    await postureApplied(good);
    const secure = await openStream(client, 'secure');
    expect(await secure.opened).toBe('ok');
    // Six minutes later without a new report (maxAge 5m): the proxy's time trigger resets it.
    expect(tunnel().reevaluate('time', Date.now() + 6 * 60_000)).toBe(1);
    expect(await secure.closed).toMatchObject({ reasons: ['posture-stale'] });
  });

  it('applies a policy change to live streams at once', async () => {
    const good = compliantReport();
    send(good);
    await postureApplied(good);
    const open = await openStream(client, 'open');
    expect(await open.opened).toBe('ok');
    const apps = stack.proxy.config.apps.map((a) => (a.id === 'open' ? { ...a, users: [] } : a));
    stack.proxy.built.setApps(apps);
    expect(await open.closed).toMatchObject({ reasons: ['user-not-allowed'] });
    stack.proxy.built.setApps(stack.proxy.config.apps);
  });

  it('refuses a malformed posture report, keeps the previous one, and audits it', async () => {
    const before = tunnel().posture?.report.collectedAt;
    expect(client.sendControl({ type: 'posture', report: { version: 1, os: 'not an object' } })).toBe(true);
    await waitFor(async () => (await audit('posture.reject')).length > 0, 5_000, 'the rejection');
    expect((await audit('posture.reject'))[0]).toMatchObject({ decision: 'deny', detail: { code: 'ZG_ERR_POSTURE_BAD_REPORT' } });
    expect(tunnel().posture?.report.collectedAt).toBe(before);
  });

  it('keeps the latest report and a history in the store', async () => {
    const latest = await stack.proxy.store.latestPosture(creds.enrollment.deviceId);
    expect(latest?.report).toMatchObject({ version: 1, diskEncryption: { status: expect.any(String) } });
    expect((await stack.proxy.store.postureHistory(creds.enrollment.deviceId, 100)).length).toBeGreaterThanOrEqual(4);
  });

  it('exposes decisions, resets, live streams and evaluation time at GET /metrics, without identities', async () => {
    // App ids are internal: without metrics.public a scrape needs an API token.
    expect((await stack.proxy.built.app.inject({ url: '/metrics' })).json()).toMatchObject({ statusCode: 401, code: 'ZG_ERR_API_TOKEN_REQUIRED' });
    expect((await stack.proxy.built.app.inject({ url: '/metrics', headers: { authorization: 'Bearer zga_0000000000000000_' + 'x'.repeat(43) } })).statusCode).toBe(401);
    const { token } = await createApiToken(stack.proxy.store, { role: 'helpdesk', name: 'prometheus', ttlMs: 3_600_000 });
    const response = await stack.proxy.built.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const text = response.body;
    const value = (line: RegExp): number => Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop());
    expect(value(/^zerogate_decisions_total\{app="secure",result="deny",reason="disk-unencrypted"\}/)).toBeGreaterThanOrEqual(1);
    expect(value(/^zerogate_decisions_total\{app="secure",result="deny",reason="posture-missing"\}/)).toBeGreaterThanOrEqual(1);
    expect(value(/^zerogate_decisions_total\{app="audited",result="would-deny",reason="disk-unencrypted"\}/)).toBeGreaterThanOrEqual(1);
    expect(value(/^zerogate_stream_resets_total\{reason="disk-unencrypted"\}/)).toBeGreaterThanOrEqual(1);
    expect(value(/^zerogate_policy_evaluation_seconds_count/)).toBeGreaterThan(5);
    expect(value(/^zerogate_sessions /)).toBe(1);
    expect(value(/^zerogate_posture_reports_total\{result="stored"\}/)).toBeGreaterThanOrEqual(4);
    expect(text).not.toContain(creds.enrollment.deviceId);
    expect(text).not.toContain(TEST_USER);
  });
});
