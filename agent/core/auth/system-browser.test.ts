/** Opening the sign-in URL: the platform launchers, and $ZEROGATE_BROWSER with a real script. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectZgRejection } from '../../../proxy/pki/test-helpers.ts';
import { BROWSER_ENV, openSystemBrowser } from './index.ts';
import { browserCommand } from './system-browser.ts';

const URL_WITH_METACHARACTERS = 'https://idp.example/auth?client_id=zerogate-agent&scope=openid%20email&state=a(b)c!d^e%PATH%';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zerogate-browser-'));
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('browserCommand', () => {
  it('uses xdg-open on Linux, open on macOS, with the URL as one argument', () => {
    expect(browserCommand('https://idp.example/auth?a=1&b=2', 'linux', {})).toEqual({ command: 'xdg-open', args: ['https://idp.example/auth?a=1&b=2'], windowsVerbatimArguments: false });
    expect(browserCommand('https://idp.example/auth?a=1&b=2', 'darwin', {})).toEqual({ command: 'open', args: ['https://idp.example/auth?a=1&b=2'], windowsVerbatimArguments: false });
    expect(browserCommand('https://idp.example/', 'freebsd', {}).command).toBe('xdg-open');
  });

  it('uses cmd /c start "" on Windows with every cmd metacharacter of the URL escaped', () => {
    const { command, args, windowsVerbatimArguments } = browserCommand(URL_WITH_METACHARACTERS, 'win32', { ComSpec: 'C:\\Windows\\system32\\cmd.exe' });
    expect(command).toBe('C:\\Windows\\system32\\cmd.exe');
    expect(windowsVerbatimArguments).toBe(true);
    expect(args.slice(0, 3)).toEqual(['/d', '/s', '/c']);
    expect(args[3]).toBe(
      '"start "" https://idp.example/auth^?client_id=zerogate-agent^&scope=openid^%20email^&state=a^(b^)c^!d^^e^%PATH^%"',
    );
  });

  it('lets ZEROGATE_BROWSER replace the launcher on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(browserCommand('https://idp.example/', platform, { [BROWSER_ENV]: '/opt/browser' })).toEqual({ command: '/opt/browser', args: ['https://idp.example/'], windowsVerbatimArguments: false });
    }
  });

  it('opens only http(s) URLs', () => {
    expect(() => browserCommand('file:///etc/passwd', 'linux', {})).toThrow(TypeError);
    expect(() => browserCommand('javascript:alert(1)', 'linux', {})).toThrow(TypeError);
    expect(() => browserCommand('not a url', 'linux', {})).toThrow(TypeError);
  });
});

describe('openSystemBrowser', () => {
  it('runs $ZEROGATE_BROWSER with the URL as its single argument, no shell in between', async () => {
    const out = join(dir, 'opened.txt');
    vi.stubEnv(BROWSER_ENV, script('record.sh', `printf '%s|%s' "$#" "$1" > '${out}'`));
    const url = 'https://idp.example/auth?a=1&b=$(touch /tmp/zerogate-pwned)&c=`id`;d';
    await openSystemBrowser(url);
    expect(readFileSync(out, 'utf8')).toBe(`1|${new URL(url).href}`);
  });

  it('returns while a launcher keeps running (a browser that stays open)', async () => {
    vi.stubEnv(BROWSER_ENV, script('slow.sh', 'sleep 4'));
    const started = Date.now();
    await openSystemBrowser('https://idp.example/');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is ZG_ERR_AUTH_BROWSER_UNAVAILABLE when the launcher fails or does not exist', async () => {
    vi.stubEnv(BROWSER_ENV, script('fail.sh', 'exit 3'));
    const failed = await expectZgRejection(openSystemBrowser('https://idp.example/'), 'ZG_ERR_AUTH_BROWSER_UNAVAILABLE');
    expect(failed.message).toContain('exit status 3');

    vi.stubEnv(BROWSER_ENV, join(dir, 'no-such-browser'));
    const missing = await expectZgRejection(openSystemBrowser('https://idp.example/'), 'ZG_ERR_AUTH_BROWSER_UNAVAILABLE');
    expect(missing.message).toContain('ENOENT');
  });

  it('refuses a URL that is not http(s) before running anything', async () => {
    const out = join(dir, 'never.txt');
    vi.stubEnv(BROWSER_ENV, script('never.sh', `touch '${out}'`));
    await expect(openSystemBrowser('file:///etc/passwd')).rejects.toBeInstanceOf(TypeError);
    expect(() => readFileSync(out)).toThrow();
  });
});
