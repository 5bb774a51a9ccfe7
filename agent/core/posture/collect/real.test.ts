/**
 * The real thing on this machine: execFileRunner and readFileTail against real processes and
 * files, and collectPosture with its defaults (systeminformation, the installed tools). In a
 * container many checks are `unknown`; what matters is that the report validates, the collection
 * stays within its bound, and no check claims `pass` without the evidence for it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePostureReport, POSTURE_CHECKS } from '../../../../shared/posture/index.ts';
import { collectPosture, POSTURE_COLLECT_TIMEOUT_MS } from './collect.ts';
import { CommandTimeoutError, describeFailure, execFileRunner, readFileTail } from './runner.ts';

const posix = process.platform !== 'win32';
const dir = mkdtempSync(join(tmpdir(), 'zg-posture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (timeoutMs = 2_000) => ({ timeoutMs, maxOutputBytes: 1024 * 1024, signal: new AbortController().signal });

describe.runIf(posix)('execFileRunner', () => {
  it('runs without a shell, in the C locale, and resolves with a non-zero exit status', async () => {
    const result = await execFileRunner('sh', ['-c', 'echo "$LC_ALL $0"; echo oops >&2; exit 3', '$(not expanded)'], options());
    expect(result).toEqual({ stdout: 'C $(not expanded)\n', stderr: 'oops\n', exitCode: 3 });
  });

  it('a missing tool is ENOENT: "not installed"', async () => {
    const error = await execFileRunner('zerogate-no-such-tool', [], options()).catch((e: unknown) => e);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(describeFailure(error)).toBe('not installed');
  });

  it('kills a tool at its timeout', async () => {
    const started = Date.now();
    const error = await execFileRunner('sleep', ['10'], options(100)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(describeFailure(error)).toBe('timed out after 100 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('kills a tool whose output exceeds the bound', async () => {
    const error = await execFileRunner('head', ['-c', '100000', '/dev/zero'], { ...options(), maxOutputBytes: 1000 }).catch((e: unknown) => e);
    expect(describeFailure(error)).toMatch(/^output larger than/);
  });

  it('kills a tool when the collection is aborted', async () => {
    const controller = new AbortController();
    const pending = execFileRunner('sleep', ['10'], { ...options(5_000), signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    expect(describeFailure(await pending)).toBe('stopped: the collection ran out of time');
  });
});

describe('readFileTail', () => {
  it('reads a small file whole and a large one from the first full line of its tail', async () => {
    const small = join(dir, 'small.log');
    writeFileSync(small, 'a\nb\n');
    expect(await readFileTail(small, 1024)).toBe('a\nb\n');
    const large = join(dir, 'large.log');
    writeFileSync(large, `${'old line\n'.repeat(1000)}Start-Date: newest\n`);
    const tail = await readFileTail(large, 40);
    expect(tail.endsWith('Start-Date: newest\n')).toBe(true);
    expect(tail.startsWith('old line\n')).toBe(true);
    expect(tail.length).toBeLessThanOrEqual(40);
    await expect(readFileTail(join(dir, 'missing.log'), 10)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('collectPosture on this machine (real tools, real systeminformation)', () => {
  it('returns a valid report within its bound, and claims pass only with the evidence', { timeout: POSTURE_COLLECT_TIMEOUT_MS + 10_000 }, async () => {
    const started = Date.now();
    const report = await collectPosture({ agentVersion: '0.1.0' });
    expect(Date.now() - started).toBeLessThan(POSTURE_COLLECT_TIMEOUT_MS + 2_000);
    expect(parsePostureReport(JSON.parse(JSON.stringify(report)))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(report.os.platform).toBe(process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux');

    for (const check of POSTURE_CHECKS) {
      // Every check that is not a pass says why.
      if (report[check].status !== 'pass') expect(report[check].detail, check).toBeTruthy();
    }
    if (report.os.status === 'pass') expect(report.os.platform === 'linux' ? report.os.kernel : report.os.version).toBeTruthy();
    if (report.patch.status === 'pass') {
      expect(report.patch.lastUpdateAt).toBeDefined();
      expect(report.patch.pendingSecurityUpdates ?? 0).toBe(0);
    }
    if (report.diskEncryption.status === 'pass') {
      expect(report.diskEncryption.volumes.length).toBeGreaterThan(0);
      expect(report.diskEncryption.volumes.every((v) => v.state === 'on')).toBe(true);
    }
    if (report.edr.status === 'pass') expect(report.edr.agents.some((a) => a.running)).toBe(true);
    if (report.firewall.status === 'pass') expect(report.firewall.detail).toMatch(/: on$/);
    if (report.screenLock.status === 'pass' && process.platform === 'linux') {
      // GNOME's defaults say "on" everywhere; only a GNOME session makes that evidence.
      expect(`${process.env.XDG_CURRENT_DESKTOP ?? ''}${process.env.XDG_SESSION_DESKTOP ?? ''}${process.env.DESKTOP_SESSION ?? ''}`).toMatch(/gnome|unity|ubuntu|pop|budgie|zorin/i);
    }
  });
});
