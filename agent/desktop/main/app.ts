/**
 * Wires the desktop app together over an ElectronPort: the secret box, the controller, the
 * tray, the window (created on demand, sandboxed, kept on its page) and the IPC handlers.
 * Electron's own objects stay in electron-adapter.ts; this file is what tests start.
 */
import { pathToFileURL } from 'node:url';
import { AgentHome } from '../../core/state/index.ts';
import { STATE_EVENT, type DesktopState } from '../contract/index.ts';
import { DesktopController, type ControllerOptions } from './controller.ts';
import type { ElectronPort, TrayPort, WindowPort } from './electron-port.ts';
import { registerIpc } from './ipc.ts';
import { SafeStorageBox } from './secret-box.ts';
import { trayView } from './tray.ts';
import { guardWebContents, windowOptions } from './window-security.ts';

export interface DesktopAppOptions {
  electron: ElectronPort;
  /** The agent's state directory (ZEROGATE_HOME, or the app's own under userData). */
  homeDir: string;
  /** dist/preload.js */
  preloadPath: string;
  /** dist/renderer/index.html */
  pagePath: string;
  devTools?: boolean;
  core?: ControllerOptions['core'];
  appsRefreshMs?: number;
}

export class DesktopApp {
  readonly controller: DesktopController;
  readonly home: AgentHome;
  readonly pageUrl: string;
  readonly #options: DesktopAppOptions;
  readonly #electron: ElectronPort;
  #tray: TrayPort | undefined;
  #window: WindowPort | undefined;

  constructor(options: DesktopAppOptions) {
    this.#options = options;
    this.#electron = options.electron;
    this.pageUrl = pathToFileURL(options.pagePath).href;
    // Every secret the core writes goes through safeStorage; it refuses when that cannot encrypt.
    this.home = new AgentHome(options.homeDir, { secrets: new SafeStorageBox(options.electron.safeStorage, options.electron.platform) });
    this.controller = new DesktopController({
      home: this.home,
      electron: options.electron,
      showWindow: () => this.showWindow(),
      ...(options.core === undefined ? {} : { core: options.core }),
      ...(options.appsRefreshMs === undefined ? {} : { appsRefreshMs: options.appsRefreshMs }),
    });
  }

  async start(): Promise<void> {
    this.#electron.denyAllPermissions();
    registerIpc(this.#electron, this.controller, this.pageUrl);
    this.#tray = this.#electron.createTray();
    this.#tray.onClick(() => this.showWindow());
    this.controller.subscribe((state) => this.#render(state));
    this.#render(this.controller.state());
    await this.controller.start();
  }

  /** Opens the window, or brings it to the front. */
  showWindow(): WindowPort {
    if (this.#window !== undefined && !this.#window.isDestroyed()) {
      this.#window.show();
      this.#window.focus();
      return this.#window;
    }
    const win = this.#electron.createWindow(windowOptions(this.#options.preloadPath, { devTools: this.#options.devTools === true }));
    guardWebContents(win.webContents, this.pageUrl);
    win.onClosed(() => {
      if (this.#window === win) this.#window = undefined;
    });
    this.#window = win;
    void win.loadFile(this.#options.pagePath).then(() => win.show());
    return win;
  }

  async quit(): Promise<void> {
    await this.controller.stop();
    this.#electron.quit();
  }

  #render(state: DesktopState): void {
    this.#tray?.set(
      trayView(state, {
        open: () => void this.showWindow(),
        signIn: () => {
          this.showWindow();
          if (!state.needsProxy) void this.controller.signIn();
        },
        signOut: () => void this.controller.signOut(),
        setStartAtLogin: (enabled) => void this.controller.setStartAtLogin(enabled),
        quit: () => void this.quit(),
      }),
    );
    const win = this.#window;
    if (win !== undefined && !win.isDestroyed()) win.webContents.send(STATE_EVENT, state);
  }
}
