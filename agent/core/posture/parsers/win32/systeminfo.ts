/**
 * `systeminfo` (English and German). It names the OS, its version and build, and the hotfixes,
 * but gives no install dates, so it never sets `lastUpdateAt` (use `get-hotfix` for that). Two
 * things real outputs teach: the header line "302 Hotfix(s) Installed." is the count, while the
 * list under it can be cut short by systeminfo (Windows 7 stops after about 245 entries, with a
 * dangling "[246]"), so the list is reported as truncated; and a trailing space after the OS name
 * is common. Windows before NT 10.0 (7, 8.1, Server 2012 R2 and older) is past the end of its
 * extended support, the paid ESU years included, and is flagged `endOfLife`; for 10.0 builds
 * the date depends on edition and release, left to the policy's minimum OS version.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { compact, fieldOf, findError, isIndented, MAX_DETAIL_ENTRIES, splitKeyValue, windowsLines } from './text.ts';

type Field = 'host' | 'name' | 'version' | 'configuration' | 'installDate' | 'bootTime' | 'domain' | 'hotfixes';

const FIELDS: readonly (readonly [RegExp, Field])[] = [
  [/^(?:host name|hostname)$/, 'host'],
  [/^(?:os name|betriebssystemname)$/, 'name'],
  [/^(?:os version|betriebssystemversion)$/, 'version'],
  [/^(?:os configuration|betriebssystemkonfiguration)$/, 'configuration'],
  [/^(?:original install date|urspr.ngliches installationsdatum)$/, 'installDate'],
  [/^(?:system boot time|systemstartzeit)$/, 'bootTime'],
  [/^(?:domain|dom.ne)$/, 'domain'],
  [/^hotfix\((?:s|es)\)$/, 'hotfixes'],
];

interface Version {
  osVersion?: string;
  osBuild?: string;
  servicePack?: string;
}

/** "10.0.19042 N/A Build 19042", "6.1.7601 Service Pack 1 Build 7601", "... Nicht zutreffend Build ...". */
function versionOf(value: string | undefined): Version {
  const match = /^(\d{1,3}(?:\.\d{1,6}){1,3})(?:\s+(.*?))?(?:\s+build\s+(\d{1,6}))?$/i.exec(value?.trim().slice(0, 200) ?? '');
  if (match === null) return {};
  const between = match[2]?.trim();
  const servicePack = between === undefined || between === '' || /^(?:n\/a|nicht zutreffend)$/i.test(between) ? undefined : between;
  return compact({ osVersion: match[1], osBuild: match[3], servicePack });
}

export function parseSysteminfo(text: string): ToolFacts {
  const lines = windowsLines(text);
  const values = new Map<Field, string>();
  const hotfixes: string[] = [];
  let listed = 0;
  let dangling = false;
  let inHotfixes = false;
  for (const line of lines) {
    if (isIndented(line)) {
      if (!inHotfixes) continue;
      const entry = /^\s*\[(\d{1,6})\](?::\s*(.*))?$/.exec(line);
      if (entry === null) continue;
      const value = entry[2]?.trim() ?? '';
      if (value === '') {
        dangling = true;
        continue;
      }
      listed += 1;
      if (hotfixes.length < MAX_DETAIL_ENTRIES) hotfixes.push(value);
      continue;
    }
    inHotfixes = false;
    const pair = splitKeyValue(line);
    if (pair === undefined) continue;
    const field = fieldOf(pair[0], FIELDS);
    if (field === undefined || values.has(field)) continue;
    values.set(field, pair[1]);
    inHotfixes = field === 'hotfixes';
  }
  const declared = /^(\d{1,6})\s/.exec(values.get('hotfixes') ?? '');
  const hotfixCount = declared === null ? (values.has('hotfixes') ? listed : undefined) : Number(declared[1]);
  const version = versionOf(values.get('version'));
  const major = Number(version.osVersion?.split('.', 1)[0] ?? Number.NaN);
  const truncated = hotfixCount !== undefined && (dangling || listed < hotfixCount);
  return {
    detail: compact({
      reason: values.has('name') || values.has('version') ? undefined : 'no-system-information',
      hostName: values.get('host') || undefined,
      osName: values.get('name') || undefined,
      ...version,
      endOfLife: Number.isFinite(major) && major < 10 ? true : undefined,
      osConfiguration: values.get('configuration') || undefined,
      originalInstallDate: values.get('installDate') || undefined,
      systemBootTime: values.get('bootTime') || undefined,
      domain: values.get('domain') || undefined,
      hotfixCount,
      hotfixesListed: hotfixCount === undefined ? undefined : listed,
      hotfixListTruncated: truncated ? true : undefined,
      hotfixes: hotfixes.length > 0 ? hotfixes : undefined,
      error: values.has('name') || values.has('version') ? undefined : findError(lines),
      note: hotfixCount === undefined ? undefined : 'systeminfo shows no install dates: run Get-HotFix for the last update',
    }),
  };
}

export const systeminfo: ToolParser = {
  id: 'systeminfo',
  platform: 'win32',
  command: 'systeminfo',
  parse: parseSysteminfo,
};
