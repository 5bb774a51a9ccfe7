import { describe, expect, it } from 'vitest';
import type { PolicyConfig } from '../config/index.ts';
import { parseCidr } from './cidr.ts';
import { evaluate } from './evaluate.ts';
import { DAY, HOUR, MINUTE, NOW, decisionInput, postureReport } from './test-helpers.ts';
import type { Decision, DecisionApp } from './types.ts';

const office = (() => {
  const parsed = parseCidr('10.0.0.0/8');
  if (!parsed.ok) throw new Error(parsed.expected);
  return parsed.value;
})();

/** The DESIGN.md §6 example policy, resolved. */
const ENGINEERING: PolicyConfig = {
  mode: 'enforce',
  allow: [{ groups: ['engineering'] }, { emails: ['cto@example.com'] }],
  require: {
    mfa: true,
    maxAuthAgeMs: 12 * HOUR,
    posture: {
      maxAgeMs: 5 * MINUTE,
      osMinVersion: { darwin: '14.6', win32: '10.0.22631', linux: '6.1' },
      maxPatchAgeDays: 30,
      diskEncryption: true,
      edr: ['crowdstrike', 'sentinelone', 'defender'],
      firewall: true,
      screenLock: true,
    },
    sourceCidrs: [office],
  },
};

const WIKI: DecisionApp = { id: 'wiki', users: [] };

/** The data of a decision where every criterion of ENGINEERING passes for Alice. */
const ALL_PASS_REQUIRE = {
  mfa: { pass: true, amr: ['pwd', 'otp', 'mfa'], sessionMfa: null },
  'max-auth-age': { pass: true, authAgeMs: HOUR, maxAuthAgeMs: 12 * HOUR },
  'posture-max-age': { pass: true, postureAgeMs: 30_000, maxAgeMs: 5 * MINUTE },
  'os-min-version': { pass: true, platform: 'darwin', field: 'version', required: '14.6', actual: '14.6.1', known: true },
  'patch-age': { pass: true, lastUpdateAt: new Date(NOW - 3 * DAY).toISOString(), patchAgeDays: 3, maxPatchAgeDays: 30, pendingSecurityUpdates: 0 },
  'disk-encryption': { pass: true, status: 'pass', volumes: [{ volume: '/', state: 'on' }] },
  edr: { pass: true, accepted: ['crowdstrike', 'sentinelone', 'defender'], running: ['crowdstrike'], matched: 'crowdstrike' },
  firewall: { pass: true, status: 'pass' },
  'screen-lock': { pass: true, status: 'pass', timeoutSeconds: 300, maxTimeoutSeconds: null },
  'source-cidr': { pass: true, source: '10.1.2.3', matched: '10.0.0.0/8' },
};

describe('evaluate: admission', () => {
  it('allows an engineer who meets every requirement, with every criterion in data', () => {
    expect(evaluate(decisionInput(), ENGINEERING, WIKI)).toEqual<Decision>({
      allow: true,
      enforced: true,
      reasons: [],
      data: {
        admittedBy: 'allow[0]',
        allow: [
          { criterion: 'groups', pass: true, matched: ['engineering'] },
          { criterion: 'emails', pass: false, email: 'alice@example.com', matched: null },
        ],
        require: ALL_PASS_REQUIRE,
      },
    });
  });

  it('admits through any allow item (the second here)', () => {
    const cto = decisionInput({ identity: { user: 'cto@example.com', groups: ['exec'] } });
    const decision = evaluate(cto, ENGINEERING, WIKI);
    expect(decision).toMatchObject({ allow: true, reasons: [], data: { admittedBy: 'allow[1]' } });
  });

  it('admits a user the app lists in users, even when no allow item matches', () => {
    const ops = decisionInput({ identity: { user: 'ops@example.com', groups: [] } });
    const decision = evaluate(ops, ENGINEERING, { id: 'wiki', users: ['ops@example.com'] });
    expect(decision).toMatchObject({ allow: true, enforced: true, reasons: [], data: { admittedBy: 'app-users' } });
  });

  it('admits by users alone when the app has no policy (no requirements apply)', () => {
    const bare = decisionInput({ device: { posture: undefined }, context: { source: '203.0.113.9' } });
    expect(evaluate(bare, undefined, { id: 'wiki', users: ['alice@example.com'] })).toEqual<Decision>({
      allow: true,
      enforced: true,
      reasons: [],
      data: { admittedBy: 'app-users', allow: [], require: {} },
    });
  });

  it('refuses everyone on an app with neither users nor a policy (deny by default)', () => {
    expect(evaluate(decisionInput(), undefined, WIKI)).toEqual<Decision>({
      allow: false,
      enforced: true,
      reasons: ['user-not-allowed'],
      data: { admittedBy: null, allow: [], require: {} },
    });
  });

  it('refuses a user no allow item matches, still judging (and reporting) the requirements', () => {
    const mallory = decisionInput({ identity: { user: 'mallory@example.com', groups: ['staff'] } });
    const decision = evaluate(mallory, ENGINEERING, WIKI);
    expect(decision).toEqual<Decision>({
      allow: false,
      enforced: true,
      reasons: ['user-not-allowed'],
      data: {
        admittedBy: null,
        allow: [
          { criterion: 'groups', pass: false, matched: [] },
          { criterion: 'emails', pass: false, email: 'mallory@example.com', matched: null },
        ],
        require: ALL_PASS_REQUIRE,
      },
    });
  });
});

describe('evaluate: requirements', () => {
  it('collects every failing reason, deduplicated, in criterion order', () => {
    const input = decisionInput({
      identity: { user: 'mallory@example.com', groups: [], amr: ['pwd'], authTime: NOW - 13 * HOUR },
      device: {
        posture: {
          receivedAt: NOW - MINUTE,
          report: postureReport({
            os: { status: 'pass', platform: 'darwin', name: 'macOS', version: '13.6', build: undefined, kernel: undefined },
            patch: { status: 'fail', lastUpdateAt: new Date(NOW - 90 * DAY).toISOString(), pendingSecurityUpdates: 4 },
            diskEncryption: { status: 'unknown', volumes: [] },
            edr: { status: 'fail', agents: [] },
            firewall: { status: 'fail' },
            screenLock: { status: 'fail', timeoutSeconds: undefined },
          }),
        },
      },
      context: { source: '::ffff:203.0.113.9' },
    });
    const decision = evaluate(input, ENGINEERING, WIKI);
    expect(decision.allow).toBe(false);
    expect(decision.enforced).toBe(true);
    expect(decision.reasons).toEqual([
      'user-not-allowed',
      'mfa-required',
      'auth-too-old',
      'os-outdated',
      'patch-outdated',
      'disk-unencrypted',
      'edr-missing',
      'firewall-off',
      'screen-lock-off',
      'source-not-allowed',
    ]);
    expect(decision).not.toHaveProperty('wouldDeny');
    expect(decision.data.require['source-cidr']).toEqual({ pass: false, source: '203.0.113.9', matched: null });
    expect(decision.data.require['os-min-version']).toEqual({ pass: false, platform: 'darwin', field: 'version', required: '14.6', actual: '13.6', known: true });
  });

  it('fails every posture criterion as posture-missing when the device sent no report', () => {
    const decision = evaluate(decisionInput({ device: { posture: undefined } }), ENGINEERING, WIKI);
    expect(decision.allow).toBe(false);
    expect(decision.reasons).toEqual(['posture-missing']);
    const skipped = { pass: false, skipped: 'posture-missing' };
    expect(decision.data.require).toEqual({
      ...ALL_PASS_REQUIRE,
      'posture-max-age': { pass: false, postureAgeMs: null, maxAgeMs: 5 * MINUTE },
      'os-min-version': skipped,
      'patch-age': skipped,
      'disk-encryption': skipped,
      edr: skipped,
      firewall: skipped,
      'screen-lock': skipped,
    });
  });

  it('does not judge stale posture: the posture criteria fail closed as posture-stale', () => {
    // A stale report that would fail the firewall and pass the rest: neither verdict is used.
    const stale = decisionInput({ device: { posture: { report: postureReport({ firewall: { status: 'fail' } }), receivedAt: NOW - 6 * MINUTE } } });
    const decision = evaluate(stale, ENGINEERING, WIKI);
    expect(decision.reasons).toEqual(['posture-stale']);
    expect(decision.data.require['posture-max-age']).toEqual({ pass: false, postureAgeMs: 6 * MINUTE, maxAgeMs: 5 * MINUTE });
    expect(decision.data.require.firewall).toEqual({ pass: false, skipped: 'posture-stale' });
    expect(decision.data.require['os-min-version']).toEqual({ pass: false, skipped: 'posture-stale' });
  });

  it('requires a report for `posture: {}` alone, and judges only the configured criteria', () => {
    const policy: PolicyConfig = { mode: 'enforce', allow: [{ groups: ['engineering'] }], require: { posture: { maxAgeMs: 5 * MINUTE, diskEncryption: false, screenLock: false } } };
    expect(evaluate(decisionInput(), policy, WIKI).data.require).toEqual({ 'posture-max-age': { pass: true, postureAgeMs: 30_000, maxAgeMs: 5 * MINUTE } });
    expect(evaluate(decisionInput({ device: { posture: undefined } }), policy, WIKI).reasons).toEqual(['posture-missing']);
  });

  it('fails closed, without throwing, on a malformed report that slipped past validation', () => {
    const broken = { ...postureReport(), edr: undefined, os: null } as unknown as ReturnType<typeof postureReport>;
    const decision = evaluate(decisionInput({ device: { posture: { report: broken, receivedAt: NOW } } }), ENGINEERING, WIKI);
    expect(decision.allow).toBe(false);
    expect(decision.reasons).toEqual(['os-outdated', 'edr-missing']);
    expect(decision.data.require.edr).toEqual({ pass: false, error: 'input-not-evaluable' });
  });

  it('re-evaluates to a deny as time passes (continuous verification: the clock is an input)', () => {
    const later = decisionInput({ context: { now: NOW + 10 * MINUTE } });
    expect(evaluate(later, ENGINEERING, WIKI).reasons).toEqual(['posture-stale']);
  });
});

describe('evaluate: report-only', () => {
  const REPORT_ONLY: PolicyConfig = { ...ENGINEERING, mode: 'report-only' };

  it('lets a failing access continue, unenforced, as a would-deny with every reason', () => {
    const input = decisionInput({ identity: { amr: ['pwd'] }, context: { source: '203.0.113.9' } });
    const decision = evaluate(input, REPORT_ONLY, WIKI);
    expect(decision).toMatchObject({ allow: true, enforced: false, wouldDeny: true, reasons: ['mfa-required', 'source-not-allowed'] });
    expect(decision.data.require.mfa).toEqual({ pass: false, amr: ['pwd'], sessionMfa: null });
  });

  it('allows a passing access with wouldDeny false', () => {
    expect(evaluate(decisionInput(), REPORT_ONLY, WIKI)).toEqual<Decision>({
      allow: true,
      enforced: false,
      wouldDeny: false,
      reasons: [],
      data: {
        admittedBy: 'allow[0]',
        allow: [
          { criterion: 'groups', pass: true, matched: ['engineering'] },
          { criterion: 'emails', pass: false, email: 'alice@example.com', matched: null },
        ],
        require: ALL_PASS_REQUIRE,
      },
    });
  });

  it('never admits a user the policy and app do not admit (admission is always enforced)', () => {
    const mallory = decisionInput({ identity: { user: 'mallory@example.com', groups: [], amr: ['pwd'] } });
    const decision = evaluate(mallory, REPORT_ONLY, WIKI);
    expect(decision).toMatchObject({ allow: false, enforced: true, reasons: ['user-not-allowed', 'mfa-required'] });
    expect(decision).not.toHaveProperty('wouldDeny');
  });
});

describe('evaluate: purity', () => {
  it('does not modify its inputs', () => {
    const input = decisionInput({ identity: { amr: ['pwd'] } });
    const policy = structuredClone(ENGINEERING);
    const app = { id: 'wiki', users: ['bob'] };
    const before = structuredClone({ input, policy, app });
    evaluate(input, policy, app);
    expect({ input, policy, app }).toEqual(before);
  });

  it('returns data that is plain JSON (it goes into audit events)', () => {
    const decision = evaluate(decisionInput({ device: { posture: undefined } }), ENGINEERING, WIKI);
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});
