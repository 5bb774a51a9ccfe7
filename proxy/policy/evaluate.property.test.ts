/**
 * Properties of evaluate() over arbitrary posture reports and inputs: it never throws, it is
 * deterministic, it never judges missing or stale posture, and time passing never lifts a deny.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckStatus, PostureReport } from '../../shared/posture/report.ts';
import { isReason } from '../../shared/reasons.ts';
import type { PolicyConfig } from '../config/index.ts';
import { parseCidr } from './cidr.ts';
import { evaluate } from './evaluate.ts';
import { EDR_VENDORS } from './limits.ts';
import { DAY, HOUR, MINUTE, NOW } from './test-helpers.ts';
import type { DecisionInput } from './types.ts';

const status = fc.constantFrom<CheckStatus>('pass', 'fail', 'unknown');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const versionText = fc.oneof(
  fc.array(fc.nat({ max: 30_000 }), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.')),
  fc.tuple(fc.nat(9), fc.nat(20), fc.nat(200)).map(([a, b, c]) => `${a}.${b}.${c}-${c}-amd64`),
  fc.string({ maxLength: 40 }),
);
const time = fc.oneof(fc.integer({ min: NOW - 400 * DAY, max: NOW + DAY }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0));
const isoTime = fc.oneof(
  fc.integer({ min: NOW - 400 * DAY, max: NOW + DAY }).map((ms) => new Date(ms).toISOString()),
  fc.string({ maxLength: 30 }),
);
const vendor = fc.oneof(fc.constantFrom(...EDR_VENDORS), fc.string({ maxLength: 20 }));
const number = fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY));

const report: fc.Arbitrary<PostureReport> = fc.record({
  version: fc.constant(1 as const),
  collectedAt: isoTime,
  agentVersion: fc.string({ maxLength: 20 }),
  hostname: fc.string({ maxLength: 40 }),
  hardwareId: maybe(fc.string({ maxLength: 40 })),
  os: fc.record({
    status,
    platform: fc.oneof(fc.constantFrom('linux' as const, 'darwin' as const, 'win32' as const), fc.string({ maxLength: 10 }) as fc.Arbitrary<'linux'>),
    name: maybe(fc.string({ maxLength: 20 })),
    version: maybe(versionText),
    build: maybe(fc.string({ maxLength: 20 })),
    kernel: maybe(versionText),
  }),
  patch: fc.record({ status, lastUpdateAt: maybe(isoTime), pendingSecurityUpdates: maybe(number) }),
  diskEncryption: fc.record({
    status,
    volumes: fc.array(fc.record({ volume: fc.string({ maxLength: 10 }), state: fc.constantFrom('on' as const, 'off' as const, 'unknown' as const) }), { maxLength: 20 }),
  }),
  edr: fc.record({ status, agents: fc.array(fc.record({ vendor, running: fc.boolean() }), { maxLength: 20 }) }),
  firewall: fc.record({ status }),
  screenLock: fc.record({ status, timeoutSeconds: maybe(number) }),
});

const input: fc.Arbitrary<DecisionInput> = fc.record({
  identity: fc.record({
    user: fc.constantFrom('alice@example.com', 'bob', 'cto@example.com', ''),
    email: maybe(fc.constantFrom('alice@example.com', 'CTO@example.com', 'nope')),
    groups: fc.array(fc.constantFrom('engineering', 'staff', 'ops'), { maxLength: 3 }),
    amr: fc.array(fc.constantFrom('pwd', 'otp', 'mfa', 'hwk', 'sms'), { maxLength: 3 }),
    acr: maybe(fc.string({ maxLength: 10 })),
    mfa: maybe(fc.boolean()),
    authTime: time,
  }),
  device: fc.record({
    id: fc.constant('dev-1'),
    platform: maybe(fc.constantFrom('linux', 'darwin', 'win32')),
    posture: maybe(fc.record({ report, receivedAt: time })),
  }),
  context: fc.record({
    source: fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((ip) => `::ffff:${ip}`), fc.string({ maxLength: 50 })),
    now: fc.oneof(fc.constant(NOW), time),
  }),
});

const blocks = ['10.0.0.0/8', 'fd00::/8', '0.0.0.0/0'].map((text) => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.expected);
  return parsed.value;
});

const policy: fc.Arbitrary<PolicyConfig | undefined> = fc.option(
  fc.record({
    mode: fc.constantFrom('enforce' as const, 'report-only' as const),
    allow: fc.array(
      fc.oneof(
        fc.record({ groups: fc.array(fc.constantFrom('engineering', 'ops'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ emails: fc.array(fc.constantFrom('cto@example.com', 'alice@example.com'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ users: fc.array(fc.constantFrom('bob', 'alice@example.com'), { minLength: 1, maxLength: 2 }) }),
      ),
      { maxLength: 3 },
    ),
    require: fc.record(
      {
        mfa: fc.boolean(),
        maxAuthAgeMs: fc.integer({ min: MINUTE, max: 90 * DAY }),
        posture: fc.record(
          {
            maxAgeMs: fc.integer({ min: 2 * MINUTE, max: 7 * DAY }),
            osMinVersion: fc.record({ darwin: fc.constantFrom('14.6', '15'), win32: fc.constant('10.0.22631'), linux: fc.constantFrom('6.1', '5.10') }, { requiredKeys: [] }),
            maxPatchAgeDays: fc.integer({ min: 1, max: 3650 }),
            diskEncryption: fc.boolean(),
            edr: fc.subarray([...EDR_VENDORS], { minLength: 1 }),
            firewall: fc.boolean(),
            screenLock: fc.oneof(fc.boolean(), fc.record({ maxTimeoutMs: fc.integer({ min: 5000, max: DAY }) })),
          },
          { requiredKeys: ['maxAgeMs'] },
        ),
        sourceCidrs: fc.subarray(blocks, { minLength: 1 }),
      },
      { requiredKeys: [] },
    ),
  }),
  { nil: undefined },
);

const app = fc.record({ id: fc.constant('wiki'), users: fc.array(fc.constantFrom('alice@example.com', 'bob'), { maxLength: 2 }) });

describe('evaluate (properties)', () => {
  it('never throws, is deterministic, and returns a well-formed decision', () => {
    fc.assert(
      fc.property(input, policy, app, (i, p, a) => {
        const first = evaluate(i, p, a);
        const second = evaluate(structuredClone(i), structuredClone(p), structuredClone(a));
        expect(second).toEqual(first);
        expect(JSON.parse(JSON.stringify(first))).toEqual(JSON.parse(JSON.stringify(second)));
        expect(new Set(first.reasons).size).toBe(first.reasons.length);
        expect(first.reasons.every(isReason)).toBe(true);
        // enforce: allowed exactly when nothing failed
        if (p?.mode !== 'report-only') {
          expect(first.allow).toBe(first.reasons.length === 0);
          expect(first.enforced).toBe(true);
          expect(first).not.toHaveProperty('wouldDeny');
        } else if (first.reasons.includes('user-not-allowed')) {
          expect(first).toMatchObject({ allow: false, enforced: true });
        } else {
          expect(first).toMatchObject({ allow: true, enforced: false, wouldDeny: first.reasons.length > 0 });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never lets a posture criterion pass on a missing or stale report', () => {
    fc.assert(
      fc.property(input, policy, app, (i, p, a) => {
        const decision = evaluate(i, p, a);
        const gate = decision.data.require['posture-max-age'];
        if (gate === undefined || gate.pass) return;
        for (const name of ['os-min-version', 'patch-age', 'disk-encryption', 'edr', 'firewall', 'screen-lock'] as const) {
          const entry = decision.data.require[name];
          if (entry !== undefined) expect(entry.pass).toBe(false);
        }
        expect(decision.reasons.some((r) => r === 'posture-missing' || r === 'posture-stale')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('never turns a posture deny into an allow as time passes', () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 0, max: 30 * DAY }), (i, later) => {
        const strict: PolicyConfig = { mode: 'enforce', allow: [], require: { posture: { maxAgeMs: 5 * MINUTE, firewall: true } } };
        const app = { id: 'wiki', users: [i.identity.user] };
        const now = evaluate(i, strict, app);
        const after = evaluate({ ...i, context: { ...i.context, now: i.context.now + later } }, strict, app);
        // Time passing never turns a deny into an allow for a posture policy.
        if (!now.allow && Number.isFinite(i.context.now)) expect(after.allow).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
