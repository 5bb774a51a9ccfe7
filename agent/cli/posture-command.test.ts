/**
 * `zerogate posture` and the posture part of `zerogate status`, run in-process on this machine
 * (real tools; no proxy needed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePostureReport, POSTURE_CHECKS } from '../../shared/posture/index.ts';
import { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, main, type CliIo } from './main.ts';

const dir = mkdtempSync(join(tmpdir(), 'zg-cli-posture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: { ZEROGATE_HOME: join(dir, 'home') }, untilStopped: async () => undefined };
  const code = await main(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('zerogate posture --parse', () => {
  it('prints what the parser of a tool id concludes from a saved output, as JSON', async () => {
    const file = join(dir, 'ufw.txt');
    writeFileSync(file, 'Status: inactive\n');
    const result = await run('posture', '--parse', 'ufw-status', file);
    expect(result).toMatchObject({ code: EXIT_OK, err: '' });
    expect(JSON.parse(result.out)).toMatchObject({ firewall: 'off' });
  });

  it('an unknown tool id is ZG_ERR_POSTURE_UNKNOWN_TOOL (exit 1), listing the known ones, before the file is read', async () => {
    const result = await run('posture', '--parse', 'no-such-tool', join(dir, 'missing.txt'));
    expect(result.code).toBe(EXIT_RUNTIME);
    expect(result.err).toMatch(/^error ZG_ERR_POSTURE_UNKNOWN_TOOL: no parser for tool id "no-such-tool" \(known: .*ufw-status/);
  });

  it('a file that cannot be read, or a missing or extra argument, is a usage error (exit 2)', async () => {
    for (const argv of [
      ['posture', '--parse', 'ufw-status', join(dir, 'missing.txt')],
      ['posture', '--parse', 'ufw-status', dir],
      ['posture', '--parse', 'ufw-status'],
      ['posture', '--parse', 'ufw-status', 'a', 'b'],
      ['posture', 'extra'],
      ['posture', '--bogus'],
    ]) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(EXIT_USAGE);
      expect(result.err, argv.join(' ')).toMatch(/^error ZG_ERR_USAGE: /);
    }
  });
});

describe('zerogate posture and status on this machine', () => {
  it('--json prints a report that validates; the default prints one line per check', { timeout: 30_000 }, async () => {
    const json = await run('posture', '--json');
    expect(json.code).toBe(EXIT_OK);
    const report = parsePostureReport(JSON.parse(json.out));
    expect(report.agentVersion).toBe((await run('--version')).out);
    const text = await run('posture');
    expect(text.code).toBe(EXIT_OK);
    const lines = text.out.split('\n').filter((l) => /^(pass|fail|unknown) /.test(l));
    expect(lines.map((l) => l.slice(9, l.indexOf(':')))).toEqual(['Operating system', 'Updates', 'Disk encryption', 'Endpoint security', 'Firewall', 'Screen lock']);
  });

  it('status shows the posture checklist also when not enrolled', { timeout: 30_000 }, async () => {
    const text = await run('status');
    expect(text.code).toBe(EXIT_OK);
    expect(text.out).toMatch(/^not enrolled: run `zerogate login`\nposture:\n {2}(pass|fail|unknown) +Operating system: /);
    const json = JSON.parse((await run('status', '--json')).out) as { enrolled: boolean; posture: { check: string; status: string; summary: string }[] };
    expect(json.enrolled).toBe(false);
    expect(json.posture.map((p) => p.check)).toEqual([...POSTURE_CHECKS]);
  });
});
