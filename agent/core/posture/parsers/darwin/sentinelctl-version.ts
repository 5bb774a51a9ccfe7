/**
 * SentinelOne for macOS, `/Library/Sentinel/sentinel-agent.bundle/Contents/MacOS/sentinelctl
 * version`: one line, `SentinelOne 24.1.2.7444` (older agents: `Agent version: 4.6.11.3107`).
 *
 * It shows the agent is installed and which version, not whether it runs, so it adds no `edr`
 * entry (running is `sentinelctl-status`'s to say; a guess would be either a false pass or a
 * false fail). The version and vendor go in the detail for the helpdesk.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, contentLines, explainUnknown } from './text.ts';

const VERSION = /^(?:SentinelOne(?: Agent)?|Agent version:?)\s+v?([0-9]+(?:\.[0-9]+){1,4})\b/i;

export function parseSentinelctlVersion(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const lines = contentLines(text);
  for (const line of lines) {
    const match = VERSION.exec(line);
    if (match !== null) {
      detail['vendor'] = 'sentinelone';
      detail['installed'] = true;
      detail['version'] = clip(match[1]!);
      return { detail };
    }
  }
  explainUnknown(lines, detail);
  return { detail };
}

export const sentinelctlVersionParser: ToolParser = {
  id: 'sentinelctl-version',
  platform: 'darwin',
  command: '/Library/Sentinel/sentinel-agent.bundle/Contents/MacOS/sentinelctl version',
  parse: parseSentinelctlVersion,
};
