/**
 * What the collectors read through `systeminformation` (docs/deps.md): the OS, the hardware id
 * and the running processes. Injectable, so tests can feed recorded answers.
 */
import type { Systeminformation } from 'systeminformation';
import type { OsCheck, PosturePlatform } from '../../../../shared/posture/index.ts';
import type { ProcessLike } from './edr.ts';

/** The part of `systeminformation` the collectors use. */
export interface SystemInformationLike {
  osInfo(): Promise<Partial<Pick<Systeminformation.OsData, 'distro' | 'release' | 'build' | 'kernel' | 'hostname' | 'codename'>>>;
  uuid(): Promise<Partial<Pick<Systeminformation.UuidData, 'hardware'>>>;
  processes(): Promise<{ list: readonly ProcessLike[] }>;
}

/** `systeminformation` itself, loaded on first use (the CLI's other commands do not pay for it). */
export const systemInformation: SystemInformationLike = {
  osInfo: async () => (await load()).osInfo(),
  uuid: async () => (await load()).uuid(),
  processes: async () => (await load()).processes(),
};

async function load(): Promise<typeof import('systeminformation')> {
  const module = await import('systeminformation');
  return (module as { default?: typeof import('systeminformation') }).default ?? module;
}

/** Placeholder values firmware ships in place of a real id (DMI "To be filled by O.E.M." and kin). */
const PLACEHOLDER_ID = /^(?:0+|f+|1234567890|none|null|n\/a|unknown|not (?:settable|specified|available|applicable)|to be filled by o\.e\.m\.?|default string|system serial number)$/i;

/** A usable hardware id, or undefined for empty and placeholder values. */
export function hardwareIdOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed === '' || PLACEHOLDER_ID.test(trimmed.replace(/[-\s]/g, '')) || PLACEHOLDER_ID.test(trimmed)) return undefined;
  return trimmed;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The OS check. `pass` means the agent identified the system (name and version; on Linux the
 * kernel release, which policies compare): minimum versions are the proxy's to judge
 * (`os-outdated`), so the agent itself never says `fail` here.
 */
export function osCheckFrom(platform: PosturePlatform, info: Awaited<ReturnType<SystemInformationLike['osInfo']>> | undefined, why: string | undefined): OsCheck {
  const name = text(info?.distro);
  const version = text(info?.release);
  const build = text(info?.build);
  const kernel = text(info?.kernel);
  const identified = platform === 'linux' ? kernel !== undefined : version !== undefined;
  const label = [name, version, build === undefined ? undefined : `build ${build}`, platform === 'linux' && kernel !== undefined ? `kernel ${kernel}` : undefined]
    .filter((p) => p !== undefined)
    .join(' ');
  const detail = identified ? label : `the system version could not be read${why === undefined ? '' : `: ${why}`}`;
  return { status: identified ? 'pass' : 'unknown', platform, name, version, build, kernel, detail };
}
