/** The tray: an icon per state, a tooltip and a menu that say the same in words. */
import type { DesktopState } from '../contract/index.ts';
import type { MenuItemSpec, TrayIcon, TrayView } from './electron-port.ts';

export interface TrayActions {
  open: () => void;
  signIn: () => void;
  signOut: () => void;
  setStartAtLogin: (enabled: boolean) => void;
  quit: () => void;
}

/** The proxy node in use, short: `zg2.example.com:8443`, with its address when the name has several. */
export function nodeName(state: DesktopState): string | undefined {
  return state.endpoint?.label.replace(/^https:\/\//, '');
}

/** One line for the tooltip and the menu's first (disabled) item. */
export function statusLine(state: DesktopState): string {
  switch (state.phase) {
    case 'signed-out':
      return 'Zerogate: signed out';
    case 'signing-in':
      return 'Zerogate: signing in (continue in your browser)';
    case 'connecting':
      return state.tunnel === 'disconnected' ? 'Zerogate: reconnecting…' : 'Zerogate: connecting…';
    case 'connected': {
      const on = state.apps.filter((a) => a.connection.state === 'on').length;
      const node = nodeName(state);
      return `Zerogate: connected${node === undefined ? '' : ` to ${node}`}${on > 0 ? ` (${on} app${on === 1 ? '' : 's'} open)` : ''}`;
    }
    case 'blocked': {
      const names = (state.blocked?.apps ?? []).map((id) => state.apps.find((a) => a.id === id)?.name ?? id);
      const failing = state.posture.filter((c) => c.status === 'fail').map((c) => c.label.toLowerCase());
      const what = names.length > 0 ? `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}` : 'access';
      return `Zerogate: blocked: ${what}${failing.length > 0 ? ` (fix: ${failing.join(', ')})` : ''}`;
    }
  }
}

export function trayIcon(state: DesktopState): TrayIcon {
  return state.phase === 'signing-in' ? 'connecting' : state.phase;
}

export function trayView(state: DesktopState, actions: TrayActions): TrayView {
  const line = statusLine(state);
  const signedIn = state.phase !== 'signed-out' && state.phase !== 'signing-in';
  const menu: MenuItemSpec[] = [
    { label: line, enabled: false },
    // The node in use, also while blocked (the tooltip then names the apps).
    ...(state.endpoint !== undefined && state.phase !== 'connected' ? [{ label: `Proxy in use: ${nodeName(state)!}`, enabled: false }] : []),
    ...(state.session?.expiringSoon === true ? [{ label: 'Session ends soon: sign in again…', click: actions.signIn }] : []),
    { type: 'separator', label: '' },
    { label: 'Open Zerogate', click: actions.open },
    signedIn ? { label: 'Sign out', click: actions.signOut } : { label: 'Sign in…', enabled: state.phase === 'signed-out', click: actions.signIn },
    { type: 'separator', label: '' },
    { label: 'Start at login', type: 'checkbox', checked: state.settings.startAtLogin, click: () => actions.setStartAtLogin(!state.settings.startAtLogin) },
    { type: 'separator', label: '' },
    { label: 'Quit Zerogate', click: actions.quit },
  ];
  return { icon: trayIcon(state), tooltip: line, menu };
}
