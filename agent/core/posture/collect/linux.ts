/**
 * Linux: root volume encryption from the block device tree (`lsblk`), the firewall from ufw, then
 * nftables, then firewalld; GNOME's screen lock (`gsettings`); the last update from apt's history
 * log or `dnf history`, and pending security updates from `apt list --upgradable`.
 */
import { diskEncryptionFrom, firewallFrom, patchFrom, screenLockFrom } from './checks.ts';
import { oneLine, parseOutcome, probeFile, probeTool, type PlatformCollector, type ProbeContext, type ProbeOutcome } from './probe.ts';

export const APT_HISTORY_LOG = '/var/log/apt/history.log';

/** The gsettings schemas that hold GNOME's lock (lock-enabled, lock-delay), idle delay and lockdown. */
const GNOME_SCHEMAS = ['org.gnome.desktop.screensaver', 'org.gnome.desktop.session', 'org.gnome.desktop.lockdown'];

/** Desktops whose screen lock lives in GNOME's gsettings schemas. */
const GNOME_DESKTOPS = /gnome|unity|ubuntu|pop|budgie|zorin/i;

/**
 * The desktop session the agent runs in, if any. gsettings answers with the schemas' defaults
 * (lock on, 5 minutes) on any machine that has them installed, GNOME or not, session or not:
 * only a GNOME session makes its answer evidence.
 */
function gnomeSession(env: NodeJS.ProcessEnv): { ok: true } | { ok: false; why: string } {
  const desktop = [env.XDG_CURRENT_DESKTOP, env.XDG_SESSION_DESKTOP, env.DESKTOP_SESSION].filter((d): d is string => d !== undefined && d !== '');
  if (desktop.some((d) => GNOME_DESKTOPS.test(d))) return { ok: true };
  if (desktop.length > 0) return { ok: false, why: `desktop ${oneLine(desktop[0]!).slice(0, 40)} is not GNOME: its screen lock is not checked` };
  const graphical = (env.DISPLAY ?? '') !== '' || (env.WAYLAND_DISPLAY ?? '') !== '';
  return { ok: false, why: graphical ? 'the desktop is not named (XDG_CURRENT_DESKTOP unset)' : 'no graphical session (no XDG_CURRENT_DESKTOP, DISPLAY or WAYLAND_DISPLAY)' };
}

async function gsettingsLock(ctx: ProbeContext): Promise<ProbeOutcome> {
  const label = 'gsettings list-recursively org.gnome.desktop.{screensaver,session,lockdown}';
  const session = gnomeSession(ctx.env);
  if (!session.ok) return { ok: false, toolId: 'gsettings-list-recursively', label: '', reason: session.why };
  const parts: string[] = [];
  for (const schema of GNOME_SCHEMAS) {
    const outcome = await probeTool(ctx, 'gsettings-list-recursively', 'gsettings', ['list-recursively', schema], { label });
    if (!outcome.ok) {
      // A missing lockdown schema is fine; a missing gsettings or screensaver schema is not.
      if (schema === 'org.gnome.desktop.lockdown') continue;
      return outcome;
    }
    // Without dconf, gsettings reads its in-memory defaults: not this user's settings.
    if (outcome.stderr.includes('memory\' GSettings backend')) {
      return { ok: false, toolId: 'gsettings-list-recursively', label, reason: 'gsettings uses its memory backend (dconf unavailable): these are defaults, not your settings' };
    }
    parts.push(outcome.output);
  }
  return parseOutcome(ctx, 'gsettings-list-recursively', label, parts.join('\n'), '');
}

async function lastUpdate(ctx: ProbeContext): Promise<{ history: ProbeOutcome; apt: boolean }> {
  const apt = await probeFile(ctx, 'apt-history-log', APT_HISTORY_LOG);
  if (apt.ok || apt.reason !== 'no such file') return { history: apt, apt: true };
  const dnf = await probeTool(ctx, 'dnf-history-list', 'dnf', ['history', 'list'], { cacheAs: '' });
  if (dnf.ok) return { history: dnf, apt: false };
  return { history: { ...dnf, reason: `${dnf.reason}; ${apt.label}: ${apt.reason}` }, apt: false };
}

export const linuxCollector: PlatformCollector = {
  async diskEncryption(ctx) {
    const outcome = await probeTool(ctx, 'lsblk-json', 'lsblk', ['--json', '--paths', '-o', 'NAME,TYPE,MOUNTPOINT,FSTYPE']);
    return diskEncryptionFrom(outcome, '/', 'LUKS/dm-crypt');
  },

  async firewall(ctx) {
    const outcomes: ProbeOutcome[] = [];
    const chain: [string, string, string[]][] = [
      ['ufw-status', 'ufw', ['status']],
      ['nft-json-list-ruleset', 'nft', ['-j', 'list', 'ruleset']],
      ['firewall-cmd-state', 'firewall-cmd', ['--state']],
    ];
    for (const [toolId, file, args] of chain) {
      const outcome = await probeTool(ctx, toolId, file, args);
      outcomes.push(outcome);
      if (outcome.ok && outcome.facts.firewall === 'on') break;
      if (ctx.signal.aborted) break;
    }
    return firewallFrom(outcomes);
  },

  async screenLock(ctx) {
    return screenLockFrom(await gsettingsLock(ctx));
  },

  async patch(ctx, now) {
    const { history, apt } = await lastUpdate(ctx);
    // apt's answer is reused until it is old or an update was installed since (a new last update).
    const since = history.ok ? String(history.facts.lastUpdateAt) : 'no history';
    const pending = await probeTool(ctx, 'apt-list-upgradable', 'apt', ['list', '--upgradable'], { cacheAs: since });
    // Without apt's log (a dnf system), apt's answer counts only if it gave one.
    return patchFrom(history, apt || pending.ok ? pending : undefined, now);
  },

  async edr() {
    return { agents: [], notes: [] };
  },
};
