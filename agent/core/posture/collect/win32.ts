/**
 * Windows: BitLocker on the system drive (`manage-bde -status C:`, which needs an elevated
 * agent), the firewall of every profile (`netsh advfirewall`), the screen saver lock of the user
 * (`reg query "HKCU\Control Panel\Desktop"`, and its Group Policy key, whose values win), the
 * last hotfix (`Get-HotFix`) and Microsoft Defender's own status (`Get-MpComputerStatus`).
 * Pending updates are not knowable without the Windows Update agent's API.
 */
import type { EdrAgent } from '../../../../shared/posture/index.ts';
import { diskEncryptionFrom, firewallFrom, patchFrom, screenLockFrom, whyUnknown } from './checks.ts';
import { parseOutcome, probeTool, type PlatformCollector, type ProbeContext } from './probe.ts';

const POWERSHELL = ['-NoProfile', '-NonInteractive', '-Command'];
const USER_DESKTOP_KEY = 'HKCU\\Control Panel\\Desktop';
const POLICY_DESKTOP_KEY = 'HKCU\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop';

/** The system drive (`C:`), from the environment when it names a drive. */
function systemDrive(env: NodeJS.ProcessEnv): string {
  const drive = env.SystemDrive ?? env.SYSTEMDRIVE;
  return drive !== undefined && /^[A-Za-z]:$/.test(drive) ? drive.toUpperCase() : 'C:';
}

function powershell(ctx: ProbeContext, toolId: string, command: string, options: { cacheAs?: string } = {}) {
  return probeTool(ctx, toolId, 'powershell.exe', [...POWERSHELL, command], { label: `powershell ${command}`, ...options });
}

export const win32Collector: PlatformCollector = {
  async diskEncryption(ctx) {
    const drive = systemDrive(ctx.env);
    return diskEncryptionFrom(await probeTool(ctx, 'manage-bde-status', 'manage-bde.exe', ['-status', drive], { label: `manage-bde -status ${drive}` }), drive, 'BitLocker');
  },

  async firewall(ctx) {
    return firewallFrom([await probeTool(ctx, 'netsh-advfirewall', 'netsh.exe', ['advfirewall', 'show', 'allprofiles', 'state'], { label: 'netsh advfirewall show allprofiles state' })]);
  },

  async screenLock(ctx) {
    const [user, policy] = await Promise.all(
      [USER_DESKTOP_KEY, POLICY_DESKTOP_KEY].map((key) => probeTool(ctx, 'reg-query-screensaver', 'reg.exe', ['query', key], { label: `reg query "${key}"` })),
    );
    // Group Policy's values win over the user's; the policy key usually does not exist (an error).
    if (!user!.ok || !policy!.ok) return screenLockFrom(user!);
    return screenLockFrom(parseOutcome(ctx, 'reg-query-screensaver', `${user!.label} and the policy key`, `${user!.output}\n${policy!.output}`, ''));
  },

  async patch(ctx, now) {
    return patchFrom(await powershell(ctx, 'get-hotfix', 'Get-HotFix', { cacheAs: '' }), undefined, now);
  },

  async edr(ctx) {
    const outcome = await powershell(ctx, 'get-mpcomputerstatus', 'Get-MpComputerStatus');
    const agents: EdrAgent[] = outcome.ok ? (outcome.facts.edr ?? []).map((a) => ({ vendor: a.vendor, running: a.running === true, ...(a.detail === undefined ? {} : { detail: a.detail }) })) : [];
    return { agents, notes: agents.length > 0 ? [] : [whyUnknown(outcome)] };
  },
};
