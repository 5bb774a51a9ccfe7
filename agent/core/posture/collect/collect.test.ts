/**
 * collectPosture on each platform with a fake CommandRunner and a fake systeminformation fed
 * recorded outputs: the project's fixtures (test/fixtures/posture/<platform>/<tool-id>/) where
 * they exist, else outputs written in the tool's documented format. Real parsers throughout.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePostureReport, POSTURE_CHECKS, type PostureReport } from '../../../../shared/posture/index.ts';
import { ToolOutputCache } from './cache.ts';
import { collectPosture, type CollectPostureOptions } from './collect.ts';
import type { CommandResult, CommandRunner, FileReader } from './runner.ts';
import type { SystemInformationLike } from './system.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'posture');
const fixture = (platform: string, toolId: string, name: string): string => readFileSync(join(FIXTURES, platform, toolId, `${name}.txt`), 'utf8');

/** What a fake tool does: print (exit 0 unless told), be missing, hang forever, or fail to start. */
type Behaviour = string | { stdout?: string; stderr?: string; exitCode?: number } | 'missing' | 'hang' | 'denied';

interface Fakes {
  commands: Record<string, Behaviour>;
  files?: Record<string, string>;
  si?: Partial<{ [K in keyof SystemInformationLike]: Awaited<ReturnType<SystemInformationLike[K]>> | 'fail' | 'hang' }>;
}

const enoent = (what: string) => Object.assign(new Error(`spawn ${what} ENOENT`), { code: 'ENOENT' });
const never = <T>() => new Promise<T>(() => undefined);

/** A runner that answers from `commands` (keyed by "file arg arg"); anything else is not installed. */
function fakeRunner(commands: Record<string, Behaviour>, calls: string[] = []): CommandRunner {
  return async (file, args) => {
    const key = [file, ...args].join(' ');
    calls.push(key);
    const behaviour = commands[key] ?? 'missing';
    if (behaviour === 'missing') throw enoent(file);
    if (behaviour === 'denied') throw Object.assign(new Error(`spawn ${file} EACCES`), { code: 'EACCES' });
    if (behaviour === 'hang') return never<CommandResult>();
    if (typeof behaviour === 'string') return { stdout: behaviour, stderr: '', exitCode: 0 };
    return { stdout: behaviour.stdout ?? '', stderr: behaviour.stderr ?? '', exitCode: behaviour.exitCode ?? 0 };
  };
}

function fakeFiles(files: Record<string, string> = {}): FileReader {
  return async (path) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return text;
  };
}

function fakeSi(si: Fakes['si'] = {}): SystemInformationLike {
  const answer = <T>(value: T | 'fail' | 'hang' | undefined, fallback: T): Promise<T> =>
    value === 'fail' ? Promise.reject(new Error('systeminformation failed')) : value === 'hang' ? never<T>() : Promise.resolve(value ?? fallback);
  return {
    osInfo: () => answer(si.osInfo, {}),
    uuid: () => answer(si.uuid, { hardware: '' }),
    processes: () => answer(si.processes, { list: [] }),
  };
}

function collect(platform: NodeJS.Platform, fakes: Fakes, extra: Partial<CollectPostureOptions> = {}, calls: string[] = []): Promise<PostureReport> {
  return collectPosture({
    platform,
    run: fakeRunner(fakes.commands, calls),
    readFile: fakeFiles(fakes.files),
    si: fakeSi(fakes.si),
    now: () => NOW[platform as keyof typeof NOW] ?? NOW.linux,
    agentVersion: '0.1.0',
    env: ENV[platform as keyof typeof ENV],
    ...extra,
  });
}

const statuses = (report: PostureReport) => Object.fromEntries(POSTURE_CHECKS.map((c) => [c, report[c].status]));
const all = (status: string) => Object.fromEntries(POSTURE_CHECKS.map((c) => [c, status]));

/** Each platform's clock: a few days after the last update of its compliant outputs. */
const NOW = {
  linux: Date.parse('2026-11-25T12:00:00Z'),
  darwin: Date.parse('2024-04-20T12:00:00Z'),
  win32: Date.parse('2024-11-20T12:00:00Z'),
};
const ENV = {
  linux: { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME', DISPLAY: ':0' },
  darwin: {},
  win32: { SystemDrive: 'C:' },
};

const processes = (...names: string[]) => ({ list: [{ name: 'systemd', command: '/sbin/init' }, ...names.map((name) => ({ name, command: name }))] });

// --- linux outputs in the tools' documented formats (no project fixtures for linux yet) -------

const LSBLK = 'lsblk --json --paths -o NAME,TYPE,MOUNTPOINT,FSTYPE';
const LSBLK_LUKS = JSON.stringify({
  blockdevices: [
    {
      name: '/dev/nvme0n1', type: 'disk', mountpoint: null, fstype: null,
      children: [
        { name: '/dev/nvme0n1p1', type: 'part', mountpoint: '/boot/efi', fstype: 'vfat' },
        { name: '/dev/nvme0n1p2', type: 'part', mountpoint: '/boot', fstype: 'ext4' },
        {
          name: '/dev/nvme0n1p3', type: 'part', mountpoint: null, fstype: 'crypto_LUKS',
          children: [{ name: '/dev/mapper/dm_crypt-0', type: 'crypt', mountpoint: null, fstype: 'LVM2_member', children: [{ name: '/dev/mapper/vg-root', type: 'lvm', mountpoint: '/', fstype: 'ext4' }] }],
        },
      ],
    },
  ],
}, null, 3);
const LSBLK_PLAIN = JSON.stringify({
  blockdevices: [{ name: '/dev/sda', type: 'disk', mountpoint: null, fstype: null, children: [{ name: '/dev/sda1', type: 'part', mountpoint: '/', fstype: 'ext4' }, { name: '/dev/sda2', type: 'part', mountpoint: '[SWAP]', fstype: 'swap' }] }],
}, null, 3);
const UFW_ACTIVE = 'Status: active\n\nTo                         Action      From\n--                         ------      ----\n22/tcp                     ALLOW       Anywhere\n22/tcp (v6)                ALLOW       Anywhere (v6)\n\n';
const UFW_INACTIVE = 'Status: inactive\n';
const NFT_EMPTY = '{"nftables": [{"metainfo": {"version": "1.0.2", "release_name": "Lester Gooch", "json_schema_version": 1}}]}\n';
const GSETTINGS = {
  'gsettings list-recursively org.gnome.desktop.screensaver':
    "org.gnome.desktop.screensaver idle-activation-enabled true\norg.gnome.desktop.screensaver lock-delay uint32 0\norg.gnome.desktop.screensaver lock-enabled true\n",
  'gsettings list-recursively org.gnome.desktop.session': "org.gnome.desktop.session idle-delay uint32 300\norg.gnome.desktop.session session-name 'ubuntu'\n",
  'gsettings list-recursively org.gnome.desktop.lockdown': 'org.gnome.desktop.lockdown disable-lock-screen false\n',
};
const GSETTINGS_LOCK_OFF = { ...GSETTINGS, 'gsettings list-recursively org.gnome.desktop.screensaver': GSETTINGS['gsettings list-recursively org.gnome.desktop.screensaver'].replace('lock-enabled true', 'lock-enabled false') };
const APT_HISTORY =
  '\nStart-Date: 2026-11-20  09:12:01\nCommandline: apt-get -y upgrade\nRequested-By: alice (1000)\nUpgrade: openssl:amd64 (3.0.2-0ubuntu1.15, 3.0.2-0ubuntu1.18), libssl3:amd64 (3.0.2-0ubuntu1.15, 3.0.2-0ubuntu1.18)\nEnd-Date: 2026-11-20  09:12:30\n';
const APT_HISTORY_OLD = APT_HISTORY.replaceAll('2026-11-20', '2026-06-02');
const APT_NONE_PENDING = 'Listing...\n';
const APT_SECURITY_PENDING =
  'Listing...\nlibssl3/jammy-updates,jammy-security 3.0.2-0ubuntu1.19 amd64 [upgradable from: 3.0.2-0ubuntu1.18]\nopenssl/jammy-updates,jammy-security 3.0.2-0ubuntu1.19 amd64 [upgradable from: 3.0.2-0ubuntu1.18]\nvim/jammy-updates 2:8.2.3995-1ubuntu2.21 amd64 [upgradable from: 2:8.2.3995-1ubuntu2.20]\n';
const DNF_HISTORY =
  'ID     | Command line              | Date and time    | Action(s)      | Altered\n----------------------------------------------------------------------------------\n     7 | upgrade -y                | 2026-11-18 07:30 | Upgrade        |   12   \n     6 | install htop              | 2026-10-02 11:02 | Install        |    1   \n';

const LINUX_SI = { osInfo: { distro: 'Ubuntu', release: '22.04.4 LTS', kernel: '6.5.0-35-generic', hostname: 'laptop-7', build: '' }, uuid: { hardware: '4c4c4544-0038-3910-8051-b7c04f4e3432' } };

interface PlatformCase {
  platform: 'linux' | 'darwin' | 'win32';
  compliant: Fakes;
  nonCompliant: Fakes;
  /** A command of the compliant machine to make hang. */
  hangs: string;
  /** The check that command answers. */
  hangCheck: (typeof POSTURE_CHECKS)[number];
}

const WIN = 'C:';
const POLICY_KEY = 'HKCU\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop';
const NO_POLICY = { stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n', exitCode: 1 };
const POLICY_SECURE = `\r\n${POLICY_KEY.replace('HKCU', 'HKEY_CURRENT_USER')}\r\n    ScreenSaveActive    REG_SZ    1\r\n    ScreenSaverIsSecure    REG_SZ    1\r\n    ScreenSaveTimeOut    REG_SZ    900\r\n    SCRNSAVE.EXE    REG_SZ    scrnsave.scr\r\n\r\n`;
const PS = 'powershell.exe -NoProfile -NonInteractive -Command';
const CASES: PlatformCase[] = [
  {
    platform: 'linux',
    compliant: {
      commands: { [LSBLK]: LSBLK_LUKS, 'ufw status': UFW_ACTIVE, ...GSETTINGS, 'apt list --upgradable': { stdout: APT_NONE_PENDING, stderr: '\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n' } },
      files: { '/var/log/apt/history.log': APT_HISTORY },
      si: { ...LINUX_SI, processes: processes('falcon-sensor') },
    },
    nonCompliant: {
      commands: {
        [LSBLK]: LSBLK_PLAIN,
        'ufw status': UFW_INACTIVE,
        'nft -j list ruleset': NFT_EMPTY,
        'firewall-cmd --state': { stdout: 'not running\n', exitCode: 252 },
        ...GSETTINGS_LOCK_OFF,
        'apt list --upgradable': APT_SECURITY_PENDING,
      },
      files: { '/var/log/apt/history.log': APT_HISTORY },
      si: { ...LINUX_SI, processes: processes('sshd', 'cron') },
    },
    hangs: LSBLK,
    hangCheck: 'diskEncryption',
  },
  {
    platform: 'darwin',
    compliant: {
      commands: {
        'fdesetup status': fixture('darwin', 'fdesetup-status', 'on'),
        '/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate': fixture('darwin', 'socketfilterfw', 'enabled-state-1'),
        // sysadminctl answers on stderr.
        'sysadminctl -screenLock status': { stderr: fixture('darwin', 'sysadminctl-screenlock', 'delay-300-seconds') },
        'softwareupdate --history': fixture('darwin', 'softwareupdate-history', 'us-month-first'),
      },
      si: { osInfo: { distro: 'macOS', release: '14.4.1', build: '23E224', kernel: '23.4.0', hostname: 'alice-mbp' }, uuid: { hardware: '5F1E2C3A-9B7D-4E61-8A2F-0C9D1B3E4A57' }, processes: processes('falcond') },
    },
    nonCompliant: {
      commands: {
        'fdesetup status': fixture('darwin', 'fdesetup-status', 'encryption-in-progress'),
        '/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate': fixture('darwin', 'socketfilterfw', 'disabled-state-0'),
        'sysadminctl -screenLock status': { stderr: fixture('darwin', 'sysadminctl-screenlock', 'off') },
        // The same history, a year older.
        'softwareupdate --history': fixture('darwin', 'softwareupdate-history', 'us-month-first').replaceAll('/2024,', '/2023,'),
      },
      si: { osInfo: { distro: 'macOS', release: '14.4.1', build: '23E224', kernel: '23.4.0', hostname: 'alice-mbp' }, processes: processes('Finder', 'Dock') },
    },
    hangs: 'sysadminctl -screenLock status',
    hangCheck: 'screenLock',
  },
  {
    platform: 'win32',
    compliant: {
      commands: {
        [`manage-bde.exe -status ${WIN}`]: fixture('win32', 'manage-bde-status', 'fully-encrypted-protection-on'),
        'netsh.exe advfirewall show allprofiles state': fixture('win32', 'netsh-advfirewall', 'all-on'),
        'reg.exe query HKCU\\Control Panel\\Desktop': fixture('win32', 'reg-query-screensaver', 'secure-screensaver'),
        [`reg.exe query ${POLICY_KEY}`]: NO_POLICY,
        [`${PS} Get-HotFix`]: fixture('win32', 'get-hotfix', 'en-us'),
        [`${PS} Get-MpComputerStatus`]: fixture('win32', 'get-mpcomputerstatus', 'active-normal'),
      },
      si: { osInfo: { distro: 'Microsoft Windows 11 Pro', release: '10.0.22631', build: '22631', kernel: '10.0.22631', hostname: 'LAPTOP-7QK2M' }, uuid: { hardware: '4C4C4544-0038-3910-8051-B7C04F4E3432' }, processes: processes('MsMpEng.exe', 'explorer.exe') },
    },
    nonCompliant: {
      commands: {
        [`manage-bde.exe -status ${WIN}`]: fixture('win32', 'manage-bde-status', 'protection-suspended'),
        'netsh.exe advfirewall show allprofiles state': fixture('win32', 'netsh-advfirewall', 'public-off'),
        'reg.exe query HKCU\\Control Panel\\Desktop': fixture('win32', 'reg-query-screensaver', 'inactive'),
        [`${PS} Get-HotFix`]: fixture('win32', 'get-hotfix', 'en-us').replaceAll('/2024 ', '/2023 '),
        // Defender's process runs, but real-time protection is off: the tool's word wins.
        [`${PS} Get-MpComputerStatus`]: fixture('win32', 'get-mpcomputerstatus', 'real-time-protection-off'),
      },
      si: { osInfo: { distro: 'Microsoft Windows 11 Pro', release: '10.0.22631', build: '22631', kernel: '10.0.22631', hostname: 'LAPTOP-7QK2M' }, processes: processes('MsMpEng.exe', 'explorer.exe') },
    },
    hangs: `manage-bde.exe -status ${WIN}`,
    hangCheck: 'diskEncryption',
  },
];

describe.each(CASES)('collectPosture on $platform', ({ platform, compliant, nonCompliant, hangs, hangCheck }) => {
  it('a compliant machine passes every check, on the evidence, and the report validates', async () => {
    const report = await collect(platform, compliant);
    expect(statuses(report)).toEqual(all('pass'));
    expect(parsePostureReport(JSON.parse(JSON.stringify(report)))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(report).toMatchObject({ version: 1, agentVersion: '0.1.0', collectedAt: new Date(NOW[platform]).toISOString(), os: { platform } });
    expect(report.hardwareId).toBeDefined();
    expect(report.diskEncryption.volumes).toEqual([{ volume: platform === 'win32' ? 'C:' : '/', state: 'on', method: { linux: 'LUKS/dm-crypt', darwin: 'FileVault', win32: 'BitLocker' }[platform] }]);
    expect(report.edr.agents.filter((a) => a.running).map((a) => a.vendor)).toEqual([{ linux: 'crowdstrike', darwin: 'crowdstrike', win32: 'defender' }[platform]]);
    expect(report.patch.lastUpdateAt).toBeDefined();
    for (const check of POSTURE_CHECKS) expect(report[check].detail, check).toBeTruthy();
  });

  it('a non-compliant machine fails every check it has evidence against, each saying why', async () => {
    const report = await collect(platform, nonCompliant);
    expect(statuses(report)).toEqual({ ...all('fail'), os: 'pass' });
    expect(report.diskEncryption.volumes.map((v) => v.state)).toEqual(['off']);
    expect(report.edr.agents.every((a) => !a.running)).toBe(true);
    for (const check of POSTURE_CHECKS) expect(report[check].detail, check).toBeTruthy();
    expect(() => parsePostureReport(JSON.parse(JSON.stringify(report)))).not.toThrow();
  });

  it('with every tool missing and systeminformation failing, every check is unknown and says why', async () => {
    const report = await collect(platform, { commands: {}, si: { osInfo: 'fail', uuid: 'fail', processes: 'fail' } });
    expect(statuses(report)).toEqual(all('unknown'));
    expect(report.os.platform).toBe(platform);
    expect(report.hostname).toBeTypeOf('string');
    expect(report.hardwareId).toBeUndefined();
    expect(report.firewall.detail).toContain('not installed');
    expect(report.diskEncryption.detail).toContain('not installed');
    expect(report.screenLock.detail).toMatch(/not installed|no graphical session|not GNOME/);
    expect(report.edr.detail).toContain('systeminformation failed');
    expect(report.os.detail).toContain('systeminformation failed');
    expect(() => parsePostureReport(JSON.parse(JSON.stringify(report)))).not.toThrow();
  });

  it('a tool that hangs is cut at the per-command timeout: its check is unknown, the others still pass', async () => {
    const started = Date.now();
    const report = await collect(platform, { ...compliant, commands: { ...compliant.commands, [hangs]: 'hang' } }, { commandTimeoutMs: 50, timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(statuses(report)).toEqual({ ...all('pass'), [hangCheck]: 'unknown' });
    expect(report[hangCheck].detail).toContain('timed out after 50 ms');
  });

  it('when everything hangs, the whole collection still ends at its total timeout, all unknown', async () => {
    const hangAll = Object.fromEntries(Object.keys(compliant.commands).map((k) => [k, 'hang' as const]));
    const started = Date.now();
    const report = await collect(platform, { commands: hangAll, si: { osInfo: 'hang', uuid: 'hang', processes: 'hang' } }, {
      timeoutMs: 200,
      commandTimeoutMs: 5_000,
      readFile: () => never<string>(),
    });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_500);
    expect(statuses(report)).toEqual(all('unknown'));
    expect(JSON.stringify(report)).toMatch(/ran out of time|timed out/);
    expect(() => parsePostureReport(JSON.parse(JSON.stringify(report)))).not.toThrow();
  });
});

describe('collectPosture on linux: evidence rules', () => {
  const base = CASES[0]!.compliant;

  it('GNOME defaults from gsettings are not evidence without a GNOME session', async () => {
    const none = await collect('linux', base, { env: {} });
    expect(none.screenLock).toMatchObject({ status: 'unknown', detail: expect.stringContaining('no graphical session') });
    const kde = await collect('linux', base, { env: { XDG_CURRENT_DESKTOP: 'KDE', DISPLAY: ':0' } });
    expect(kde.screenLock).toMatchObject({ status: 'unknown', detail: expect.stringContaining('KDE is not GNOME') });
  });

  it('gsettings reading its memory backend (no dconf) is not evidence either', async () => {
    const memory = { stdout: GSETTINGS['gsettings list-recursively org.gnome.desktop.screensaver'], stderr: "GLib-GIO-Message: 10:00:00.000: Using the 'memory' GSettings backend.  Your settings will not be saved or shared with other applications.\n" };
    const report = await collect('linux', { ...base, commands: { ...base.commands, 'gsettings list-recursively org.gnome.desktop.screensaver': memory } });
    expect(report.screenLock).toMatchObject({ status: 'unknown', detail: expect.stringContaining('memory backend') });
  });

  it('asks nft and firewalld after an inactive ufw, and passes on the first that is on', async () => {
    const calls: string[] = [];
    const report = await collect('linux', { ...base, commands: { ...base.commands, 'ufw status': UFW_INACTIVE, 'nft -j list ruleset': NFT_EMPTY, 'firewall-cmd --state': 'running\n' } }, {}, calls);
    expect(report.firewall).toEqual({ status: 'pass', detail: 'firewall-cmd --state: on' });
    expect(calls.filter((c) => /^(ufw|nft|firewall-cmd) /.test(c))).toEqual(['ufw status', 'nft -j list ruleset', 'firewall-cmd --state']);
    const first = await collect('linux', base, {}, (calls.length = 0, calls));
    expect(first.firewall.status).toBe('pass');
    expect(calls.filter((c) => /^(ufw|nft|firewall-cmd) /.test(c))).toEqual(['ufw status']);
  });

  it('a firewall nobody may ask (not root) is unknown, not off', async () => {
    const report = await collect('linux', {
      ...base,
      commands: { ...base.commands, 'ufw status': { stderr: 'ERROR: You need to be root to run this script\n', exitCode: 1 }, 'nft -j list ruleset': { stderr: 'Error: Operation not permitted\n', exitCode: 1 } },
    });
    expect(report.firewall.status).toBe('unknown');
    expect(report.firewall.detail).toContain('ufw status: exit 1: ERROR: You need to be root');
    expect(report.firewall.detail).toContain('firewall-cmd --state: not installed');
  });

  it('falls back to dnf history when there is no apt log; pending updates are then not known', async () => {
    const report = await collect('linux', { ...base, files: {}, commands: { ...base.commands, 'dnf history list': DNF_HISTORY, 'apt list --upgradable': 'missing' } });
    expect(report.patch).toMatchObject({ status: 'pass', pendingSecurityUpdates: undefined });
    expect(report.patch.lastUpdateAt).toMatch(/^2026-11-18T/);
    const neither = await collect('linux', { ...base, files: {}, commands: { ...base.commands, 'apt list --upgradable': 'missing' } });
    expect(neither.patch).toMatchObject({ status: 'unknown', detail: expect.stringContaining('dnf history list: not installed; /var/log/apt/history.log: no such file') });
  });

  it('an old last update fails the patch check even with nothing pending', async () => {
    const report = await collect('linux', { ...base, files: { '/var/log/apt/history.log': APT_HISTORY_OLD } });
    expect(report.patch).toMatchObject({ status: 'fail', pendingSecurityUpdates: 0 });
    expect(report.patch.detail).toMatch(/days ago/);
  });

  it('recognises EDR processes by name, command or truncated comm, and not lookalikes of other platforms', async () => {
    const list = [{ name: 'elastic-endpoin', command: 'elastic-endpoin' }, { name: 'repmgr', command: '/usr/bin/repmgr' }, { name: 'x', command: '/opt/sentinelone/bin/sentinelagent --daemon' }];
    const report = await collect('linux', { ...base, si: { ...LINUX_SI, processes: { list } } });
    expect(report.edr.agents.map((a) => a.vendor).sort()).toEqual(['elastic', 'sentinelone']);
    expect(report.edr.status).toBe('pass');
  });

  it('with a cache, asks apt for pending updates again only when it is old or an update was installed', async () => {
    let clock = NOW.linux;
    const cache = new ToolOutputCache({ ttlMs: 600_000, now: () => clock });
    const calls: string[] = [];
    const apt = (list: string[]) => list.filter((c) => c === 'apt list --upgradable').length;
    const files = { '/var/log/apt/history.log': APT_HISTORY };
    const run = (extra: Partial<Fakes> = {}) => collect('linux', { ...base, files, ...extra }, { cache }, calls);
    await run();
    await run();
    expect(apt(calls)).toBe(1);
    // An upgrade since: the pending list is asked again at once.
    files['/var/log/apt/history.log'] = `${APT_HISTORY}${APT_HISTORY.replaceAll('2026-11-20', '2026-11-24')}`;
    expect((await run()).patch.lastUpdateAt).toMatch(/^2026-11-24T/);
    expect(apt(calls)).toBe(2);
    clock += 600_000;
    await run();
    expect(apt(calls)).toBe(3);
    // A failed run is not kept.
    clock += 600_000;
    const failing = { ...base.commands, 'apt list --upgradable': { stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend\n', exitCode: 100 } };
    expect((await run({ commands: failing })).patch.pendingSecurityUpdates).toBeUndefined();
    expect((await run()).patch.pendingSecurityUpdates).toBe(0);
    expect(apt(calls)).toBe(5);
  });

  it('an empty process list is no evidence of a missing EDR', async () => {
    const report = await collect('linux', { ...base, si: { ...LINUX_SI, processes: { list: [] } } });
    expect(report.edr.status).toBe('unknown');
  });

  it('a tool that may not be run, or whose output is not understood, is unknown', async () => {
    const report = await collect('linux', { ...base, commands: { ...base.commands, [LSBLK]: 'denied', 'ufw status': 'Status: something new\n' } });
    expect(report.diskEncryption).toMatchObject({ status: 'unknown', volumes: [{ volume: '/', state: 'unknown' }], detail: `${LSBLK}: not permitted` });
    expect(report.firewall.status).toBe('unknown');
  });

  it('a report from a hostile tool output stays within the proxy\'s bounds', async () => {
    const long = 'x'.repeat(5_000);
    const report = await collect('linux', {
      ...base,
      commands: { ...base.commands, 'ufw status': { stderr: `ERROR: ${long}\u0007\u001b[31m\n`, exitCode: 1 } },
      si: { osInfo: { distro: `Evil\nOS ${long}`, release: long, kernel: '6.5.0', hostname: `host\r\n${long}` }, uuid: { hardware: long }, processes: processes('falcon-sensor') },
    });
    const parsed = parsePostureReport(JSON.parse(JSON.stringify(report)));
    expect(parsed.hostname.length).toBeLessThanOrEqual(256);
    expect(parsed.os.name).not.toContain('\n');
  });

  it('placeholder hardware ids are not ids', async () => {
    for (const hardware of ['03000200-0400-0500-0006-000700080009'.replace(/./g, '0'), 'Not Settable', 'To be filled by O.E.M.', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF']) {
      const report = await collect('linux', { ...base, si: { ...LINUX_SI, uuid: { hardware } } });
      expect(report.hardwareId, hardware).toBeUndefined();
    }
  });

  it('an unsupported platform reports every check unknown', async () => {
    const report = await collect('freebsd', { commands: {}, si: LINUX_SI });
    expect(statuses(report)).toEqual(all('unknown'));
    expect(report.firewall.detail).toBe('the agent does not check freebsd');
  });

  it('refuses nonsense timeouts as a programming error', async () => {
    await expect(collectPosture({ timeoutMs: 0 })).rejects.toThrow(TypeError);
    await expect(collectPosture({ commandTimeoutMs: Number.NaN })).rejects.toThrow(TypeError);
  });
});

describe('collectPosture on win32: evidence rules', () => {
  const base = CASES[2]!.compliant;

  it('Group Policy\'s screen saver settings win over the user\'s', async () => {
    const inactive = { ...base.commands, 'reg.exe query HKCU\\Control Panel\\Desktop': fixture('win32', 'reg-query-screensaver', 'inactive') };
    expect((await collect('win32', { ...base, commands: inactive })).screenLock.status).toBe('fail');
    const report = await collect('win32', { ...base, commands: { ...inactive, [`reg.exe query ${POLICY_KEY}`]: POLICY_SECURE } });
    expect(report.screenLock).toMatchObject({ status: 'pass', timeoutSeconds: 900 });
  });

  it('BitLocker status without elevation is unknown, on the system drive the environment names', async () => {
    const calls: string[] = [];
    const report = await collect(
      'win32',
      { ...base, commands: { ...base.commands, 'manage-bde.exe -status D:': fixture('win32', 'manage-bde-status', 'error-access-denied') } },
      { env: { SystemDrive: 'd:' } },
      calls,
    );
    expect(calls).toContain('manage-bde.exe -status D:');
    expect(report.diskEncryption).toMatchObject({ status: 'unknown', volumes: [{ volume: 'D:', state: 'unknown' }] });
    expect(report.diskEncryption.detail).toContain('An attempt to access a required resource was denied');
  });

  it('without Get-MpComputerStatus, a running MsMpEng counts as Defender', async () => {
    const report = await collect('win32', { ...base, commands: { ...base.commands, [`${PS} Get-MpComputerStatus`]: 'missing' } });
    expect(report.edr).toMatchObject({ status: 'pass', agents: [{ vendor: 'defender', running: true, detail: 'process msmpeng' }] });
  });
});
