/**
 * Bitdefender GravityZone (Endpoint Security Tools for Linux): `bduitool get ps` prints the
 * protection status, `Product version: 7.0.3.2239`, `New product update available: no`,
 * `Engines version: ...`, `Last security content update: ...`, `New security content
 * available: no`, then `Features:` with `  - Antimalware status: On` lines.
 *
 * The `bitdefender` agent runs when its antimalware feature is `On`; `Off`, or a status that is
 * not shown, is not running. Whether product and signatures are current is in `detail`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, toLines, unrecognised } from './text.ts';

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const values = new Map<string, string>();
  const features = new Map<string, string>();
  for (const line of lines) {
    const trimmed = line.trim().replace(/^-\s*/, '');
    const colon = trimmed.indexOf(':');
    if (colon <= 0) continue;
    const name = trimmed.slice(0, colon).trim();
    const key = name.toLowerCase();
    const value = clip(trimmed.slice(colon + 1).trim(), 64);
    const feature = / status$/.test(key) ? clip(name.slice(0, -7), 64) : undefined;
    if (feature !== undefined && !features.has(feature)) features.set(feature, value);
    else if (!values.has(key)) values.set(key, value);
  }
  const version = values.get('product version');
  const antimalware = [...features].find(([f]) => f.toLowerCase() === 'antimalware')?.[1];
  if (version === undefined && antimalware === undefined) return { detail: unrecognised(lines) };
  const yesNo = (key: string): boolean | undefined => {
    const v = values.get(key)?.toLowerCase();
    return v === 'no' ? true : v === 'yes' ? false : undefined;
  };
  const running = antimalware?.toLowerCase() === 'on';
  return {
    edr: [{ vendor: 'bitdefender', running, detail: antimalware === undefined ? 'antimalware status not shown' : `antimalware ${antimalware}` }],
    detail: compact({
      productVersion: version,
      productUpToDate: yesNo('new product update available'),
      enginesVersion: values.get('engines version'),
      signaturesUpToDate: yesNo('new security content available'),
      lastSecurityContentUpdate: values.get('last security content update'),
      features: features.size > 0 ? Object.fromEntries([...features].slice(0, 16)) : undefined,
    }),
  };
}

export const bitdefenderBduitoolGetPs: ToolParser = {
  id: 'bitdefender-bduitool-get-ps',
  platform: 'linux',
  command: '/opt/bitdefender-security-tools/bin/bduitool get ps',
  parse,
};
