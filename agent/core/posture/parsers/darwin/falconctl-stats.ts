/**
 * CrowdStrike Falcon for macOS, `sudo /Applications/Falcon.app/Contents/Resources/falconctl
 * stats` (or `stats agent_info CloudInfo`): sections of `key: value` lines,
 *
 * ```
 * =================================================================
 * agent_info:
 *   version: 7.10.18110.0
 *   agentID: 3F2A…
 *   Sensor operational: true
 * =================================================================
 * CloudInfo:
 *   Host: ts01-b.cloudsink.net
 *   Port: 443
 *   State: connected
 * ```
 *
 * `running` is "Sensor operational"; a sensor whose cloud state is `connected` is running too
 * (it reports in). "Error: The sensor has not loaded." is not running. The cloud state goes in
 * the detail, not in `running`: a disconnected sensor still protects the Mac offline. The
 * customer ID (CID) is not copied into `detail`.
 */
import type { ToolFacts, ToolParser } from '../types.ts';
import { clip, contentLines, explainUnknown, keyValue, parseBoolWord } from './text.ts';

const NOT_LOADED = /sensor (?:has not|is not|isn't) (?:loaded|running)|not loaded/i;

export function parseFalconctlStats(text: string): ToolFacts {
  const detail: Record<string, unknown> = {};
  const lines = contentLines(text);
  let operational: boolean | undefined;
  let notLoaded = false;
  for (const line of lines) {
    if (/^error\b/i.test(line) && NOT_LOADED.test(line)) {
      notLoaded = true;
      detail['error'] = clip(line);
      continue;
    }
    const pair = keyValue(line);
    if (pair === undefined || pair.value === '') continue;
    const key = pair.key.replace(/[\s_]/g, '');
    if (key === 'sensoroperational') operational ??= parseBoolWord(pair.value);
    else if (key === 'version' && detail['version'] === undefined) detail['version'] = clip(pair.value);
    else if (key === 'agentid' && detail['agentId'] === undefined) detail['agentId'] = clip(pair.value);
    else if ((key === 'state' || key === 'cloudstate') && detail['cloudState'] === undefined) {
      detail['cloudState'] = clip(pair.value.toLowerCase());
    } else if (key === 'host' && detail['cloudHost'] === undefined) detail['cloudHost'] = clip(pair.value);
    else if (key === 'installguard') detail['installGuard'] = clip(pair.value);
  }
  if (operational !== undefined) detail['sensorOperational'] = operational;

  const connected = detail['cloudState'] === 'connected';
  const running = notLoaded ? false : operational ?? (connected ? true : undefined);
  if (running === undefined) {
    explainUnknown(lines, detail);
    return { detail };
  }
  const parts = [running ? 'sensor operational' : 'sensor not operational'];
  if (detail['cloudState'] !== undefined) parts.push(`cloud ${String(detail['cloudState'])}`);
  if (detail['version'] !== undefined) parts.push(`version ${String(detail['version'])}`);
  return { edr: [{ vendor: 'crowdstrike', running, detail: parts.join(', ') }], detail };
}

export const falconctlStatsParser: ToolParser = {
  id: 'falconctl-stats',
  platform: 'darwin',
  command: 'sudo /Applications/Falcon.app/Contents/Resources/falconctl stats agent_info CloudInfo',
  parse: parseFalconctlStats,
};
