import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLE_API_OPENAPI } from '../../../test/helpers/sample-api.ts';
import { AuditLog } from '../../audit/index.ts';
import type { AnomalyConfig, AppConfig } from '../../config/index.ts';
import { SqliteStore } from '../../store/sqlite.ts';
import type { AuditEvent } from '../../store/index.ts';
import type { HttpExchange, HttpRefusal } from '../types.ts';
import { ANOMALY_DEFAULTS, ENUMERATION_IDS_MAX, EnumerationDetector, median, networkOf } from './detectors.ts';
import { apiSecurity, type ApiSecurity } from './index.ts';
import { DAY0, DAY_MS, normalDay, sourceOf, USERS, type TrafficEvent } from './traffic.fixture.ts';

const SAMPLE = parse(readFileSync(SAMPLE_API_OPENAPI, 'utf8')) as Record<string, unknown>;
const MiB = 1024 * 1024;

const ORDERS: AppConfig = {
  id: 'orders',
  name: 'Orders',
  upstream: { protocol: 'http', host: '127.0.0.1', port: 9000, url: 'http://127.0.0.1:9000' },
  users: [],
  http: { assertion: true, rateLimit: { perIdentityPerMinute: 600, perAppPerMinute: 6000 }, openapi: { source: 'inline', document: SAMPLE }, requestValidation: 'enforce', responseValidation: 'off', clientless: false, maxBodyBytes: MiB },
};

interface Harness {
  security: ApiSecurity;
  anomalies: AuditEvent[];
  refusals: { time: number; user: string; refusal: HttpRefusal }[];
  clock: { now: number };
  play(events: TrafficEvent[]): void;
}

let dir: string;
let store: SqliteStore;
let audit: AuditLog;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zg-anomaly-'));
  store = SqliteStore.open(join(dir, 'zerogate.db'));
  audit = new AuditLog(store, 'none');
});
afterEach(async () => {
  await audit.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function harness(settings: Partial<AnomalyConfig> = {}): Harness {
  const clock = { now: DAY0 };
  const security = apiSecurity({ audit, settings: { ...ANOMALY_DEFAULTS, ...settings }, now: () => clock.now });
  const anomalies: AuditEvent[] = [];
  audit.onEvent((e) => {
    if (e.type === 'anomaly') anomalies.push(e);
  });
  const refusals: Harness['refusals'] = [];
  const play = (events: TrafficEvent[]): void => {
    for (const event of events) {
      clock.now = event.time;
      if (event.kind !== 'request') {
        audit.record({ type: event.kind, time: event.time, source: event.source, decision: event.kind === 'login.fail' ? 'deny' : 'allow', ...(event.user === undefined ? {} : { user: event.user }) });
        continue;
      }
      const url = new URL(event.path, 'http://app');
      const exchange: HttpExchange = {
        id: `r${++seq}`,
        app: ORDERS,
        principal: { user: event.user, groups: [], posture: 'pass', via: 'tunnel', source: event.source },
        method: event.method,
        path: url.pathname,
        query: url.searchParams,
        headers: {},
        startedAt: event.time,
      };
      const refusal = security.anomalies.onRequest(exchange);
      if (refusal !== undefined) {
        refusals.push({ time: event.time, user: event.user, refusal });
        continue;
      }
      security.anomalies.onResponse(exchange, { status: event.status, headers: {}, bytes: event.bytes, durationMs: 5 });
    }
  };
  return { security, anomalies, refusals, clock, play };
}

/** The learning week: seven normal working days. */
function week(): TrafficEvent[] {
  return Array.from({ length: 7 }, (_, day) => normalDay(day)).flat();
}

const at = (day: number, hhmm: string): number => DAY0 + day * DAY_MS + Number(hhmm.slice(0, 2)) * 3_600_000 + Number(hhmm.slice(3)) * 60_000;

describe('anomaly detectors on a scripted normal day', () => {
  it('stay quiet: a learning week then normal days of 20 users (sign-ins with typos, lists, records, exports)', () => {
    const h = harness({ block: true });
    const traffic = [...week(), ...normalDay(7, 4242), ...normalDay(8, 777)];
    expect(traffic.filter((e) => e.kind === 'request').length).toBeGreaterThan(20 * 40 * 9 * 0.9);
    expect(traffic.some((e) => e.kind === 'login.fail')).toBe(true);
    h.play(traffic);
    expect(h.anomalies).toEqual([]);
    expect(h.refusals).toEqual([]);
  });
});

describe('anomaly detectors on scripted attacks', () => {
  it('credential stuffing: failed sign-ins for 30 accounts from one source, seen through the audit log', () => {
    const h = harness({ block: true, blockForMs: 15 * 60_000 });
    h.play(normalDay(0));
    const attacker = '203.0.113.66';
    const attack: TrafficEvent[] = Array.from({ length: 60 }, (_, i) => ({ kind: 'login.fail', time: at(1, '02:00') + i * 5_000, user: `victim${i % 30}@example.com`, source: attacker }));
    h.play(attack);
    expect(h.anomalies).toHaveLength(1); // once per source per window, not once per failure
    expect(h.anomalies[0]).toMatchObject({
      type: 'anomaly',
      source: attacker,
      decision: 'deny',
      reasons: ['anomaly-detected'],
      detail: { detector: 'credential-stuffing', source: attacker, window: 600_000, observed: { failures: 20, accounts: 20 }, threshold: { failures: 20, accounts: 5 }, blocked: true },
    });
    expect(h.anomalies[0]?.time).toBe(at(1, '02:00') + 19 * 5_000);
    // The source is blocked for HTTP requests too, with Retry-After; a normal user elsewhere is not.
    h.play([{ kind: 'request', time: at(1, '02:10'), user: 'victim1@example.com', source: `::ffff:${attacker}`, method: 'GET', path: '/users', status: 200, bytes: 100 }]);
    expect(h.refusals).toEqual([expect.objectContaining({ refusal: expect.objectContaining({ status: 403, code: 'ZG_ERR_HTTP_BLOCKED', reasons: ['anomaly-detected'], retryAfter: 395 }) })]);
    h.play([{ kind: 'request', time: at(1, '02:11'), user: USERS[0]!, source: sourceOf(0), method: 'GET', path: '/users', status: 200, bytes: 100 }]);
    expect(h.refusals).toHaveLength(1);
    // After blockFor the source is let through again.
    h.play([{ kind: 'request', time: at(1, '02:40'), user: 'victim1@example.com', source: attacker, method: 'GET', path: '/users', status: 200, bytes: 100 }]);
    expect(h.refusals).toHaveLength(1);
  });

  it('enumeration: one identity walking /users/1..500 (OWASP API1)', () => {
    const h = harness({ block: true });
    h.play(normalDay(0));
    const walk: TrafficEvent[] = Array.from({ length: 500 }, (_, i) => ({ kind: 'request', time: at(1, '10:00') + i * 200, user: USERS[3]!, source: sourceOf(3), method: 'GET', path: `/users/${i + 1}`, status: i < 250 ? 200 : 404, bytes: 300 }));
    h.play(walk);
    expect(h.anomalies).toHaveLength(1);
    expect(h.anomalies[0]).toMatchObject({ type: 'anomaly', user: USERS[3], app: 'orders', detail: { detector: 'enumeration', identity: USERS[3], app: 'orders', window: 300_000, observed: { distinctIds: 100, template: 'GET /users/{id}' }, threshold: { distinctIds: 100 }, blocked: true } });
    // The 100th request and every later one are refused: the walk stops at 99 records.
    expect(h.refusals).toHaveLength(401);
    expect(h.refusals[0]?.refusal).toMatchObject({ status: 403, code: 'ZG_ERR_HTTP_BLOCKED', detail: { detector: 'enumeration' } });
  });

  it('the request that starts a block says Retry-After = blockFor exactly, even when the clock moves between readings', () => {
    // A real clock moves between the detector's reading and the block's: each reading here is 1 ms later.
    let tick = at(1, '10:00');
    const security = apiSecurity({ audit, settings: { ...ANOMALY_DEFAULTS, block: true, blockForMs: 120_000, enumeration: { distinctIds: 20, windowMs: 300_000 } }, now: () => (tick += 1) });
    const refusals: HttpRefusal[] = [];
    for (let id = 1; id <= 20; id++) {
      const url = new URL(`/users/${id}`, 'http://app');
      const exchange: HttpExchange = { id: `t${id}`, app: ORDERS, principal: { user: 'eve', groups: [], posture: 'pass', via: 'tunnel', source: '10.9.9.9' }, method: 'GET', path: url.pathname, query: url.searchParams, headers: {}, startedAt: tick };
      const refusal = security.anomalies.onRequest(exchange);
      if (refusal !== undefined) refusals.push(refusal);
    }
    expect(refusals.map((r) => r.retryAfter)).toEqual([120]);
  });

  it('enumeration without blocking: audited, nothing refused', () => {
    const h = harness({ block: false });
    h.play(Array.from({ length: 150 }, (_, i) => ({ kind: 'request' as const, time: at(1, '10:00') + i * 1000, user: 'eve', source: '10.9.9.9', method: 'GET', path: `/orders/${`${i}`.padStart(8, '0')}-0000-4000-8000-000000000000`, status: 404, bytes: 50 })));
    expect(h.anomalies.map((e) => e.detail?.detector)).toEqual(['enumeration']);
    expect(h.anomalies[0]).toMatchObject({ decision: 'allow', detail: { blocked: false, observed: { template: 'GET /orders/{orderId}' } } });
    expect(h.refusals).toEqual([]);
  });

  it('exfiltration: a 500 MB export after a normal week', () => {
    const h = harness({ block: true });
    h.play(week());
    h.play([{ kind: 'request', time: at(7, '11:00'), user: USERS[5]!, source: sourceOf(5), method: 'GET', path: '/export', status: 200, bytes: 500 * 1000 * 1000 }]);
    expect(h.anomalies).toHaveLength(1);
    expect(h.anomalies[0]).toMatchObject({ user: USERS[5], detail: { detector: 'exfiltration', identity: USERS[5], window: 600_000, observed: { bytes: 500_000_000 }, threshold: { bytes: 100 * MiB, absolute: 100 * MiB, baselineFactor: 10 }, blocked: true } });
    h.play([{ kind: 'request', time: at(7, '11:01'), user: USERS[5]!, source: sourceOf(5), method: 'GET', path: '/users', status: 200, bytes: 10 }]);
    expect(h.refusals).toHaveLength(1);
  });

  it("exfiltration: the threshold follows an identity's own baseline (10 x its median window)", () => {
    const h = harness();
    // A data analyst moving 15 MiB every 10 minutes for two days: baseline 15 MiB, threshold 150 MiB.
    const analyst: TrafficEvent[] = [];
    for (let w = 0; w < 2 * 48; w++) analyst.push({ kind: 'request', time: at(0, '09:00') + w * 600_000, user: 'analyst', source: '10.0.0.5', method: 'GET', path: '/export', status: 200, bytes: 15 * MiB });
    h.play(analyst);
    h.play([{ kind: 'request', time: at(3, '10:00'), user: 'analyst', source: '10.0.0.5', method: 'GET', path: '/export', status: 200, bytes: 120 * MiB }]);
    expect(h.anomalies.filter((e) => e.detail?.detector === 'exfiltration')).toEqual([]);
    h.play([{ kind: 'request', time: at(3, '10:20'), user: 'analyst', source: '10.0.0.5', method: 'GET', path: '/export', status: 200, bytes: 200 * MiB }]);
    expect(h.anomalies.filter((e) => e.detail?.detector === 'exfiltration')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ threshold: expect.objectContaining({ bytes: 150 * MiB, baseline: 15 * MiB }) }) })]);
  });

  it('unusual access: a sign-in at 03:00 from a new network after a week of 09-17 from one network', () => {
    const h = harness({ block: false });
    // Learning takes learningDays from the first event: the week, and the Monday after it.
    h.play([...week(), ...normalDay(7)]);
    const user = USERS[12]!;
    h.play([
      { kind: 'login.success', time: at(8, '03:00'), user, source: '203.0.113.200' },
      { kind: 'request', time: at(8, '03:01'), user, source: '203.0.113.200', method: 'GET', path: '/users', status: 200, bytes: 3000 },
    ]);
    expect(h.anomalies).toHaveLength(1);
    expect(h.anomalies[0]).toMatchObject({ user, decision: 'allow', detail: { detector: 'unusual-access', identity: user, observed: { hour: 3, network: '203.0.113.0/24', knownNetworks: 1 }, threshold: { learningDays: 7, minEvents: 50, newHour: true, newNetwork: true }, blocked: false } });
  });

  it('unusual access: nothing while learning, however odd the hour', () => {
    const h = harness();
    h.play(normalDay(0));
    h.play([{ kind: 'login.success', time: at(1, '03:00'), user: USERS[0]!, source: '203.0.113.200' }]);
    expect(h.anomalies).toEqual([]);
  });
});

describe('helpers', () => {
  it('networkOf: /24 for IPv4 (and IPv4-mapped IPv6), /48 for IPv6', () => {
    expect(networkOf('192.0.2.77')).toBe('192.0.2.0/24');
    expect(networkOf('::ffff:192.0.2.77')).toBe('192.0.2.0/24');
    expect(networkOf('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkOf('2001:0db8:0000:1::1')).toBe('2001:db8:0::/48');
    expect(networkOf('not-an-address')).toBeUndefined();
  });

  it('enumeration memory is bounded across keys, whatever the threshold', () => {
    const detector = new EnumerationDetector(() => ({ distinctIds: 1_000_000, windowMs: 60_000 }));
    for (let i = 0; i < ENUMERATION_IDS_MAX + 5_000; i++) detector.observe(`user${i % 300}`, 'app', `GET /t${i % 7}/{id}`, String(i), DAY0 + i);
    expect(detector.size).toBeLessThanOrEqual(ENUMERATION_IDS_MAX);
    expect(detector.size).toBeGreaterThan(ENUMERATION_IDS_MAX - 10_000);
  });

  it('median', () => {
    expect(median([])).toBe(0);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('AuditLog.onEvent: listeners see each event after it is queued, and can be removed', () => {
    const seen: string[] = [];
    const off = audit.onEvent((e) => seen.push(e.type));
    audit.onEvent(() => {
      throw new Error('a broken listener');
    });
    audit.record({ type: 'a.b' });
    off();
    audit.record({ type: 'c.d' });
    expect(seen).toEqual(['a.b']);
  });
});
