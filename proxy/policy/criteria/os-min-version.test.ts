import { describe, expect, it } from 'vitest';
import type { OsCheck } from '../../../shared/posture/report.ts';
import { postureReport } from '../test-helpers.ts';
import { checkOsMinVersion } from './os-min-version.ts';

const MINIMUMS = { darwin: '14.6', win32: '10.0.22631', linux: '6.1' };

function os(fields: Partial<OsCheck>) {
  return postureReport({ os: { status: 'pass', platform: 'darwin', name: undefined, version: undefined, build: undefined, kernel: undefined, ...fields } });
}

describe('checkOsMinVersion', () => {
  it('passes macOS 14.10 against 14.6 (numeric, not string, comparison)', () => {
    expect(checkOsMinVersion(os({ platform: 'darwin', version: '14.10' }), MINIMUMS)).toEqual({
      pass: true,
      reasons: [],
      data: { platform: 'darwin', field: 'version', required: '14.6', actual: '14.10', known: true },
    });
  });

  it('fails macOS 14.5.1 against 14.6', () => {
    expect(checkOsMinVersion(os({ platform: 'darwin', version: '14.5.1' }), MINIMUMS)).toEqual({
      pass: false,
      reasons: ['os-outdated'],
      data: { platform: 'darwin', field: 'version', required: '14.6', actual: '14.5.1', known: true },
    });
  });

  it('compares Windows builds: 10.0.19045 is older than 10.0.22631', () => {
    expect(checkOsMinVersion(os({ platform: 'win32', version: '10.0.19045' }), MINIMUMS)).toEqual({
      pass: false,
      reasons: ['os-outdated'],
      data: { platform: 'win32', field: 'version', required: '10.0.22631', actual: '10.0.19045', known: true },
    });
    expect(checkOsMinVersion(os({ platform: 'win32', version: '10.0.22631.3447' }), MINIMUMS).pass).toBe(true);
  });

  it('compares the kernel on Linux, not the distribution version', () => {
    expect(checkOsMinVersion(os({ platform: 'linux', version: '12', kernel: '6.1.0-18-amd64' }), MINIMUMS)).toEqual({
      pass: true,
      reasons: [],
      data: { platform: 'linux', field: 'kernel', required: '6.1', actual: '6.1.0-18-amd64', known: true },
    });
    expect(checkOsMinVersion(os({ platform: 'linux', version: '24.04', kernel: '5.15.0-105-generic' }), MINIMUMS)).toEqual({
      pass: false,
      reasons: ['os-outdated'],
      data: { platform: 'linux', field: 'kernel', required: '6.1', actual: '5.15.0-105-generic', known: true },
    });
  });

  it('fails closed on an unknown or unreadable version', () => {
    expect(checkOsMinVersion(os({ platform: 'linux', version: '24.04', kernel: undefined }), MINIMUMS)).toEqual({
      pass: false,
      reasons: ['os-outdated'],
      data: { platform: 'linux', field: 'kernel', required: '6.1', actual: null, known: false },
    });
    expect(checkOsMinVersion(os({ platform: 'darwin', version: 'Sonoma' }), MINIMUMS)).toEqual({
      pass: false,
      reasons: ['os-outdated'],
      data: { platform: 'darwin', field: 'version', required: '14.6', actual: 'Sonoma', known: false },
    });
  });

  it('passes a platform the policy sets no minimum for', () => {
    expect(checkOsMinVersion(os({ platform: 'linux', kernel: '4.19.0' }), { darwin: '14.6' })).toEqual({
      pass: true,
      reasons: [],
      data: { platform: 'linux', field: 'kernel', required: null, actual: '4.19.0', known: true },
    });
  });

  it('fails closed on a platform it does not know when any minimum is set', () => {
    const report = os({ platform: 'freebsd' as OsCheck['platform'], version: '14.0' });
    expect(checkOsMinVersion(report, MINIMUMS)).toEqual({
      pass: false,
      reasons: ['os-outdated'],
      data: { platform: 'freebsd', field: 'version', required: null, actual: '14.0', known: true },
    });
    expect(checkOsMinVersion(report, {}).pass).toBe(true);
  });
});
