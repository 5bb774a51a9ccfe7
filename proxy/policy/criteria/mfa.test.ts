import { describe, expect, it } from 'vitest';
import { decisionInput } from '../test-helpers.ts';
import { checkMfa } from './mfa.ts';

describe('checkMfa', () => {
  it('passes when amr holds a multi-factor value', () => {
    const { identity } = decisionInput({ identity: { amr: ['pwd', 'otp'] } });
    expect(checkMfa(identity)).toEqual({ pass: true, reasons: [], data: { amr: ['pwd', 'otp'], sessionMfa: null } });
  });

  it('fails a password-only sign-in', () => {
    const { identity } = decisionInput({ identity: { amr: ['pwd'] } });
    expect(checkMfa(identity)).toEqual({ pass: false, reasons: ['mfa-required'], data: { amr: ['pwd'], sessionMfa: null } });
  });

  it.each(['mfa', 'otp', 'hwk'])('accepts amr %s', (value) => {
    expect(checkMfa(decisionInput({ identity: { amr: [value] } }).identity).pass).toBe(true);
  });

  it('fails a one-time-token enrolment (no amr) and an acr on its own', () => {
    expect(checkMfa(decisionInput({ identity: { amr: [], acr: 'urn:okta:loa:1fa:pwd' } }).identity).pass).toBe(false);
  });

  it('follows the identity layer verdict when it has one (enforcedByIdp, configured amr/acr lists)', () => {
    const trusted = decisionInput({ identity: { amr: [], mfa: true } }).identity;
    expect(checkMfa(trusted)).toEqual({ pass: true, reasons: [], data: { amr: [], sessionMfa: true } });
    const refused = decisionInput({ identity: { amr: ['otp'], mfa: false } }).identity;
    expect(checkMfa(refused)).toEqual({ pass: false, reasons: ['mfa-required'], data: { amr: ['otp'], sessionMfa: false } });
  });
});
