/**
 * `zerogate login --device-code` (RFC 8628) on a machine without a browser: the CLI prints a
 * URL and a code; the user approves on another device (here: a scripted HTTP client that types
 * the code, the password and the TOTP code into the embedded IdP's pages); the CLI enrols and
 * the tunnel works. Nothing on the agent's side opens a browser.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApps, type SampleApps } from '../../proxy/demo/sample-apps.ts';
import { hashPassword } from '../../proxy/identity/idp/index.ts';
import { Browser, completeSignIn, formAction, hiddenInputs } from '../../proxy/identity/idp/test-helpers.ts';
import { newTotpSecret } from '../../proxy/identity/idp/totp.ts';
import { AGENT_BIN, freePort, runCli, spawnCli, startProxyProcess, type Child, type ProxyProcess } from '../helpers/processes.ts';
import { tempDir } from '../helpers/stack.ts';

const exec = promisify(execFile);

describe('zerogate login --device-code, headless', () => {
  let dir: string;
  let samples: SampleApps;
  let proxy: ProxyProcess;
  let caPem: string;
  const children: Child[] = [];
  const carol = { username: 'carol', password: 'a headless server password', totpSecret: newTotpSecret() };

  beforeAll(async () => {
    dir = tempDir();
    samples = await startSampleApps();
    proxy = await startProxyProcess(
      dir,
      await freePort(),
      `  - id: web\n    upstream: http://127.0.0.1:${samples.httpPort}\n    users: [carol]\n`,
      `identity:\n  users:\n    - username: carol\n      email: carol@example.com\n      passwordHash: "${await hashPassword(carol.password)}"\n      totpSecret: ${carol.totpSecret}\n`,
    );
    caPem = (await import('node:fs')).readFileSync(join(dir, 'data', 'ca.pem'), 'utf8');
  }, 60_000);
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await proxy?.kill();
    await samples?.close();
  });

  it('prints a URL and a code, waits for approval elsewhere, then enrols; curl reaches the app', async () => {
    const home = join(dir, 'home');
    const env = { ZEROGATE_HOME: home, ZEROGATE_BROWSER: '/bin/false' };
    const login = spawnCli(AGENT_BIN, ['login', '--proxy', proxy.url, '--ca-fingerprint', proxy.caFingerprint, '--device-code'], env);
    children.push(login);
    const [, uri, userCode] = await login.waitFor(/open (https:\/\/\S+) and enter the code (\S+)/);
    expect(uri).toMatch(/\/idp\/device$/);

    // The approval, on "another device".
    const browser = new Browser(caPem);
    const input = await browser.get(uri!);
    expect(input.status).toBe(200);
    const action = new URL(formAction(input.body, '/device'), uri).href;
    const confirm = await browser.post(action, { ...hiddenInputs(input.body), user_code: userCode! });
    expect(confirm.body).toContain(userCode);
    const start = await browser.post(action, hiddenInputs(confirm.body));
    const { final } = await completeSignIn(browser, new URL(uri!).origin, start, {
      username: carol.username,
      password: carol.password,
      code: () => generate({ secret: carol.totpSecret }),
    });
    expect(final.body).toMatch(/Device connected/);

    await login.waitFor(/session valid until/, 30_000);
    await new Promise<void>((resolve) => (login.process.exitCode !== null ? resolve() : login.process.once('exit', () => resolve())));
    expect(login.process.exitCode).toBe(0);
    expect(login.output()).toMatch(/signed in as carol/);
    expect(login.output()).not.toMatch(/Could not open a browser/);

    const port = await freePort();
    const connect = spawnCli(AGENT_BIN, ['connect', 'web', '--listen', `127.0.0.1:${port}`], env);
    children.push(connect);
    await connect.waitFor(/web is on/);
    const { stdout } = await exec('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}/`]);
    expect(stdout).toContain('Hello through Zerogate');

    const status = await runCli(AGENT_BIN, ['status'], env);
    expect(status.stdout).toMatch(/user:\s+carol\n/);
    expect(status.stdout).toMatch(/signed in:\s+until \S+ \(identity provider https:\/\/localhost:\d+\/idp\)/);
    expect(status.stdout).toMatch(/certificate: valid until/);
  }, 60_000);

  it('gives up with a clear error when the user refuses on the other device', async () => {
    const home = join(dir, 'home-refused');
    const login = spawnCli(AGENT_BIN, ['login', '--proxy', proxy.url, '--ca-fingerprint', proxy.caFingerprint, '--device-code'], { ZEROGATE_HOME: home });
    children.push(login);
    const [, uri, userCode] = await login.waitFor(/open (https:\/\/\S+) and enter the code (\S+)/);
    const browser = new Browser(caPem);
    const input = await browser.get(uri!);
    const action = new URL(formAction(input.body, '/device'), uri).href;
    const confirm = await browser.post(action, { ...hiddenInputs(input.body), user_code: userCode! });
    await browser.post(action, { ...hiddenInputs(confirm.body), abort: 'yes' });
    await login.waitFor(/error ZG_ERR_AUTH_LOGIN_FAILED/, 30_000);
    const status = await runCli(AGENT_BIN, ['status'], { ZEROGATE_HOME: home });
    expect(status.stdout).toContain('not enrolled');
  }, 60_000);

  it('Ctrl-C while the sign-in waits cancels it at once, for both ways of signing in', async () => {
    for (const mode of ['--device-code', '--no-browser']) {
      const home = join(dir, `home-cancel${mode}`);
      const login = spawnCli(AGENT_BIN, ['login', '--proxy', proxy.url, '--ca-fingerprint', proxy.caFingerprint, mode], { ZEROGATE_HOME: home });
      children.push(login);
      await login.waitFor(/https:\/\/\S+/);
      const sent = Date.now();
      login.process.kill('SIGINT');
      await login.waitFor(/error ZG_ERR_AUTH_LOGIN_FAILED: .*cancel/i, 5_000);
      await new Promise<void>((resolve) => (login.process.exitCode !== null ? resolve() : login.process.once('exit', () => resolve())));
      expect(login.process.exitCode).toBe(1);
      expect(Date.now() - sent).toBeLessThan(5_000);
    }
  }, 60_000);
});
