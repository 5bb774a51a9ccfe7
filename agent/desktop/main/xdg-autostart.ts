/**
 * Start at login on Linux. Electron's `app.setLoginItemSettings` does nothing there; desktop
 * environments (GNOME, KDE, Xfce, ...) start what `$XDG_CONFIG_HOME/autostart/*.desktop` lists
 * (the XDG Autostart specification). Turning it on writes that entry; off removes it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const AUTOSTART_FILE = 'zerogate-desktop.desktop';

/** `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart`. */
export function autostartDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const config = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(config, 'autostart');
}

/** A desktop entry's Exec value: the path quoted as the specification asks (it may hold spaces). */
function execValue(executable: string): string {
  if (/[\n\r]/.test(executable)) throw new TypeError('the executable path has a line break');
  return `"${executable.replace(/(["`$\\])/g, '\\\\$1')}" --hidden`;
}

export function desktopEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Zerogate',
    'Comment=Zero Trust access to company apps',
    `Exec=${execValue(executable)}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export class XdgAutostart {
  readonly #file: string;
  readonly #executable: string;

  constructor(dir: string, executable: string) {
    this.#file = join(dir, AUTOSTART_FILE);
    this.#executable = executable;
  }

  /** On when our entry exists and is not disabled by the user's desktop settings. */
  get(): boolean {
    if (!existsSync(this.#file)) return false;
    const text = readFileSync(this.#file, 'utf8');
    return !/^Hidden=true$/m.test(text) && !/^X-GNOME-Autostart-enabled=false$/m.test(text);
  }

  set(enabled: boolean): void {
    if (!enabled) {
      rmSync(this.#file, { force: true });
      return;
    }
    mkdirSync(join(this.#file, '..'), { recursive: true, mode: 0o700 });
    // Written whole, then renamed: a crash never leaves half an entry.
    const temp = `${this.#file}.tmp`;
    writeFileSync(temp, desktopEntry(this.#executable), { mode: 0o644 });
    renameSync(temp, this.#file);
  }
}
