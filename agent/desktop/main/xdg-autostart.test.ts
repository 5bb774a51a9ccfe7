import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AUTOSTART_FILE, autostartDir, desktopEntry, XdgAutostart } from './xdg-autostart.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('XDG autostart (start at login on Linux)', () => {
  it('finds the autostart folder from XDG_CONFIG_HOME, else ~/.config', () => {
    expect(autostartDir({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u')).toBe('/x/cfg/autostart');
    expect(autostartDir({}, '/home/u')).toBe('/home/u/.config/autostart');
    // A relative value is invalid per the specification and ignored.
    expect(autostartDir({ XDG_CONFIG_HOME: 'cfg' }, '/home/u')).toBe('/home/u/.config/autostart');
  });

  it('is off by default, writes an entry when turned on, removes it when turned off', () => {
    const home = mkdtempSync(join(tmpdir(), 'zg-autostart-'));
    dirs.push(home);
    const dir = join(home, 'autostart');
    const autostart = new XdgAutostart(dir, '/opt/Zerogate/zerogate-desktop');
    expect(autostart.get()).toBe(false);
    autostart.set(true);
    expect(autostart.get()).toBe(true);
    const file = join(dir, AUTOSTART_FILE);
    expect(readFileSync(file, 'utf8')).toContain('Exec="/opt/Zerogate/zerogate-desktop" --hidden');
    expect(statSync(file).mode & 0o777).toBe(0o644);
    autostart.set(false);
    expect(autostart.get()).toBe(false);
    autostart.set(false); // already off: no error
  });

  it('respects an entry the user disabled in their desktop settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zg-autostart-'));
    dirs.push(dir);
    writeFileSync(join(dir, AUTOSTART_FILE), `${desktopEntry('/usr/bin/zerogate-desktop')}Hidden=true\n`);
    expect(new XdgAutostart(dir, '/usr/bin/zerogate-desktop').get()).toBe(false);
  });

  it('quotes paths with spaces and specials, and refuses line breaks', () => {
    expect(desktopEntry('/home/a b/Zero$gate')).toContain('Exec="/home/a b/Zero\\\\$gate" --hidden');
    expect(() => desktopEntry('/tmp/x\nExec=evil')).toThrow(TypeError);
  });
});
