import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isZerogateError, ZerogateError } from '../errors.ts';
import type { PostureReport } from './report.ts';
import { parsePostureReport, POSTURE_REPORT_LIMITS } from './validate.ts';

const { maxString, maxVolumes, maxAgents } = POSTURE_REPORT_LIMITS;

/** A printable string within the bound (what a well-behaved agent sends). */
const text = (min = 0) => fc.string({ minLength: min, maxLength: maxString, unit: fc.constantFrom(...'abcXYZ019 .-_:/()é€'.split('')) });
const status = fc.constantFrom('pass' as const, 'fail' as const, 'unknown' as const);
const date = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const detail = fc.option(text(), { nil: undefined }).map((d) => (d === undefined ? {} : { detail: d }));

/** Builds valid reports: every field in its domain, arrays up to their bounds. */
const reportArb: fc.Arbitrary<PostureReport> = fc.record({
  version: fc.constant(1 as const),
  collectedAt: date,
  agentVersion: text(1),
  hostname: text(),
  hardwareId: maybe(text()),
  os: fc.tuple(
    fc.record({
      status,
      platform: fc.constantFrom('linux' as const, 'darwin' as const, 'win32' as const),
      name: maybe(text()),
      version: maybe(text()),
      build: maybe(text()),
      kernel: maybe(text()),
    }),
    detail,
  ).map(([o, d]) => ({ ...o, ...d })),
  patch: fc.tuple(fc.record({ status, lastUpdateAt: maybe(date), pendingSecurityUpdates: maybe(fc.nat({ max: 100_000 })) }), detail).map(([o, d]) => ({ ...o, ...d })),
  diskEncryption: fc.tuple(
    fc.record({
      status,
      volumes: fc.array(
        fc.tuple(fc.record({ volume: text(1), state: fc.constantFrom('on' as const, 'off' as const, 'unknown' as const) }), maybe(text())).map(([v, method]) =>
          method === undefined ? v : { ...v, method },
        ),
        { maxLength: maxVolumes },
      ),
    }),
    detail,
  ).map(([o, d]) => ({ ...o, ...d })),
  edr: fc.tuple(
    fc.record({
      status,
      agents: fc.array(fc.tuple(fc.record({ vendor: text(1), running: fc.boolean() }), detail).map(([a, d]) => ({ ...a, ...d })), { maxLength: maxAgents }),
    }),
    detail,
  ).map(([o, d]) => ({ ...o, ...d })),
  firewall: fc.tuple(fc.record({ status }), detail).map(([o, d]) => ({ ...o, ...d })),
  screenLock: fc.tuple(fc.record({ status, timeoutSeconds: maybe(fc.nat({ max: 86_400 })) }), detail).map(([o, d]) => ({ ...o, ...d })),
});

/** What the proxy receives: the report after a JSON round trip (undefined fields vanish). */
const wire = (report: unknown): unknown => JSON.parse(JSON.stringify(report));

function sample(): PostureReport {
  return {
    version: 1,
    collectedAt: '2026-11-29T10:00:00.000Z',
    agentVersion: '0.1.0',
    hostname: 'laptop-7',
    hardwareId: '4C4C4544-0038-3910-8051-B7C04F4E3432',
    os: { status: 'pass', platform: 'linux', name: 'Ubuntu', version: '22.04', build: undefined, kernel: '6.5.0-35-generic' },
    patch: { status: 'fail', lastUpdateAt: '2026-11-01T08:12:00.000Z', pendingSecurityUpdates: 3, detail: 'apt list --upgradable: 3 security updates pending' },
    diskEncryption: { status: 'pass', volumes: [{ volume: '/', state: 'on', method: 'LUKS' }] },
    edr: { status: 'pass', agents: [{ vendor: 'crowdstrike', running: true, detail: 'process falcon-sensor' }] },
    firewall: { status: 'unknown', detail: 'ufw: not installed' },
    screenLock: { status: 'pass', timeoutSeconds: 300 },
  };
}

/** Runs `fn` and returns the ZerogateError it threw (failing the test on anything else). */
function badReport(fn: () => unknown): ZerogateError {
  try {
    fn();
  } catch (error) {
    expect(isZerogateError(error, 'ZG_ERR_POSTURE_BAD_REPORT')).toBe(true);
    return error as ZerogateError;
  }
  throw new Error('expected ZG_ERR_POSTURE_BAD_REPORT, nothing was thrown');
}

/** Sets `value` at a dotted path of a JSON copy of the sample report. */
function withField(path: string, value: unknown): unknown {
  const copy = wire(sample()) as Record<string, unknown>;
  const keys = path.split('.');
  let target: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys.at(-1)!] = value;
  return copy;
}

describe('parsePostureReport', () => {
  it('accepts every report a builder produces, as it is, after a JSON round trip', () => {
    fc.assert(
      fc.property(reportArb, (report) => {
        expect(parsePostureReport(wire(report))).toEqual(wire(report));
        // Before the round trip too: explicit undefined fields are "not known".
        expect(wire(parsePostureReport(report))).toEqual(wire(report));
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but ZG_ERR_POSTURE_BAD_REPORT, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true }), (value) => {
        try {
          parsePostureReport(value);
        } catch (error) {
          expect(isZerogateError(error, 'ZG_ERR_POSTURE_BAD_REPORT')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything else when one field of a valid report is replaced by anything', () => {
    const paths = [
      'version', 'collectedAt', 'agentVersion', 'hostname', 'hardwareId',
      'os', 'os.status', 'os.platform', 'os.name', 'os.version', 'os.build', 'os.kernel', 'os.detail',
      'patch', 'patch.status', 'patch.lastUpdateAt', 'patch.pendingSecurityUpdates',
      'diskEncryption.volumes', 'diskEncryption.volumes.0', 'diskEncryption.volumes.0.volume', 'diskEncryption.volumes.0.state', 'diskEncryption.volumes.0.method',
      'edr.agents', 'edr.agents.0', 'edr.agents.0.vendor', 'edr.agents.0.running',
      'firewall', 'firewall.status', 'screenLock.timeoutSeconds',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.anything(), (path, value) => {
        try {
          const parsed = parsePostureReport(withField(path, value));
          // Whatever got through is of the right shape.
          expect(parsePostureReport(wire(parsed))).toEqual(wire(parsed));
        } catch (error) {
          expect(isZerogateError(error, 'ZG_ERR_POSTURE_BAD_REPORT')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('turns a hostile object (throwing getter) into ZG_ERR_POSTURE_BAD_REPORT', () => {
    const hostile = wire(sample()) as Record<string, unknown>;
    Object.defineProperty(hostile, 'os', { enumerable: true, get: () => { throw new RangeError('boom'); } });
    badReport(() => parsePostureReport(hostile));
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    badReport(() => parsePostureReport(revoked.proxy));
  });

  it('drops unknown keys at every level and ignores inherited ones', () => {
    const input = wire(sample()) as Record<string, any>;
    input.extra = { admin: true };
    input.os.extra = 1;
    input.edr.agents[0].pid = 4242;
    input.diskEncryption.volumes[0].cipher = 'aes-xts-plain64';
    const parsed = parsePostureReport(JSON.parse(JSON.stringify(input).replace('"extra":{', '"__proto__":{"polluted":true},"extra":{')));
    expect(parsed).toEqual(wire(sample()));
    expect(Object.keys(parsed)).not.toContain('extra');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A field that exists only on the prototype is not a field.
    const { hostname, ...rest } = wire(sample()) as Record<string, unknown>;
    expect(hostname).toBe('laptop-7');
    expect(badReport(() => parsePostureReport(Object.assign(Object.create({ hostname: 'x' }), rest))).detail).toEqual({ path: 'hostname' });
  });

  it.each([
    ['a non-object', 'x', '(report)'],
    ['an array', [], '(report)'],
    ['null', null, '(report)'],
    ['another version', withField('version', 2), 'version'],
    ['a status outside pass|fail|unknown', withField('firewall.status', 'ok'), 'firewall.status'],
    ['a missing status', withField('os.status', undefined), 'os.status'],
    ['an unknown platform', withField('os.platform', 'freebsd'), 'os.platform'],
    ['a string one over the bound', withField('hostname', 'h'.repeat(maxString + 1)), 'hostname'],
    ['a control character in a string', withField('firewall.detail', 'on\n[fake log line]'), 'firewall.detail'],
    ['a number for a string', withField('os.version', 22.04), 'os.version'],
    ['an empty agent version', withField('agentVersion', ''), 'agentVersion'],
    ['a date that is not ISO', withField('collectedAt', 'Sun, 29 Nov 2026 10:00:00 GMT'), 'collectedAt'],
    ['a date without a zone', withField('patch.lastUpdateAt', '2026-11-29T10:00:00'), 'patch.lastUpdateAt'],
    ['an impossible date', withField('patch.lastUpdateAt', '2026-02-30T10:00:00Z'), 'patch.lastUpdateAt'],
    ['a negative count', withField('patch.pendingSecurityUpdates', -1), 'patch.pendingSecurityUpdates'],
    ['a fractional count', withField('patch.pendingSecurityUpdates', 1.5), 'patch.pendingSecurityUpdates'],
    ['an infinite timeout', withField('screenLock.timeoutSeconds', Infinity), 'screenLock.timeoutSeconds'],
    ['a NaN timeout', withField('screenLock.timeoutSeconds', Number.NaN), 'screenLock.timeoutSeconds'],
    ['a negative timeout', withField('screenLock.timeoutSeconds', -5), 'screenLock.timeoutSeconds'],
    ['a timeout as a string', withField('screenLock.timeoutSeconds', '300'), 'screenLock.timeoutSeconds'],
    ['too many volumes', withField('diskEncryption.volumes', Array.from({ length: maxVolumes + 1 }, () => ({ volume: '/', state: 'on' }))), 'diskEncryption.volumes'],
    ['too many agents', withField('edr.agents', Array.from({ length: maxAgents + 1 }, () => ({ vendor: 'x', running: true }))), 'edr.agents'],
    ['volumes that is not an array', withField('diskEncryption.volumes', { 0: { volume: '/', state: 'on' }, length: 1 }), 'diskEncryption.volumes'],
    ['a bad volume state', withField('diskEncryption.volumes.0.state', 'suspended'), 'diskEncryption.volumes.0.state'],
    ['an empty volume name', withField('diskEncryption.volumes.0.volume', ''), 'diskEncryption.volumes.0.volume'],
    ['running as a string', withField('edr.agents.0.running', 'true'), 'edr.agents.0.running'],
    ['a missing check', withField('screenLock', undefined), 'screenLock'],
  ])('refuses %s, naming the field', (_, input, path) => {
    const error = badReport(() => parsePostureReport(input));
    expect(error.detail).toEqual({ path });
    expect(error.message).toContain(`posture report: ${path}: expected`);
  });

  it('accepts the bounds themselves, null for unknown values, and offsets in dates', () => {
    const atBounds = withField('hostname', 'h'.repeat(maxString)) as Record<string, any>;
    atBounds.diskEncryption.volumes = Array.from({ length: maxVolumes }, (_, i) => ({ volume: `/v${i}`, state: 'off' }));
    atBounds.edr.agents = Array.from({ length: maxAgents }, (_, i) => ({ vendor: `v${i}`, running: false }));
    atBounds.hardwareId = null;
    atBounds.patch.lastUpdateAt = '2026-11-29T10:00:00+01:00';
    atBounds.screenLock.timeoutSeconds = 0;
    const parsed = parsePostureReport(atBounds);
    expect(parsed.hostname).toHaveLength(maxString);
    expect(parsed.diskEncryption.volumes).toHaveLength(maxVolumes);
    expect(parsed.edr.agents).toHaveLength(maxAgents);
    expect(parsed.hardwareId).toBeUndefined();
    expect(parsed.patch.lastUpdateAt).toBe('2026-11-29T10:00:00+01:00');
    expect(parsed.screenLock.timeoutSeconds).toBe(0);
  });
});
