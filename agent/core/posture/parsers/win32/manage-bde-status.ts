/**
 * `manage-bde -status C:` (BitLocker Drive Encryption: Configuration Tool), English and German.
 * One block per volume: `Volume C: [OS]`, a role line `[OS Volume]`, then indented
 * `Key: value` lines and the list of key protectors. The OS volume (else C:, else the only
 * volume) decides; see bitlocker.ts for the verdict.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { bitlockerVerdict, type Conversion, type Protection } from './bitlocker.ts';
import { compact, fieldOf, findError, fold, isIndented, MAX_DETAIL_ENTRIES, MAX_KEY_CHARS, splitKeyValue, windowsLines } from './text.ts';

interface Volume {
  name: string | undefined;
  label: string | undefined;
  role: 'os' | 'data' | undefined;
  fields: Map<Field, string>;
  keyProtectors: string[];
}

type Field = 'conversion' | 'protection' | 'percentage' | 'method' | 'lock' | 'protectors' | 'version' | 'size';

// Keys after fold(): lower case, umlauts as one letter (matched by ".").
const FIELDS: readonly (readonly [RegExp, Field])[] = [
  [/^(?:conversion status|konvertierungsstatus)$/, 'conversion'],
  [/^(?:protection status|schutzstatus)$/, 'protection'],
  [/^(?:percentage encrypted|verschl.sselt \(prozent\))$/, 'percentage'],
  [/^(?:encryption method|verschl.sselungsmethode)$/, 'method'],
  [/^(?:lock status|sperrungsstatus)$/, 'lock'],
  [/^(?:key protectors|schl.sselschutzvorrichtungen)$/, 'protectors'],
  [/^bitlocker[ -]version$/, 'version'],
  [/^(?:size|gr.(?:ss|.)e)$/, 'size'],
];

const CONVERSIONS: readonly (readonly [RegExp, Conversion])[] = [
  [/^(?:fully encrypted|used space only encrypted|vollst.ndig verschl.sselt|nur verwendeter speicherplatz (?:ist )?verschl.sselt)/, 'encrypted'],
  [/^(?:fully decrypted|vollst.ndig entschl.sselt)/, 'decrypted'],
  [/^(?:encryption in progress|verschl.sselung wird (?:durch|aus)gef.hrt|verschl.sselung l.uft)/, 'encrypting'],
  [/^(?:decryption in progress|entschl.sselung wird (?:durch|aus)gef.hrt|entschl.sselung l.uft)/, 'decrypting'],
  [/^(?:encryption paused|verschl.sselung (?:wurde )?angehalten)/, 'encryption-paused'],
  [/^(?:decryption paused|entschl.sselung (?:wurde )?angehalten)/, 'decryption-paused'],
];

function conversionOf(value: string | undefined): Conversion {
  const folded = fold(value ?? '');
  return CONVERSIONS.find(([pattern]) => pattern.test(folded))?.[1] ?? 'unknown';
}

/** "Protection On", "Protection Off (1 reboots left)", "Der Schutz ist aktiviert/deaktiviert." */
function protectionOf(value: string | undefined): Protection {
  const folded = fold(value ?? '');
  if (/^protection off|deaktiviert|^schutz aus/.test(folded)) return 'off';
  if (/^protection on|aktiviert|^schutz ein/.test(folded)) return 'on';
  return 'unknown';
}

function percentageOf(value: string | undefined): number | undefined {
  const match = /^(\d{1,3})(?:[.,](\d{1,3}))?\s?%/.exec(value ?? '');
  if (match === null) return undefined;
  const number = Number(`${match[1] ?? ''}.${match[2] ?? '0'}`);
  return number <= 100 ? number : undefined;
}

function newVolume(header: string | undefined): Volume {
  const rest = header?.slice('volume'.length).trim() ?? '';
  const name = rest.split(/\s/, 1)[0]?.replace(/["“”„]/g, '');
  const open = rest.indexOf('[');
  const close = rest.lastIndexOf(']');
  const label = open >= 0 && close > open ? rest.slice(open + 1, close).trim() : undefined;
  return { name: name === '' ? undefined : name, label, role: undefined, fields: new Map(), keyProtectors: [] };
}

function readVolumes(lines: readonly string[]): Volume[] {
  const volumes: Volume[] = [];
  let current: Volume | undefined;
  let inProtectors = false;
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') {
      inProtectors = false;
      continue;
    }
    if (!isIndented(line) && trimmed.slice(0, 7).toLowerCase() === 'volume ') {
      current = newVolume(trimmed);
      volumes.push(current);
      inProtectors = false;
      continue;
    }
    if (current !== undefined && trimmed.startsWith('[') && trimmed.endsWith(']') && current.fields.size === 0) {
      const role = fold(trimmed.slice(0, MAX_KEY_CHARS));
      if (/os volume|betriebssystem/.test(role)) current.role = 'os';
      else if (/data volume|daten/.test(role)) current.role = 'data';
      continue;
    }
    const pair = splitKeyValue(trimmed);
    const field = pair === undefined ? undefined : fieldOf(pair[0], FIELDS);
    if (pair !== undefined && field !== undefined) {
      if (current === undefined) {
        current = newVolume(undefined);
        volumes.push(current);
      }
      current.fields.set(field, pair[1]);
      inProtectors = field === 'protectors' && pair[1] === '';
      if (field === 'protectors' && pair[1] !== '') current.keyProtectors.push(pair[1]);
    } else if (inProtectors && current !== undefined && pair === undefined) {
      if (current.keyProtectors.length < MAX_DETAIL_ENTRIES) current.keyProtectors.push(trimmed);
    } else {
      inProtectors = false;
    }
  }
  return volumes.filter((volume) => volume.fields.has('conversion') || volume.fields.has('protection'));
}

function systemVolume(volumes: readonly Volume[]): Volume | undefined {
  return (
    volumes.find((volume) => volume.role === 'os') ??
    volumes.find((volume) => volume.name?.toUpperCase() === 'C:') ??
    (volumes.length === 1 ? volumes[0] : undefined)
  );
}

function names(volumes: readonly Volume[]): string[] {
  return volumes.slice(0, MAX_DETAIL_ENTRIES).map((volume) => volume.name ?? '?');
}

export function parseManageBdeStatus(text: string): ToolFacts {
  const lines = windowsLines(text);
  const volumes = readVolumes(lines);
  const volume = systemVolume(volumes);
  if (volume === undefined) {
    return {
      diskEncryption: 'unknown',
      detail: compact({
        reason: volumes.length > 1 ? 'no-system-volume' : 'no-volume-status',
        volumes: volumes.length > 1 ? names(volumes) : undefined,
        error: findError(lines),
      }),
    };
  }
  const conversionStatus = volume.fields.get('conversion');
  const protectionStatus = volume.fields.get('protection');
  const { state, reason } = bitlockerVerdict(conversionOf(conversionStatus), protectionOf(protectionStatus));
  return {
    diskEncryption: state,
    detail: compact({
      volume: volume.name,
      label: volume.label,
      role: volume.role,
      reason,
      conversionStatus,
      protectionStatus,
      percentageEncrypted: percentageOf(volume.fields.get('percentage')),
      encryptionMethod: volume.fields.get('method'),
      lockStatus: volume.fields.get('lock'),
      keyProtectors: volume.keyProtectors.length > 0 ? volume.keyProtectors : undefined,
      bitlockerVersion: volume.fields.get('version'),
      size: volume.fields.get('size'),
      otherVolumes: volumes.length > 1 ? names(volumes.filter((other) => other !== volume)) : undefined,
    }),
  };
}

export const manageBdeStatus: ToolParser = {
  id: 'manage-bde-status',
  platform: 'win32',
  command: 'manage-bde -status C:',
  parse: parseManageBdeStatus,
};
