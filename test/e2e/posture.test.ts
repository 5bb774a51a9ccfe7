/**
 * The real agent's posture, end to end: `zerogate connect` collects this machine's posture
 * with the real collectors and reports it over the tunnel; the proxy decides an app that
 * requires disk encryption on it, and `zerogate apps` / `zerogate status` say why and what to do.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApps, type SampleApps } from '../../proxy/demo/sample-apps.ts';
import { AGENT_BIN, freePort, PROXY_BIN, ROOT, runCli, spawnCli, startProxyProcess, type Child, type ProxyProcess } from '../helpers/processes.ts';
import { tempDir, TEST_USER, waitFor } from '../helpers/stack.ts';

const exec = promisify(execFile);

interface AppVerdict {
  id: string;
  allowed: boolean;
  reasons: string[];
  remediation?: string[];
}

describe('posture from the real agent decides access', () => {
  let dir: string;
  let samples: SampleApps;
  let proxy: ProxyProcess;
  let home: string;
  const children: Child[] = [];

  beforeAll(async () => {
    dir = tempDir();
    home = join(dir, 'home');
    samples = await startSampleApps();
    proxy = await startProxyProcess(
      dir,
      await freePort(),
      `  - id: web\n    upstream: http://127.0.0.1:${samples.httpPort}\n    users: [${TEST_USER}]\n` +
        `  - id: managed\n    upstream: http://127.0.0.1:${samples.httpPort}\n    policy: managed-device\n` +
        `  - id: echo\n    upstream: tcp://127.0.0.1:${samples.echoPort}\n    users: [${TEST_USER}]\n`,
      `policies:\n  managed-device:\n    allow: [{ users: [${TEST_USER}] }]\n    require:\n      posture: { maxAge: 5m, diskEncryption: true }\n`,
    );
    const created = await runCli(PROXY_BIN, ['token', 'create', '--config', proxy.configFile, '--user', TEST_USER]);
    const login = await runCli(AGENT_BIN, ['login', '--proxy', proxy.url, '--ca-fingerprint', proxy.caFingerprint, '--token', created.stdout.trim()], { ZEROGATE_HOME: home });
    expect(login.code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await proxy?.kill();
    await samples?.close();
  });

  const verdicts = async (): Promise<AppVerdict[]> => JSON.parse((await runCli(AGENT_BIN, ['apps', '--json'], { ZEROGATE_HOME: home })).stdout) as AppVerdict[];

  it('denies the managed app with posture-missing until the agent has reported, then decides on the real report', async () => {
    expect((await verdicts()).find((a) => a.id === 'managed')).toMatchObject({ allowed: false, reasons: ['posture-missing'] });

    // What this machine's disk really is, as the agent sees it.
    const posture = JSON.parse((await runCli(AGENT_BIN, ['posture', '--json'], { ZEROGATE_HOME: home })).stdout) as { diskEncryption: { status: string } };
    const encrypted = posture.diskEncryption.status === 'pass';

    const port = await freePort();
    const web = spawnCli(AGENT_BIN, ['connect', 'web', '--listen', `127.0.0.1:${port}`], { ZEROGATE_HOME: home });
    children.push(web);
    await web.waitFor(/tunnel: connected/);
    const { stdout } = await exec('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}/`]);
    expect(stdout).toContain('Hello through Zerogate');

    let managed: AppVerdict | undefined;
    await waitFor(
      async () => {
        managed = (await verdicts()).find((a) => a.id === 'managed');
        return managed !== undefined && !managed.reasons.includes('posture-missing');
      },
      30_000,
      'the agent to report its posture',
    );
    if (encrypted) {
      expect(managed).toMatchObject({ allowed: true, reasons: [] });
    } else {
      expect(managed).toMatchObject({ allowed: false, reasons: ['disk-unencrypted'] });
      expect(managed?.remediation?.[0]).toMatch(/Turn on disk encryption/);
      // The refusal as the user sees it when connecting to the app.
      const managedPort = await freePort();
      const refused = spawnCli(AGENT_BIN, ['connect', 'managed', '--listen', `127.0.0.1:${managedPort}`], { ZEROGATE_HOME: home });
      children.push(refused);
      await refused.waitFor(/managed is on/);
      await exec('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${managedPort}/`]).catch(() => undefined);
      await refused.waitFor(/managed: refused: ZG_ERR_POLICY_DENIED: .*\[disk-unencrypted\]/);
    }
    const text = await runCli(AGENT_BIN, ['apps'], { ZEROGATE_HOME: home });
    expect(text.stdout).toMatch(/^web\s+http\s+allowed/m);
  }, 90_000);

  it('status shows the posture checklist; posture --parse reads a pasted tool output', async () => {
    const status = await runCli(AGENT_BIN, ['status'], { ZEROGATE_HOME: home });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Disk encryption/i);
    expect(status.stdout).toMatch(/Firewall/i);
    const parsed = await runCli(AGENT_BIN, ['posture', '--parse', 'cryptsetup-status', join(ROOT, 'test/fixtures/posture/linux/cryptsetup-status/cipher-null-unencrypted.txt')]);
    expect(parsed.code).toBe(0);
    expect(JSON.parse(parsed.stdout)).toMatchObject({ diskEncryption: 'off', detail: { cipher: 'cipher_null-ecb' } });
    const unknown = await runCli(AGENT_BIN, ['posture', '--parse', 'no-such-tool', '/dev/null']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error ZG_ERR_POSTURE_UNKNOWN_TOOL/);
  }, 60_000);

  it('SIGHUP reloads apps and policies: a live stream the new config denies is cut, a bad config is refused', async () => {
    const port = await freePort();
    const echo = spawnCli(AGENT_BIN, ['connect', 'echo', '--listen', `127.0.0.1:${port}`], { ZEROGATE_HOME: home });
    children.push(echo);
    await echo.waitFor(/echo is on/);
    const socket = connect({ host: '127.0.0.1', port });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write('ping');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));

    const original = readFileSync(proxy.configFile, 'utf8');
    // A broken config is refused and the running one kept.
    writeFileSync(proxy.configFile, `${original}\nnot-a-key: 1\n`);
    proxy.process.kill('SIGHUP');
    await proxy.waitFor(/reload refused, keeping the running config/);
    socket.write('still');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));

    // The echo app no longer admits the user: the live connection is cut.
    writeFileSync(proxy.configFile, original.replace(`  - id: echo\n    upstream: tcp://127.0.0.1:${samples.echoPort}\n    users: [${TEST_USER}]`, `  - id: echo\n    upstream: tcp://127.0.0.1:${samples.echoPort}\n    users: []`));
    const sent = Date.now();
    proxy.process.kill('SIGHUP');
    await proxy.waitFor(/reloaded 3 app\(s\)/);
    await closed;
    expect(Date.now() - sent).toBeLessThan(5_000);
    await echo.waitFor(/access to echo was cut: user-not-allowed/);
    writeFileSync(proxy.configFile, original);
    proxy.process.kill('SIGHUP');
    await waitFor(() => (proxy.output().match(/reloaded 3 app\(s\)/g) ?? []).length >= 2, 10_000, 'the second reload');
  }, 60_000);
});
