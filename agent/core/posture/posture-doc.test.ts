/**
 * docs/posture.md stays in step with the code: every tool id of the parser registry is in its
 * table (and nothing else), every EDR vendor the agent recognises is listed, and the numbers it
 * states are the constants the code uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POSTURE_REPORT_LIMITS } from '../../../shared/posture/index.ts';
import { COMMAND_TIMEOUT_MS, EDR_PRODUCTS, PATCH_MAX_AGE_MS, POSTURE_COLLECT_INTERVAL_MS, POSTURE_COLLECT_TIMEOUT_MS, POSTURE_SEND_INTERVAL_MS, SLOW_TOOL_CACHE_MS, toolParsers } from './index.ts';

const DOC = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'posture.md'), 'utf8');
const toolSection = DOC.slice(DOC.indexOf('## Tool ids'));

/** Tool ids of the table, with the platform heading row they are under. */
function documentedTools(): { id: string; platform: string }[] {
  const rows: { id: string; platform: string }[] = [];
  let platform = '';
  for (const line of toolSection.split('\n')) {
    const heading = /^\| \*\*(Linux|macOS|Windows)\*\* \|/.exec(line);
    if (heading !== null) platform = { Linux: 'linux', macOS: 'darwin', Windows: 'win32' }[heading[1] as 'Linux' | 'macOS' | 'Windows'];
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row !== null) rows.push({ id: row[1]!, platform });
  }
  return rows;
}

describe('docs/posture.md', () => {
  it('lists every registered tool id under its platform, and no other', () => {
    const registered = toolParsers().map((p) => ({ id: p.id, platform: p.platform }));
    expect(registered.length).toBeGreaterThan(0);
    const documented = documentedTools();
    expect(documented.filter((d) => !registered.some((r) => r.id === d.id))).toEqual([]);
    expect(registered.filter((r) => !documented.some((d) => d.id === r.id && d.platform === r.platform))).toEqual([]);
  });

  it('lists every EDR vendor the agent recognises by process', () => {
    for (const product of EDR_PRODUCTS) expect(DOC, product.vendor).toContain(`| \`${product.vendor}\` | ${product.name} |`);
  });

  it('states the intervals, timeouts and bounds the code uses', () => {
    expect(POSTURE_SEND_INTERVAL_MS).toBe(60_000);
    expect(DOC).toContain('every **60 seconds**');
    expect(POSTURE_COLLECT_INTERVAL_MS).toBe(15_000);
    expect(DOC).toContain('every **15 seconds**');
    expect(COMMAND_TIMEOUT_MS).toBe(5_000);
    expect(DOC).toContain('at most **5 seconds**');
    expect(POSTURE_COLLECT_TIMEOUT_MS).toBe(10_000);
    expect(DOC).toContain('at most **10\n  seconds**');
    expect(SLOW_TOOL_CACHE_MS).toBe(10 * 60_000);
    expect(DOC).toContain('at most every **10 minutes**');
    expect(PATCH_MAX_AGE_MS).toBe(35 * 86_400_000);
    expect(DOC).toContain('within 35 days');
    expect(POSTURE_REPORT_LIMITS).toMatchObject({ maxString: 256, maxVolumes: 32, maxAgents: 32 });
    expect(DOC).toContain('at most 256 characters');
    expect(DOC).toContain('at most 32 volumes and 32 agents');
  });
});
