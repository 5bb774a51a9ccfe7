/**
 * The Electron main process entry (bundled to dist/main.js by scripts/build-desktop.ts). One
 * instance per user; the window opens on start unless the app was started at login, when only
 * the tray appears.
 */
import { join } from 'node:path';
import { app } from 'electron';
import { DesktopApp } from './app.ts';
import { electronPort } from './electron-adapter.ts';

/** The bundle's own directory: dist/ (main.js, preload.js, renderer/, icons/). */
const DIST = import.meta.dirname;

function homeDir(): string {
  const fromEnv = process.env.ZEROGATE_HOME;
  // The desktop app keeps its own state (sealed), apart from the CLI's ~/.zerogate.
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(app.getPath('userData'), 'agent');
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  await app.whenReady();
  const desktop = new DesktopApp({
    electron: electronPort(join(DIST, 'icons')),
    homeDir: homeDir(),
    preloadPath: join(DIST, 'preload.js'),
    pagePath: join(DIST, 'renderer', 'index.html'),
    devTools: !app.isPackaged,
  });
  app.on('second-instance', () => desktop.showWindow());
  // A tray app: closing the window keeps it running.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => desktop.showWindow());
  app.on('before-quit', () => void desktop.controller.stop());
  await desktop.start();
  // Started at login: tray only (macOS and Windows say so; the Linux autostart entry passes --hidden).
  if (!app.getLoginItemSettings().wasOpenedAtLogin && !process.argv.includes('--hidden')) desktop.showWindow();
}

void main();
