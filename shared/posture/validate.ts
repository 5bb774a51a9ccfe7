/**
 * Strict parsing of an untrusted posture report (DESIGN.md §5): the proxy calls
 * {@link parsePostureReport} on the `report` of every CONTROL `posture` message before it stores
 * or evaluates anything. Every field is type-checked, every string and array is bounded, unknown
 * keys are dropped (the result is a fresh object of known keys only), and any problem is one
 * `ZG_ERR_POSTURE_BAD_REPORT` naming the field.
 *
 * Pure (this is `shared/`): no Node imports, no dependencies.
 */
import { ZerogateError } from '../errors.ts';
import type {
  CheckStatus,
  DiskEncryptionCheck,
  EdrAgent,
  EdrCheck,
  FirewallCheck,
  OsCheck,
  PatchCheck,
  PosturePlatform,
  PostureReport,
  ScreenLockCheck,
  VolumeEncryption,
} from './report.ts';

/** The bounds a report must respect; the agent's collectors cut their values to fit them. */
export const POSTURE_REPORT_LIMITS = Object.freeze({
  /** Longest string of any field (names, versions, details), in UTF-16 code units. */
  maxString: 256,
  /** Most volumes in `diskEncryption.volumes`. */
  maxVolumes: 32,
  /** Most agents in `edr.agents`. */
  maxAgents: 32,
  /** Largest count (`pendingSecurityUpdates`) and duration (`timeoutSeconds`) accepted. */
  maxNumber: 1_000_000_000,
});

const STATUSES: readonly CheckStatus[] = ['pass', 'fail', 'unknown'];
const PLATFORMS: readonly PosturePlatform[] = ['linux', 'darwin', 'win32'];
const VOLUME_STATES: readonly VolumeEncryption['state'][] = ['on', 'off', 'unknown'];

/** RFC 3339 date-time (the subset `Date#toISOString` and other agents write). */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** C0 controls and DEL: a report's strings end up in logs and consoles. */
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

type Fields = Record<string, unknown>;

class Reader {
  constructor(readonly path: string) {}

  fail(expected: string): never {
    throw new ZerogateError('ZG_ERR_POSTURE_BAD_REPORT', `posture report: ${this.path}: expected ${expected}`, { detail: { path: this.path } });
  }

  at(key: string): Reader {
    return new Reader(this.path === '' ? key : `${this.path}.${key}`);
  }
}

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own properties only: `toString`, `__proto__` and friends of the prototype are not fields. */
function field(object: Fields, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function record(value: unknown, at: Reader): Fields {
  if (!isRecord(value)) at.fail('an object');
  return value;
}

function string(value: unknown, at: Reader, options: { nonEmpty?: boolean } = {}): string {
  if (typeof value !== 'string' || value.length > POSTURE_REPORT_LIMITS.maxString || CONTROL_CHARS.test(value)) {
    at.fail(`a string of at most ${POSTURE_REPORT_LIMITS.maxString} characters without control characters`);
  }
  if (options.nonEmpty === true && value.length === 0) at.fail('a non-empty string');
  return value;
}

/** Absent, `undefined` and `null` (JSON has no `undefined`) all mean "not known". */
function optional<T>(value: unknown, at: Reader, read: (value: unknown, at: Reader) => T): T | undefined {
  return value === undefined || value === null ? undefined : read(value, at);
}

function oneOf<T extends string>(value: unknown, at: Reader, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) at.fail(`one of ${allowed.join(', ')}`);
  return value as T;
}

function isoDate(value: unknown, at: Reader): string {
  const text = typeof value === 'string' && value.length <= 64 ? value : undefined;
  const match = text === undefined ? null : ISO_DATE_TIME.exec(text);
  if (text === undefined || match === null || !validCalendar(match) || !Number.isFinite(Date.parse(text))) {
    at.fail('an ISO 8601 date-time such as 2026-01-31T12:00:00.000Z');
  }
  return text;
}

function validCalendar(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 60;
}

function count(value: unknown, at: Reader): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > POSTURE_REPORT_LIMITS.maxNumber) {
    at.fail(`a whole number from 0 to ${POSTURE_REPORT_LIMITS.maxNumber}`);
  }
  return value;
}

function seconds(value: unknown, at: Reader): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > POSTURE_REPORT_LIMITS.maxNumber) {
    at.fail(`a finite number from 0 to ${POSTURE_REPORT_LIMITS.maxNumber}`);
  }
  return value;
}

function boolean(value: unknown, at: Reader): boolean {
  if (typeof value !== 'boolean') at.fail('true or false');
  return value;
}

function list<T>(value: unknown, at: Reader, max: number, read: (value: unknown, at: Reader) => T): T[] {
  if (!Array.isArray(value) || value.length > max) at.fail(`an array of at most ${max} items`);
  return Array.from({ length: value.length }, (_, i) => read(value[i], at.at(String(i))));
}

function status(object: Fields, at: Reader): CheckStatus {
  return oneOf(field(object, 'status'), at.at('status'), STATUSES);
}

function detail(object: Fields, at: Reader): { detail?: string } {
  const value = optional(field(object, 'detail'), at.at('detail'), (v, a) => string(v, a));
  return value === undefined ? {} : { detail: value };
}

function osCheck(value: unknown, at: Reader): OsCheck {
  const o = record(value, at);
  const text = (key: string): string | undefined => optional(field(o, key), at.at(key), (v, a) => string(v, a));
  return {
    status: status(o, at),
    platform: oneOf(field(o, 'platform'), at.at('platform'), PLATFORMS),
    name: text('name'),
    version: text('version'),
    build: text('build'),
    kernel: text('kernel'),
    ...detail(o, at),
  };
}

function patchCheck(value: unknown, at: Reader): PatchCheck {
  const o = record(value, at);
  return {
    status: status(o, at),
    lastUpdateAt: optional(field(o, 'lastUpdateAt'), at.at('lastUpdateAt'), isoDate),
    pendingSecurityUpdates: optional(field(o, 'pendingSecurityUpdates'), at.at('pendingSecurityUpdates'), count),
    ...detail(o, at),
  };
}

function volume(value: unknown, at: Reader): VolumeEncryption {
  const o = record(value, at);
  const method = optional(field(o, 'method'), at.at('method'), (v, a) => string(v, a));
  return {
    volume: string(field(o, 'volume'), at.at('volume'), { nonEmpty: true }),
    state: oneOf(field(o, 'state'), at.at('state'), VOLUME_STATES),
    ...(method === undefined ? {} : { method }),
  };
}

function diskEncryptionCheck(value: unknown, at: Reader): DiskEncryptionCheck {
  const o = record(value, at);
  return {
    status: status(o, at),
    volumes: list(field(o, 'volumes'), at.at('volumes'), POSTURE_REPORT_LIMITS.maxVolumes, volume),
    ...detail(o, at),
  };
}

function edrAgent(value: unknown, at: Reader): EdrAgent {
  const o = record(value, at);
  return {
    vendor: string(field(o, 'vendor'), at.at('vendor'), { nonEmpty: true }),
    running: boolean(field(o, 'running'), at.at('running')),
    ...detail(o, at),
  };
}

function edrCheck(value: unknown, at: Reader): EdrCheck {
  const o = record(value, at);
  return {
    status: status(o, at),
    agents: list(field(o, 'agents'), at.at('agents'), POSTURE_REPORT_LIMITS.maxAgents, edrAgent),
    ...detail(o, at),
  };
}

function firewallCheck(value: unknown, at: Reader): FirewallCheck {
  const o = record(value, at);
  return { status: status(o, at), ...detail(o, at) };
}

function screenLockCheck(value: unknown, at: Reader): ScreenLockCheck {
  const o = record(value, at);
  return {
    status: status(o, at),
    timeoutSeconds: optional(field(o, 'timeoutSeconds'), at.at('timeoutSeconds'), seconds),
    ...detail(o, at),
  };
}

function report(value: unknown): PostureReport {
  const root = new Reader('');
  const o = record(value, new Reader('(report)'));
  if (field(o, 'version') !== 1) root.at('version').fail('1');
  return {
    version: 1,
    collectedAt: isoDate(field(o, 'collectedAt'), root.at('collectedAt')),
    agentVersion: string(field(o, 'agentVersion'), root.at('agentVersion'), { nonEmpty: true }),
    hostname: string(field(o, 'hostname'), root.at('hostname')),
    hardwareId: optional(field(o, 'hardwareId'), root.at('hardwareId'), (v, a) => string(v, a)),
    os: osCheck(field(o, 'os'), root.at('os')),
    patch: patchCheck(field(o, 'patch'), root.at('patch')),
    diskEncryption: diskEncryptionCheck(field(o, 'diskEncryption'), root.at('diskEncryption')),
    edr: edrCheck(field(o, 'edr'), root.at('edr')),
    firewall: firewallCheck(field(o, 'firewall'), root.at('firewall')),
    screenLock: screenLockCheck(field(o, 'screenLock'), root.at('screenLock')),
  };
}

/**
 * Parses an untrusted posture report (e.g. the `report` of a CONTROL `posture` message, after
 * `JSON.parse`) into a {@link PostureReport} of known keys only. Throws `ZG_ERR_POSTURE_BAD_REPORT`
 * (with `detail.path`, the offending field) and nothing else.
 */
export function parsePostureReport(value: unknown): PostureReport {
  try {
    return report(value);
  } catch (error) {
    if (error instanceof ZerogateError && error.code === 'ZG_ERR_POSTURE_BAD_REPORT') throw error;
    // A hostile object (a throwing getter, a revoked proxy) is a bad report too, never a crash.
    throw new ZerogateError('ZG_ERR_POSTURE_BAD_REPORT', 'posture report: unreadable value', { cause: error });
  }
}
