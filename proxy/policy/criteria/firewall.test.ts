import { describe, expect, it } from 'vitest';
import { postureReport } from '../test-helpers.ts';
import { checkFirewall } from './firewall.ts';

describe('checkFirewall', () => {
  it('passes when the firewall is on', () => {
    expect(checkFirewall(postureReport({ firewall: { status: 'pass', detail: 'ufw active' } }))).toEqual({ pass: true, reasons: [], data: { status: 'pass' } });
  });

  it('fails when it is off', () => {
    expect(checkFirewall(postureReport({ firewall: { status: 'fail' } }))).toEqual({ pass: false, reasons: ['firewall-off'], data: { status: 'fail' } });
  });

  it('fails closed when its state is unknown', () => {
    expect(checkFirewall(postureReport({ firewall: { status: 'unknown' } }))).toEqual({ pass: false, reasons: ['firewall-off'], data: { status: 'unknown' } });
  });
});
