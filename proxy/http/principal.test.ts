import { describe, expect, it } from 'vitest';
import type { PolicyConfig } from '../config/index.ts';
import { postureVerdict, tunnelPrincipal } from './principal.ts';

const withPosture: PolicyConfig = { mode: 'report-only', allow: [], require: { posture: { maxAgeMs: 60_000, diskEncryption: true } } };
const without: PolicyConfig = { mode: 'enforce', allow: [], require: { mfa: true } };

describe('postureVerdict', () => {
  it('is none without a posture requirement, else pass, fail or unknown from the decision reasons', () => {
    expect(postureVerdict(undefined, [])).toBe('none');
    expect(postureVerdict(without, [])).toBe('none');
    expect(postureVerdict(withPosture, [])).toBe('pass');
    expect(postureVerdict(withPosture, ['disk-unencrypted'])).toBe('fail');
    expect(postureVerdict(withPosture, ['posture-stale'])).toBe('unknown');
    expect(postureVerdict(withPosture, ['posture-missing', 'firewall-off'])).toBe('unknown');
  });
});

describe('tunnelPrincipal', () => {
  it('names the email only when the user is an email address', () => {
    expect(tunnelPrincipal({ user: 'alice@example.com', groups: ['a'], deviceId: 'd', source: '10.0.0.1', posture: 'pass' })).toEqual({
      user: 'alice@example.com',
      groups: ['a'],
      email: 'alice@example.com',
      deviceId: 'd',
      posture: 'pass',
      via: 'tunnel',
      source: '10.0.0.1',
    });
    expect(tunnelPrincipal({ user: 'alice', groups: [], deviceId: 'd', source: 's', posture: 'none' })).not.toHaveProperty('email');
  });
});
