import { spawn, type ChildProcess } from 'node:child_process';
import { ZerogateError } from '../../../shared/errors.ts';
import { BROWSER_ENV, BROWSER_LAUNCH_GRACE_MS } from './constants.ts';

/** How to launch the URL opener: an executable and its arguments, never a shell line with the URL in it. */
export interface BrowserCommand {
  command: string;
  args: string[];
  /** Windows only: `args` are already quoted for cmd.exe. */
  windowsVerbatimArguments: boolean;
}

/**
 * cmd.exe metacharacters, escaped with `^` so that `start` receives the URL literally (the same
 * set cross-spawn escapes). A URL from `new URL().href` holds no spaces or quotes.
 */
const CMD_META = /([()\][%!^"`<>&|;, *?])/g;

/**
 * The command that opens `url` in the user's browser: `$ZEROGATE_BROWSER <url>` when set (a path
 * to an executable, run without a shell), else `xdg-open` (Linux and other Unixes), `open`
 * (macOS) or `cmd.exe /d /s /c "start "" <url>"` (Windows, the URL escaped for cmd).
 */
export function browserCommand(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): BrowserCommand {
  const href = checkUrl(url);
  const override = env[BROWSER_ENV];
  if (override !== undefined && override !== '') return { command: override, args: [href], windowsVerbatimArguments: false };
  switch (platform) {
    case 'darwin':
      return { command: 'open', args: [href], windowsVerbatimArguments: false };
    case 'win32':
      return {
        command: env.ComSpec ?? 'cmd.exe',
        args: ['/d', '/s', '/c', `"start "" ${href.replace(CMD_META, '^$1')}"`],
        windowsVerbatimArguments: true,
      };
    default:
      return { command: 'xdg-open', args: [href], windowsVerbatimArguments: false };
  }
}

/**
 * Opens `url` (an http or https URL: the IdP's authorization URL) in the system browser, with the
 * launcher spawned detached so it outlives a short-lived CLI. The launcher failing to start, or
 * exiting with a failure status within {@link BROWSER_LAUNCH_GRACE_MS}, is
 * `ZG_ERR_AUTH_BROWSER_UNAVAILABLE`, so the CLI can print the URL instead. A URL of another
 * scheme is a TypeError: nothing else is ever handed to the opener.
 */
export function openSystemBrowser(url: string): Promise<void> {
  let launch: BrowserCommand;
  try {
    launch = browserCommand(url);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: ZerogateError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      child.unref();
      if (error === undefined) resolve();
      else reject(error);
    };
    let child: ChildProcess;
    try {
      child = spawn(launch.command, launch.args, {
        detached: true,
        stdio: 'ignore',
        windowsHide: true,
        windowsVerbatimArguments: launch.windowsVerbatimArguments,
      });
    } catch (cause) {
      reject(new ZerogateError('ZG_ERR_AUTH_BROWSER_UNAVAILABLE', `cannot start the browser opener ${launch.command}: open the sign-in URL yourself`, { cause }));
      return;
    }
    const grace = setTimeout(() => settle(), BROWSER_LAUNCH_GRACE_MS);
    child.once('error', (cause) => {
      const code = (cause as NodeJS.ErrnoException).code ?? 'unknown error';
      settle(new ZerogateError('ZG_ERR_AUTH_BROWSER_UNAVAILABLE', `cannot start the browser opener ${launch.command} (${code}): open the sign-in URL yourself`, { cause }));
    });
    child.once('exit', (status, signal) => {
      if (status === 0) {
        settle();
        return;
      }
      const how = signal === null ? `exit status ${status}` : `signal ${signal}`;
      settle(new ZerogateError('ZG_ERR_AUTH_BROWSER_UNAVAILABLE', `the browser opener ${launch.command} failed (${how}): open the sign-in URL yourself`));
    });
  });
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('url must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('only http(s) URLs are opened in the browser');
  return parsed.href;
}
