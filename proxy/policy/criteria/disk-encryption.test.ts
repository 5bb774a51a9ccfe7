import { describe, expect, it } from 'vitest';
import { postureReport } from '../test-helpers.ts';
import { checkDiskEncryption } from './disk-encryption.ts';

describe('checkDiskEncryption', () => {
  it('passes when the check passes', () => {
    const report = postureReport({ diskEncryption: { status: 'pass', volumes: [{ volume: '/', state: 'on', method: 'LUKS2' }] } });
    expect(checkDiskEncryption(report)).toEqual({ pass: true, reasons: [], data: { status: 'pass', volumes: [{ volume: '/', state: 'on' }] } });
  });

  it('fails an unencrypted (or suspended) system volume', () => {
    const report = postureReport({ diskEncryption: { status: 'fail', volumes: [{ volume: 'C:', state: 'off', method: 'BitLocker' }], detail: 'protection suspended' } });
    expect(checkDiskEncryption(report)).toEqual({
      pass: false,
      reasons: ['disk-unencrypted'],
      data: { status: 'fail', volumes: [{ volume: 'C:', state: 'off' }] },
    });
  });

  it('fails closed when the state is unknown', () => {
    const report = postureReport({ diskEncryption: { status: 'unknown', volumes: [] } });
    expect(checkDiskEncryption(report)).toEqual({ pass: false, reasons: ['disk-unencrypted'], data: { status: 'unknown', volumes: [] } });
  });
});
