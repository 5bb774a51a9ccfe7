/**
 * `diskutil apfs list -plist` (diskutil(8)): an XML plist `{Containers: [{ContainerReference,
 * Volumes: [{Name, DeviceIdentifier, Roles, FileVault, Encryption, CryptoMigrationOn, Locked}]}]}`.
 *
 * FileVault protects the volume macOS boots from: the `Data`-role volume of the boot container
 * (macOS 10.15+), or its `System`-role volume where there is no Data volume. The output does not
 * mark the boot container, so every container holding an unlocked System/Data volume is a
 * candidate (a locked one is not the running system) and all candidates must agree, else
 * `unknown`. A volume counts as encrypted when `FileVault` is true and `CryptoMigrationOn` is
 * not: a conversion under way is not encryption (DESIGN.md §5). `Encryption` alone is not
 * FileVault (Apple silicon and T2 Macs encrypt every volume with a key that is not protected
 * by the user's password). Containers of macOS 10.14 and earlier carry no System/Data roles and
 * give `unknown`; `fdesetup-status` covers them.
 */
import type { OnOffUnknown, ToolFacts, ToolParser } from '../types.ts';
import { asArray, asDict, parsePlistXml, type PlistDict } from './plist-xml.ts';
import { clip, contentLines, MAX_DETAIL_ITEMS } from './text.ts';

interface Candidate {
  container: string;
  state: OnOffUnknown;
  volumes: string[];
}

function text(dict: PlistDict, key: string): string | undefined {
  const value = dict.get(key);
  return typeof value === 'string' ? clip(value) : undefined;
}

function roles(volume: PlistDict): string[] {
  return (asArray(volume.get('Roles')) ?? []).filter((role): role is string => typeof role === 'string');
}

/** on/off/unknown of one volume; a conversion in either direction is off. */
function volumeState(volume: PlistDict): OnOffUnknown {
  const fileVault = volume.get('FileVault');
  if (volume.get('CryptoMigrationOn') === true) return 'off';
  if (fileVault === true) return 'on';
  if (fileVault === false) return 'off';
  return 'unknown';
}

function evaluateContainer(container: PlistDict): Candidate | undefined {
  const volumes = (asArray(container.get('Volumes')) ?? []).map(asDict).filter((v): v is PlistDict => v !== undefined);
  const data = volumes.filter((volume) => roles(volume).includes('Data'));
  const deciding = data.length > 0 ? data : volumes.filter((volume) => roles(volume).includes('System'));
  if (deciding.length === 0 || deciding.every((volume) => volume.get('Locked') === true)) return undefined;
  const states = deciding.map(volumeState);
  const state: OnOffUnknown = states.includes('off') ? 'off' : states.includes('unknown') ? 'unknown' : 'on';
  return {
    container: text(container, 'ContainerReference') ?? text(container, 'APFSContainerUUID') ?? '?',
    state,
    volumes: deciding.map((volume) => {
      const migrating = volume.get('CryptoMigrationOn') === true ? ', conversion in progress' : '';
      return `${text(volume, 'Name') ?? '?'} (${text(volume, 'DeviceIdentifier') ?? '?'}${migrating})`;
    }),
  };
}

export function parseDiskutilApfsListPlist(input: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const root = asDict(parsePlistXml(input));
  const containers = asArray(root?.get('Containers'));
  if (root === undefined || containers === undefined) {
    detail['error'] = root === undefined ? 'not an XML property list' : 'no Containers in the property list';
    const message = root === undefined ? contentLines(input)[0] : text(root, 'ErrorMessage');
    if (message !== undefined) detail['output'] = clip(message);
    return { diskEncryption: 'unknown', detail };
  }

  const fileVaultVolumes: string[] = [];
  const candidates: Candidate[] = [];
  for (const entry of containers) {
    const container = asDict(entry);
    if (container === undefined) continue;
    for (const volume of (asArray(container.get('Volumes')) ?? []).map(asDict)) {
      const name = volume === undefined ? undefined : text(volume, 'Name');
      if (volume?.get('FileVault') === true && name !== undefined) fileVaultVolumes.push(name);
    }
    const candidate = evaluateContainer(container);
    if (candidate !== undefined) candidates.push(candidate);
  }

  detail['containers'] = containers.length;
  detail['fileVaultVolumes'] = fileVaultVolumes.slice(0, MAX_DETAIL_ITEMS);
  detail['systemContainers'] = candidates.slice(0, MAX_DETAIL_ITEMS);
  const states = new Set(candidates.map((candidate) => candidate.state));
  let diskEncryption: OnOffUnknown = 'unknown';
  if (candidates.length === 0) detail['reason'] = 'no container holds an unlocked System or Data volume';
  else if (states.size > 1) detail['reason'] = 'system containers disagree; check fdesetup status';
  else diskEncryption = candidates[0]!.state;
  return { diskEncryption, detail };
}

export const diskutilApfsListPlistParser: ToolParser = {
  id: 'diskutil-apfs-list-plist',
  platform: 'darwin',
  command: 'diskutil apfs list -plist',
  parse: parseDiskutilApfsListPlist,
};
