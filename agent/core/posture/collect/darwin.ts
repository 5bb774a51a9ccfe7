/**
 * macOS: FileVault (`fdesetup status`), the application firewall (`socketfilterfw`), the screen
 * lock (`sysadminctl -screenLock status`, which answers on stderr) and the last installed update
 * (`softwareupdate --history`). Pending updates are not asked: `softwareupdate --list` goes to
 * Apple's servers and takes longer than a collection may.
 */
import { diskEncryptionFrom, firewallFrom, patchFrom, screenLockFrom } from './checks.ts';
import { probeTool, type PlatformCollector } from './probe.ts';

export const SOCKETFILTERFW = '/usr/libexec/ApplicationFirewall/socketfilterfw';

export const darwinCollector: PlatformCollector = {
  async diskEncryption(ctx) {
    return diskEncryptionFrom(await probeTool(ctx, 'fdesetup-status', 'fdesetup', ['status']), '/', 'FileVault');
  },

  async firewall(ctx) {
    return firewallFrom([await probeTool(ctx, 'socketfilterfw', SOCKETFILTERFW, ['--getglobalstate'])]);
  },

  async screenLock(ctx) {
    return screenLockFrom(await probeTool(ctx, 'sysadminctl-screenlock', 'sysadminctl', ['-screenLock', 'status'], { streams: 'both' }));
  },

  async patch(ctx, now) {
    return patchFrom(await probeTool(ctx, 'softwareupdate-history', 'softwareupdate', ['--history'], { cacheAs: '' }), undefined, now);
  },

  async edr() {
    return { agents: [], notes: [] };
  },
};
