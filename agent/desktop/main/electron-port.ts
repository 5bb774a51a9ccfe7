/**
 * The small interface over `electron` the main process uses. Everything else in `main/` is plain
 * Node that tests drive with a fake port; only electron-adapter.ts imports `electron`.
 */

/** The tray icon for each state; the tooltip and menu say it in words too (never colour alone). */
export type TrayIcon = 'signed-out' | 'connecting' | 'connected' | 'blocked';

export interface MenuItemSpec {
  label: string;
  type?: 'normal' | 'separator' | 'checkbox';
  enabled?: boolean;
  checked?: boolean;
  click?: () => void;
}

export interface TrayView {
  icon: TrayIcon;
  tooltip: string;
  menu: MenuItemSpec[];
}

export interface TrayPort {
  set(view: TrayView): void;
  onClick(listener: () => void): void;
}

/** The cancellable part of an Electron event. */
export interface PreventableEvent {
  preventDefault(): void;
}

export type WebContentsEvent = 'will-navigate' | 'will-redirect' | 'will-frame-navigate' | 'will-attach-webview';

export interface WebContentsPort {
  on(event: WebContentsEvent, listener: (event: PreventableEvent, ...args: unknown[]) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  send(channel: string, data: unknown): void;
}

/** The BrowserWindow options this app sets (a subset of Electron's; see window-security.ts). */
export interface WindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: boolean;
  autoHideMenuBar: boolean;
  webPreferences: {
    preload: string;
    contextIsolation: true;
    sandbox: true;
    nodeIntegration: false;
    nodeIntegrationInWorker: false;
    nodeIntegrationInSubFrames: false;
    webSecurity: true;
    allowRunningInsecureContent: false;
    webviewTag: false;
    experimentalFeatures: false;
    navigateOnDragDrop: false;
    spellcheck: false;
    devTools: boolean;
  };
}

export interface WindowPort {
  readonly webContents: WebContentsPort;
  loadFile(path: string): Promise<void>;
  show(): void;
  focus(): void;
  isDestroyed(): boolean;
  onClosed(listener: () => void): void;
}

/** Electron's safeStorage (OS keychain: Keychain, DPAPI, libsecret/kwallet). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Uint8Array;
  decryptString(sealed: Uint8Array): string;
  /** Linux only: which keyring backs it; `basic_text` is a fixed key, i.e. no protection. */
  getSelectedStorageBackend?(): string;
}

/** What ipcMain passes a handler: who is calling. */
export interface IpcEvent {
  senderFrame: { url: string } | null | undefined;
}

export interface NotificationSpec {
  title: string;
  body: string;
}

export interface ElectronPort {
  readonly platform: NodeJS.Platform;
  createTray(): TrayPort;
  createWindow(options: WindowOptions): WindowPort;
  notify(notification: NotificationSpec, onClick?: () => void): void;
  readonly safeStorage: SafeStorageLike;
  /** app.getLoginItemSettings().openAtLogin */
  getStartAtLogin(): boolean;
  /** app.setLoginItemSettings({openAtLogin}) */
  setStartAtLogin(enabled: boolean): void;
  /** shell.openExternal */
  openExternal(url: string): Promise<void>;
  /** ipcMain.handle */
  handle(channel: string, handler: (event: IpcEvent, ...args: unknown[]) => unknown): void;
  /** Refuses every permission request (camera, notifications from pages, ...) from web contents. */
  denyAllPermissions(): void;
  quit(): void;
}
