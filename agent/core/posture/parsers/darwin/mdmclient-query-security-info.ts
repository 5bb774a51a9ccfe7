/**
 * `sudo /usr/libexec/mdmclient QuerySecurityInfo`: what the MDM SecurityInfo command would
 * report, printed as old-style property lists after "Daemon response:" and "Agent response:",
 *
 * ```
 * Daemon response: {
 *     SecurityInfo = {
 *         "FDE_Enabled" = 1;
 *         FirewallSettings = { BlockAllIncoming = 0; FirewallEnabled = 1; StealthMode = 0; };
 *         ManagementStatus = { EnrolledViaDEP = 1; UserApprovedEnrollment = 1; };
 *         SystemIntegrityProtectionEnabled = 1;
 *     };
 * }
 * ```
 *
 * `FDE_Enabled` and `FirewallEnabled` (1/0) give `diskEncryption` and `firewall`; a device
 * enrolled via DEP or with user-approved enrolment is `mdmEnrolled` (neither flag leaves it
 * out: an older manual enrolment has neither). Missing or non-0/1 values give `unknown`.
 */
import type { OnOffUnknown, ToolFacts, ToolParser } from '../types.ts';
import { parseAsciiPlist } from './plist-ascii.ts';
import type { PlistDict, PlistValue } from './plist-xml.ts';
import { asArray, asDict } from './plist-xml.ts';
import { clip, explainUnknown, splitLines } from './text.ts';

/** SecurityInfo dicts of the responses, daemon first; at most two parse attempts (linear). */
function securityInfos(text: string): PlistDict[] {
  const starts = ['Daemon response:', 'Agent response:'].map((label) => text.indexOf(label)).filter((at) => at >= 0);
  const out: PlistDict[] = [];
  for (const start of starts.length > 0 ? starts : [0]) {
    const brace = text.indexOf('{', start);
    if (brace < 0) continue;
    const root = asDict(parseAsciiPlist(text, brace)?.value);
    const info = asDict(root?.get('SecurityInfo')) ?? (root?.has('FDE_Enabled') === true ? root : undefined);
    if (info !== undefined) out.push(info);
  }
  return out;
}

/** The first value at `path` across the responses. */
function lookup(infos: readonly PlistDict[], ...path: readonly string[]): PlistValue | undefined {
  for (const info of infos) {
    let value: PlistValue | undefined = info;
    for (const key of path) value = asDict(value)?.get(key);
    if (value !== undefined) return value;
  }
  return undefined;
}

function flag(value: PlistValue | undefined): boolean | undefined {
  return value === '1' ? true : value === '0' ? false : undefined;
}

const onOff = (value: boolean | undefined): OnOffUnknown => (value === undefined ? 'unknown' : value ? 'on' : 'off');

export function parseMdmclientQuerySecurityInfo(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const infos = securityInfos(text);
  if (infos.length === 0) {
    explainUnknown(splitLines(text), detail);
    return { diskEncryption: 'unknown', firewall: 'unknown', detail };
  }
  const flags: readonly (readonly [string, readonly string[]])[] = [
    ['fdePersonalRecoveryKey', ['FDE_HasPersonalRecoveryKey']],
    ['fdeInstitutionalRecoveryKey', ['FDE_HasInstitutionalRecoveryKey']],
    ['blockAllIncoming', ['FirewallSettings', 'BlockAllIncoming']],
    ['stealthMode', ['FirewallSettings', 'StealthMode']],
    ['firmwarePassword', ['FirmwarePasswordStatus', 'PasswordExists']],
    ['enrolledViaDep', ['ManagementStatus', 'EnrolledViaDEP']],
    ['userApprovedEnrollment', ['ManagementStatus', 'UserApprovedEnrollment']],
    ['remoteDesktop', ['RemoteDesktopEnabled']],
  ];
  for (const [name, path] of flags) {
    const value = flag(lookup(infos, ...path));
    if (value !== undefined) detail[name] = value;
  }
  const sip = flag(lookup(infos, 'SystemIntegrityProtectionEnabled'));
  if (sip !== undefined) detail['sip'] = onOff(sip);
  const secureBoot = lookup(infos, 'SecureBoot', 'SecureBootLevel');
  if (typeof secureBoot === 'string') detail['secureBootLevel'] = clip(secureBoot);
  const apps = asArray(lookup(infos, 'FirewallSettings', 'Applications'));
  if (apps !== undefined) detail['firewallApplications'] = apps.length;

  const facts: ToolFacts = {
    diskEncryption: onOff(flag(lookup(infos, 'FDE_Enabled'))),
    firewall: onOff(flag(lookup(infos, 'FirewallSettings', 'FirewallEnabled'))),
    detail,
  };
  if (detail['enrolledViaDep'] === true || detail['userApprovedEnrollment'] === true) facts.mdmEnrolled = true;
  return facts;
}

export const mdmclientQuerySecurityInfoParser: ToolParser = {
  id: 'mdmclient-QuerySecurityInfo',
  platform: 'darwin',
  command: 'sudo /usr/libexec/mdmclient QuerySecurityInfo',
  parse: parseMdmclientQuerySecurityInfo,
};
