/**
 * The window's security settings (Electron's security checklist, as VS Code applies it): the
 * renderer is sandboxed with context isolation and no Node, loads only the app's own page, may
 * not navigate or open windows, and gets no permission. The page's CSP allows only its own
 * script and style.
 */
import type { PreventableEvent, WebContentsPort, WindowOptions } from './electron-port.ts';

/** The renderer page's Content-Security-Policy (a meta tag in dist/renderer/index.html). */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export function windowOptions(preload: string, options: { devTools?: boolean } = {}): WindowOptions {
  return {
    width: 720,
    height: 760,
    minWidth: 420,
    minHeight: 480,
    title: 'Zerogate',
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: options.devTools === true,
    },
  };
}

/**
 * Keeps the window on its page: every navigation, redirect and frame navigation away from
 * `pageUrl` is cancelled, new windows are denied, webviews refused. Links the UI means to open
 * go through the main process (shell.openExternal), never through navigation.
 */
export function guardWebContents(contents: WebContentsPort, pageUrl: string): void {
  const stay = (event: PreventableEvent, ...args: unknown[]): void => {
    const target = urlOf(args[0]);
    if (target === undefined || stripHash(target) !== stripHash(pageUrl)) event.preventDefault();
  };
  contents.on('will-navigate', stay);
  contents.on('will-redirect', stay);
  contents.on('will-frame-navigate', stay);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Electron passes the URL as a string (older events) or inside a details object. */
function urlOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg !== null && typeof arg === 'object' && typeof (arg as { url?: unknown }).url === 'string') return (arg as { url: string }).url;
  return undefined;
}

function stripHash(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}

/** Whether an IPC call comes from the app's own page (not a navigated-away or injected frame). */
export function isTrustedSender(frameUrl: string | undefined, pageUrl: string): boolean {
  return frameUrl !== undefined && stripHash(frameUrl) === stripHash(pageUrl);
}
