import { describe, expect, it } from 'vitest';
import { postureReport } from '../test-helpers.ts';
import { checkEdr } from './edr.ts';

const ACCEPTED = ['crowdstrike', 'sentinelone', 'defender'];

describe('checkEdr', () => {
  it('passes when an accepted vendor is running', () => {
    const report = postureReport({ edr: { status: 'pass', agents: [{ vendor: 'clamav', running: true }, { vendor: 'defender', running: true }] } });
    expect(checkEdr(report, ACCEPTED)).toEqual({
      pass: true,
      reasons: [],
      data: { accepted: ACCEPTED, running: ['clamav', 'defender'], matched: 'defender' },
    });
  });

  it('fails when accepted vendors are only installed, or other vendors run', () => {
    const report = postureReport({ edr: { status: 'fail', agents: [{ vendor: 'crowdstrike', running: false }, { vendor: 'sophos', running: true }] } });
    expect(checkEdr(report, ACCEPTED)).toEqual({
      pass: false,
      reasons: ['edr-missing'],
      data: { accepted: ACCEPTED, running: ['sophos'], matched: null },
    });
  });

  it('fails a device with no EDR agent at all', () => {
    expect(checkEdr(postureReport({ edr: { status: 'unknown', agents: [] } }), ACCEPTED).reasons).toEqual(['edr-missing']);
  });
});
