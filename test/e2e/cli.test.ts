import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApps, type SampleApps } from '../../proxy/demo/sample-apps.ts';
import { AGENT_BIN, freePort, PROXY_BIN, runCli, spawnCli, startProxyProcess, type Child, type ProxyProcess } from '../helpers/processes.ts';
import { tempDir, TEST_USER } from '../helpers/stack.ts';

const exec = promisify(execFile);

describe('CLI end to end: token, login, connect, curl', () => {
  let dir: string;
  let samples: SampleApps;
  let proxy: ProxyProcess;
  let home: string;
  let upWebAddress = '';
  const children: Child[] = [];

  beforeAll(async () => {
    dir = tempDir();
    home = join(dir, 'home');
    samples = await startSampleApps();
    proxy = await startProxyProcess(
      dir,
      await freePort(),
      `  - id: web\n    upstream: http://127.0.0.1:${samples.httpPort}\n    users: [${TEST_USER}]\n  - id: echo\n    upstream: tcp://127.0.0.1:${samples.echoPort}\n    users: [${TEST_USER}]\n  - id: admin-only\n    upstream: tcp://127.0.0.1:${samples.echoPort}\n    users: [root@example.com]\n`,
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await proxy?.kill();
    await samples?.close();
  });

  it('enrols with a one-time token, refuses its reuse, and keeps secrets private', async () => {
    const created = await runCli(PROXY_BIN, ['token', 'create', '--config', proxy.configFile, '--user', TEST_USER]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^zgt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const login = await runCli(AGENT_BIN, ['login', '--proxy', proxy.url, '--ca-fingerprint', proxy.caFingerprint, '--token', token], { ZEROGATE_HOME: home });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/enrolled device [0-9a-f-]{36} for alice@example.com/);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'device.key')).mode & 0o777).toBe(0o600);

    // Reuse, with the token read from a file (`file:PATH` keeps it out of the process list).
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const reuse = await runCli(AGENT_BIN, ['login', '--proxy', proxy.url, '--ca-fingerprint', proxy.caFingerprint, '--token', `file:${tokenFile}`], { ZEROGATE_HOME: join(dir, 'other') });
    expect(reuse.code).toBe(1);
    expect(reuse.stderr).toMatch(/^error ZG_ERR_AUTH_TOKEN_INVALID: the enrolment token was already used/);
  });

  it('refuses a proxy whose CA does not match the pinned fingerprint, before sending the token', async () => {
    const wrong = 'AA:'.repeat(31) + 'AA';
    const result = await runCli(AGENT_BIN, ['login', '--proxy', proxy.url, '--ca-fingerprint', wrong, '--token', 'zgt_0000000000000000_' + 'a'.repeat(43)], { ZEROGATE_HOME: join(dir, 'pin') });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error ZG_ERR_PKI_FINGERPRINT_MISMATCH/);
  });

  it('curl reaches the HTTP app through `zerogate connect`', async () => {
    const port = await freePort();
    const connect = spawnCli(AGENT_BIN, ['connect', 'web', '--listen', `127.0.0.1:${port}`], { ZEROGATE_HOME: home });
    children.push(connect);
    await connect.waitFor(/web is on 127\.0\.0\.1:\d+/);
    const { stdout } = await exec('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}/through-the-tunnel`]);
    expect(stdout).toContain('Hello through Zerogate');
  });

  it('lists apps with verdicts and shows status', async () => {
    const apps = await runCli(AGENT_BIN, ['apps', '--json'], { ZEROGATE_HOME: home });
    expect(apps.code).toBe(0);
    const list = JSON.parse(apps.stdout) as { id: string; protocol: string; allowed: boolean; reasons: string[]; remediation?: string[] }[];
    expect(list.map(({ id, protocol, allowed, reasons }) => ({ id, protocol, allowed, reasons }))).toEqual([
      { id: 'web', protocol: 'http', allowed: true, reasons: [] },
      { id: 'echo', protocol: 'tcp', allowed: true, reasons: [] },
      { id: 'admin-only', protocol: 'tcp', allowed: false, reasons: ['user-not-allowed'] },
    ]);
    // A denial says what to do about it, in the words of docs/reasons.md.
    expect(list[2]?.remediation).toEqual(['Your account is not allowed to use this app. If you need it for your work, ask your administrator or helpdesk for access.']);
    const status = await runCli(AGENT_BIN, ['status', '--json'], { ZEROGATE_HOME: home });
    expect(JSON.parse(status.stdout)).toMatchObject({ enrolled: true, user: TEST_USER, certificateExpired: false });
  });

  it('`zerogate up` serves every allowed app, and curl and the echo app work through it', async () => {
    const up = spawnCli(AGENT_BIN, ['up', '--json'], { ZEROGATE_HOME: home });
    children.push(up);
    const [line] = await up.waitFor(/^\[.*\]$/m);
    const served = JSON.parse(line) as { app: string; address: string }[];
    expect(served.map((s) => s.app).sort()).toEqual(['echo', 'web']);
    const web = served.find((s) => s.app === 'web')!;
    upWebAddress = web.address;
    const { stdout } = await exec('curl', ['-sS', '--max-time', '10', `http://${web.address}/`]);
    expect(stdout).toContain('Hello through Zerogate');
    const echo = served.find((s) => s.app === 'echo')!;
    const { stdout: echoed } = await exec('bash', ['-c', `printf 'ping-zerogate\\n' | curl -sS --max-time 2 telnet://${echo.address} || true`]);
    expect(echoed).toContain('ping-zerogate');
  });

  it('revoking the device with the proxy CLI stops new tunnels and new streams', async () => {
    const status = JSON.parse((await runCli(AGENT_BIN, ['status', '--json'], { ZEROGATE_HOME: home })).stdout) as { deviceId: string };
    const revoke = await runCli(PROXY_BIN, ['device', 'revoke', '--config', proxy.configFile, status.deviceId]);
    expect(revoke.code).toBe(0);
    const apps = await runCli(AGENT_BIN, ['apps'], { ZEROGATE_HOME: home });
    expect(apps.code).toBe(1);
    expect(apps.stderr).toMatch(/^error ZG_ERR_AUTH_DEVICE_REVOKED: .*\[device-revoked\]/);
    // The live `up` session: its next stream is refused and the session is ended.
    const curl = await exec('curl', ['-sS', '--max-time', '10', `http://${upWebAddress}/`]).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(curl).not.toBe(0);
  });

  it('refuses to start on a config with an unknown key or a bad value, naming the file, the path and what was expected', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'server:\n  listen: "127.0.0.1:1"\napps:\n  - id: wiki\n    upstream: ftp://10.0.0.1:21\n    users: [a@example.com]\n    colour: blue\n');
    const result = await runCli(PROXY_BIN, ['serve', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error ZG_ERR_CONFIG_INVALID: /);
    expect(result.stderr).toContain(`${file}:5:`);
    expect(result.stderr).toMatch(/:5:15: apps\[0\]\.upstream: expected a URL such as tcp:\/\/.* found "ftp:\/\/10\.0\.0\.1:21"/);
    expect(result.stderr).toMatch(/:7:5: apps\[0\]\.colour: unknown key "colour" \(expected one of: id, name, upstream, users, policy, http\)/);
  });

  it('exits 2 with a coded message on usage errors', async () => {
    for (const args of [['connect'], ['bogus'], ['login', '--proxy', 'http://x'], ['connect', 'web', '--listen', '0.0.0.0:80']]) {
      const result = await runCli(AGENT_BIN, args, { ZEROGATE_HOME: home });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^error ZG_ERR_USAGE: /);
    }
    const proxyUsage = await runCli(PROXY_BIN, ['token', 'create']);
    expect(proxyUsage.code).toBe(2);
  });
});
