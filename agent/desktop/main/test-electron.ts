/**
 * A stand-in for `electron` behind the ElectronPort, for tests without the Electron binary: it
 * records what the app does (tray views, windows and their options, notifications, login item,
 * opened URLs, IPC handlers) and encrypts for real (AES-256-GCM with a key held in memory, as
 * the OS keychain would hold it) so tests can check that no secret reaches the disk in clear.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ElectronPort, IpcEvent, NotificationSpec, PreventableEvent, SafeStorageLike, TrayView, WebContentsEvent, WindowOptions, WindowPort } from './electron-port.ts';

export class FakeSafeStorage implements SafeStorageLike {
  available = true;
  backend = 'gnome_libsecret';
  readonly #key = randomBytes(32);

  isEncryptionAvailable(): boolean {
    return this.available;
  }

  getSelectedStorageBackend(): string {
    return this.backend;
  }

  encryptString(plain: string): Uint8Array {
    if (!this.available) throw new Error('Encryption is not available.');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decryptString(sealed: Uint8Array): string {
    const bytes = Buffer.from(sealed);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }
}

export class FakeWebContents {
  readonly listeners = new Map<WebContentsEvent, ((event: PreventableEvent, ...args: unknown[]) => void)[]>();
  openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  readonly sent: { channel: string; data: unknown }[] = [];

  on(event: WebContentsEvent, listener: (event: PreventableEvent, ...args: unknown[]) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }

  send(channel: string, data: unknown): void {
    // Through structured clone, as Electron does: functions or class instances would throw here.
    this.sent.push({ channel, data: structuredClone(data) });
  }

  /** Emits `event` as Electron would; returns whether a listener cancelled it. */
  emit(event: WebContentsEvent, ...args: unknown[]): boolean {
    let prevented = false;
    for (const listener of this.listeners.get(event) ?? []) listener({ preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }
}

export class FakeWindow implements WindowPort {
  readonly webContents = new FakeWebContents();
  loaded: string | undefined;
  shown = 0;
  destroyed = false;
  readonly #closed: (() => void)[] = [];

  constructor(readonly options: WindowOptions) {}

  async loadFile(path: string): Promise<void> {
    this.loaded = path;
  }

  show(): void {
    this.shown++;
  }

  focus(): void {}

  isDestroyed(): boolean {
    return this.destroyed;
  }

  onClosed(listener: () => void): void {
    this.#closed.push(listener);
  }

  close(): void {
    this.destroyed = true;
    for (const l of this.#closed) l();
  }
}

export class FakeElectron implements ElectronPort {
  readonly platform: NodeJS.Platform = 'linux';
  readonly safeStorage = new FakeSafeStorage();
  readonly trays: TrayView[] = [];
  readonly windows: FakeWindow[] = [];
  readonly notifications: (NotificationSpec & { click?: () => void })[] = [];
  readonly opened: string[] = [];
  readonly handlers = new Map<string, (event: IpcEvent, ...args: unknown[]) => unknown>();
  loginItem = false;
  permissionsDenied = false;
  quitCalled = false;
  /** What openExternal does with the URL (tests: follow the sign-in in a test browser). */
  onOpenExternal: (url: string) => void = () => undefined;
  #trayClick: (() => void) | undefined;

  get tray(): TrayView | undefined {
    return this.trays.at(-1);
  }

  createTray() {
    return {
      set: (view: TrayView) => void this.trays.push(view),
      onClick: (listener: () => void) => void (this.#trayClick = listener),
    };
  }

  clickTray(): void {
    this.#trayClick?.();
  }

  createWindow(options: WindowOptions): FakeWindow {
    const win = new FakeWindow(options);
    this.windows.push(win);
    return win;
  }

  notify(notification: NotificationSpec, onClick?: () => void): void {
    this.notifications.push({ ...notification, ...(onClick === undefined ? {} : { click: onClick }) });
  }

  getStartAtLogin(): boolean {
    return this.loginItem;
  }

  setStartAtLogin(enabled: boolean): void {
    this.loginItem = enabled;
  }

  async openExternal(url: string): Promise<void> {
    this.opened.push(url);
    this.onOpenExternal(url);
  }

  handle(channel: string, handler: (event: IpcEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`a second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }

  /** Calls an IPC handler as ipcRenderer.invoke would, from a frame at `frameUrl`. */
  invoke(frameUrl: string, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return Promise.resolve(handler({ senderFrame: { url: frameUrl } }, ...args)).then((v) => structuredClone(v));
  }

  denyAllPermissions(): void {
    this.permissionsDenied = true;
  }

  quit(): void {
    this.quitCalled = true;
  }
}
