/**
 * `/opt/CrowdStrike/falconctl -g --cid --aid --rfm-state --rfm-reason --version ...`: one line of
 * comma-separated answers in the order asked, `cid="..."`, `aid is not set`, `rfm-state=false`,
 * `rfm-reason=None, code=0x0`, `version = 7.10.16303.0`, `tags=a,b` (a value may itself hold
 * commas without a space), often ending with `.` or `,`. Errors: `CID is not set. Use falconctl
 * to set the CID` / `ERROR: failed to process the option --cid`.
 *
 * `running` is true only when the output proves the sensor protects the host: `rfm-state=false`
 * with no CID or AID reported as unset. Reduced functionality mode, an unset CID (not
 * configured) or AID (never registered with the cloud), or an rfm-state that is not shown, are
 * all "not shown to be running": `running: false`, with the reason. The CID value itself is not
 * copied into `detail` (it identifies the customer); only whether it is set.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, compact, MAX_DETAIL_ENTRIES, toLines, unrecognised } from './text.ts';

const PAIR = /^([a-z][a-z-]*)\s*=\s*(.*)$/;
const UNSET = /^([a-z][a-z-]*) is not set$/;

function parse(text: string): ToolFacts {
  const lines = toLines(text);
  const values = new Map<string, string>();
  const unset = new Set<string>();
  let cidError = false;

  for (const line of lines) {
    if (/^CID is not set\b/i.test(line.trim())) cidError = true;
    // Split at commas followed by a space or the end: `tags=a,b` keeps its inner commas.
    for (const raw of line.split(/,(?=\s|$)/)) {
      const part = raw.trim().replace(/\.$/, '');
      if (part === '') continue;
      const pair = PAIR.exec(part);
      const none = UNSET.exec(part);
      if (pair !== null && !values.has(pair[1]!)) values.set(pair[1]!, pair[2]!.replace(/^"(.*)"$/, '$1'));
      else if (none !== null) unset.add(none[1]!);
    }
  }
  if (cidError) unset.add('cid');
  if (values.size === 0 && unset.size === 0) return { detail: unrecognised(lines) };

  const rfm = values.get('rfm-state');
  const reasons: string[] = [];
  if (unset.has('cid')) reasons.push('CID not set: sensor not configured');
  if (unset.has('aid')) reasons.push('AID not set: sensor never registered with the cloud');
  if (rfm === 'true') reasons.push('reduced functionality mode');
  else if (rfm !== 'false') reasons.push('rfm-state not shown');
  const running = reasons.length === 0;
  const flag = (name: string): boolean | undefined => (values.has(name) ? true : unset.has(name) ? false : undefined);
  const tags = values.get('tags');
  return {
    edr: [{ vendor: 'crowdstrike', running, detail: running ? 'rfm-state=false: not in reduced functionality mode' : reasons.join('; ') }],
    detail: compact({
      cidSet: flag('cid'),
      aidSet: flag('aid'),
      aid: values.has('aid') ? clip(values.get('aid')!, 64) : undefined,
      rfmState: rfm === undefined ? (unset.has('rfm-state') ? 'not set' : undefined) : clip(rfm, 32),
      rfmReason: values.has('rfm-reason') ? clip(values.get('rfm-reason')!) : undefined,
      rfmReasonCode: values.has('code') ? clip(values.get('code')!, 32) : undefined,
      version: values.has('version') ? clip(values.get('version')!, 64) : undefined,
      tags: tags === undefined ? undefined : tags.split(',').filter((t) => t !== '').slice(0, MAX_DETAIL_ENTRIES).map((t) => clip(t)),
      error: cidError ? 'CID is not set' : undefined,
    }),
  };
}

export const falconctlG: ToolParser = {
  id: 'falconctl-g',
  platform: 'linux',
  command: '/opt/CrowdStrike/falconctl -g --cid --aid --rfm-state --rfm-reason --version',
  parse,
};
