/**
 * The ElectronPort over the real `electron` module: the only file of the main process that
 * touches Electron. Kept to one-line translations so that the logic stays testable without the
 * Electron binary (DESIGN.md §10).
 */
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, nativeImage, Notification, safeStorage, session, shell, Tray, type MenuItemConstructorOptions } from 'electron';
import type { ElectronPort, MenuItemSpec, TrayIcon, TrayPort, WindowPort } from './electron-port.ts';
import { autostartDir, XdgAutostart } from './xdg-autostart.ts';

function menuItem(spec: MenuItemSpec): MenuItemConstructorOptions {
  return {
    label: spec.label,
    type: spec.type ?? 'normal',
    ...(spec.enabled === undefined ? {} : { enabled: spec.enabled }),
    ...(spec.checked === undefined ? {} : { checked: spec.checked }),
    ...(spec.click === undefined ? {} : { click: spec.click }),
  };
}

export function electronPort(iconDir: string): ElectronPort {
  // An AppImage runs from a temporary mount: its stable path is $APPIMAGE.
  const linuxAutostart = process.platform === 'linux' ? new XdgAutostart(autostartDir(), process.env.APPIMAGE ?? process.execPath) : undefined;
  const icon = (name: TrayIcon) => nativeImage.createFromPath(join(iconDir, `tray-${name}.png`));
  return {
    platform: process.platform,
    createTray(): TrayPort {
      const tray = new Tray(icon('signed-out'));
      return {
        set(view) {
          tray.setImage(icon(view.icon));
          tray.setToolTip(view.tooltip);
          tray.setContextMenu(Menu.buildFromTemplate(view.menu.map(menuItem)));
        },
        onClick(listener) {
          tray.on('click', listener);
        },
      };
    },
    createWindow(options): WindowPort {
      const win = new BrowserWindow(options);
      const contents = win.webContents;
      return {
        webContents: {
          on: (event, listener) => void contents.on(event as 'will-navigate', listener as never),
          setWindowOpenHandler: (handler) => contents.setWindowOpenHandler(handler),
          send: (channel, data) => contents.send(channel, data),
        },
        loadFile: (path) => win.loadFile(path),
        show: () => win.show(),
        focus: () => win.focus(),
        isDestroyed: () => win.isDestroyed(),
        onClosed: (listener) => void win.on('closed', listener),
      };
    },
    notify(spec, onClick) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title: spec.title, body: spec.body });
      if (onClick !== undefined) notification.on('click', onClick);
      notification.show();
    },
    safeStorage,
    // Electron's login items do nothing on Linux: there the XDG autostart entry is the switch.
    getStartAtLogin: () => (linuxAutostart === undefined ? app.getLoginItemSettings().openAtLogin : linuxAutostart.get()),
    setStartAtLogin: (enabled) => (linuxAutostart === undefined ? app.setLoginItemSettings({ openAtLogin: enabled }) : linuxAutostart.set(enabled)),
    openExternal: (url) => shell.openExternal(url),
    handle: (channel, handler) => ipcMain.handle(channel, (event, ...args) => handler({ senderFrame: event.senderFrame }, ...args)),
    denyAllPermissions() {
      session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
      session.defaultSession.setPermissionCheckHandler(() => false);
    },
    quit: () => app.quit(),
  };
}
