import { describe, expect, it } from 'vitest';
import { REASONS } from '../../shared/reasons.ts';
import { FIELD_LIMITS } from '../../shared/wire/index.ts';
import { toProblem } from './problem.ts';
import type { Decision } from './types.ts';

const data: Decision['data'] = { admittedBy: null, allow: [], require: {} };

describe('toProblem', () => {
  it('maps a deny to ZG_ERR_POLICY_DENIED with its reasons and their summaries', () => {
    const decision: Decision = { allow: false, enforced: true, reasons: ['mfa-required', 'posture-stale'], data };
    expect(toProblem(decision, 'wiki')).toEqual({
      code: 'ZG_ERR_POLICY_DENIED',
      reasons: ['mfa-required', 'posture-stale'],
      message: `access to wiki denied by policy: ${REASONS['mfa-required'].summary}; ${REASONS['posture-stale'].summary}`,
    });
  });

  it('words a single reason without an app', () => {
    expect(toProblem({ allow: false, enforced: true, reasons: ['user-not-allowed'], data })).toEqual({
      code: 'ZG_ERR_POLICY_DENIED',
      reasons: ['user-not-allowed'],
      message: 'access denied by policy: the user is not among those the app or its policy admits',
    });
  });

  it('keeps the message within the wire limit however many reasons there are', () => {
    const reasons = Object.keys(REASONS) as Decision['reasons'];
    const problem = toProblem({ allow: false, enforced: true, reasons, data }, 'a'.repeat(128));
    expect(problem.message.length).toBeLessThanOrEqual(FIELD_LIMITS.messageMaxLength);
    expect(problem.message.endsWith('...')).toBe(true);
    expect(problem.reasons).toEqual(reasons);
  });

  it('refuses to build a refusal for a decision that allows (report-only would-deny included)', () => {
    expect(() => toProblem({ allow: true, enforced: false, wouldDeny: true, reasons: ['mfa-required'], data })).toThrow(TypeError);
  });
});
