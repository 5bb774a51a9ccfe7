import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { launchChromium, signInOnIdpPages, spkiHash } from '../helpers/browser.ts';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_BIN, freePort, PROXY_BIN, runCli, spawnCli, type Child } from '../helpers/processes.ts';
import { tempDir } from '../helpers/stack.ts';

const exec = promisify(execFile);

describe('`npm start` (zerogate-proxy demo) works as its printed instructions say', () => {
  const children: Child[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
  });

  it('prints the commands, and following them reaches both sample apps', async () => {
    const port = await freePort();
    const demo = spawnCli(PROXY_BIN, ['demo', '--port', String(port)]);
    children.push(demo);
    await demo.waitFor(/Ctrl-C stops the demo/);
    const text = demo.output();
    const home = /export ZEROGATE_HOME=(\S+)/.exec(text)![1]!;
    const login = /\.\/bin\/zerogate\.js (login --proxy \S+ --ca-fingerprint \S+) \\\n\s+(--token \S+)/.exec(text)!;
    const args = `${login[1]} ${login[2]}`.split(' ');
    const enrolled = await runCli(AGENT_BIN, args, { ZEROGATE_HOME: home });
    expect(enrolled.stderr).toBe('');
    expect(enrolled.stdout).toMatch(/enrolled device .* for demo@example.com/);

    const webPort = await freePort();
    const web = spawnCli(AGENT_BIN, ['connect', 'hello', '--listen', `127.0.0.1:${webPort}`], { ZEROGATE_HOME: home });
    children.push(web);
    await web.waitFor(/tunnel: connected/);
    const { stdout } = await exec('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${webPort}/`]);
    expect(stdout).toContain('Hello through Zerogate');

    const echoPort = await freePort();
    const echo = spawnCli(AGENT_BIN, ['connect', 'echo', '--listen', `127.0.0.1:${echoPort}`], { ZEROGATE_HOME: home });
    children.push(echo);
    await echo.waitFor(/tunnel: connected/);
    const { stdout: echoed } = await exec('bash', ['-c', `echo hello-zerogate | curl -s --max-time 1 telnet://127.0.0.1:${echoPort} || true`]);
    expect(echoed).toContain('hello-zerogate');

    // The audit log the demo names records the session and streams as JSON lines.
    const auditFile = /audit log:\s+(\S+)/.exec(text)![1]!;
    const events = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['device.enroll', 'session.open', 'stream.open']));
  }, 60_000);
});

describe('`npm start`: the printed demo users sign in through a browser', () => {
  const children: Child[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
  });

  it('alice signs in with the printed password and TOTP secret, and reaches the web page', async () => {
    const port = await freePort();
    const demo = spawnCli(PROXY_BIN, ['demo', '--port', String(port)]);
    children.push(demo);
    await demo.waitFor(/Ctrl-C stops the demo/);
    const text = demo.output();
    const users = [...text.matchAll(/^ {2}(\w+)\s+(\S+)\s+password (\S+)\s+TOTP secret (\S+)$/gm)].map((m) => ({ username: m[1]!, groups: m[2]!, password: m[3]!, totpSecret: m[4]! }));
    expect(users.map((u) => `${u.username}:${u.groups}`)).toEqual(['alice:engineering', 'hank:helpdesk', 'ada:admin,engineering']);
    const home = /export ZEROGATE_HOME=(\S+)/.exec(text)![1]!;
    const login = /\.\/bin\/zerogate\.js (login --proxy \S+ --ca-fingerprint \S+)\n/.exec(text)!;
    const configFile = /config:\s+(\S+)/.exec(text)![1]!;
    const browser = await launchChromium([spkiHash(readFileSync(join(dirname(configFile), 'data', 'server.pem'), 'utf8'))]);
    try {
      const agent = spawnCli(AGENT_BIN, [...login[1]!.split(' '), '--no-browser'], { ZEROGATE_HOME: home });
      children.push(agent);
      const [url] = await agent.waitFor(/https:\/\/\S+\/auth\?\S+/);
      const page = await browser.newPage();
      await page.goto(url);
      await signInOnIdpPages(page, users[0]!, 'demo-alice');
      await page.getByText('Signed in to Zerogate').waitFor();
      await agent.waitFor(/session valid until/);

      // The printed console, as the printed admin: both sample apps are listed.
      const consoleUrl = /console:\s+(\S+)/.exec(text)![1]!;
      const admin = await (await browser.newContext()).newPage();
      await admin.goto(consoleUrl);
      await admin.getByRole('link', { name: 'Sign in' }).click();
      await signInOnIdpPages(admin, users[2]!, 'demo-ada-console', 1);
      await admin.getByTestId('apps-table').waitFor();
      await expect.poll(() => admin.locator('[data-testid="apps-table"] tr[data-app]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-app')).sort())).toEqual(['echo', 'hello']);
      expect(await admin.getByTestId('role').textContent()).toContain('admin');
    } finally {
      await browser.close();
    }
    const webPort = await freePort();
    const web = spawnCli(AGENT_BIN, ['connect', 'hello', '--listen', `127.0.0.1:${webPort}`], { ZEROGATE_HOME: home });
    children.push(web);
    await web.waitFor(/tunnel: connected/);
    const { stdout } = await exec('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${webPort}/`]);
    expect(stdout).toContain('Hello through Zerogate');
  }, 90_000);
});

describe('zerogate-proxy init', () => {
  it('writes a starter config and a CA with private keys, and prints the CA fingerprint', async () => {
    const dir = tempDir();
    const result = await runCli(PROXY_BIN, ['init', '--dir', dir]);
    expect(result.code).toBe(0);
    const fingerprint = /CA fingerprint \(SHA-256\): ([0-9A-F:]{95})/.exec(result.stdout)?.[1];
    expect(fingerprint).toBeDefined();
    const data = join(dir, 'zerogate-data');
    expect(statSync(join(data, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, 'server.key')).mode & 0o777).toBe(0o600);
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(readFileSync(join(data, 'ca.pem'))).fingerprint256).toBe(fingerprint);
    // Run twice: the CA is kept, so enrolled devices stay valid.
    const again = await runCli(PROXY_BIN, ['init', '--dir', dir]);
    expect(again.stdout).toContain('kept the existing device CA');
    expect(again.stdout).toContain(fingerprint);
  }, 30_000);
});
