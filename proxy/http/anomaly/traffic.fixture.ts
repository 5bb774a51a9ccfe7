/**
 * Scripted traffic for the anomaly detectors' tests: a realistic working day of 20 users of the
 * sample "orders" API (sign-ins, a typo now and then, lists, records, orders, a few exports),
 * deterministic (a seeded generator), and the attacks each detector must catch.
 */
export const DAY_MS = 24 * 60 * 60_000;
/** Monday 2 November 2026, 00:00 UTC: day 0 of the scripts. */
export const DAY0 = Date.parse('2026-11-02T00:00:00Z');

export type TrafficEvent =
  | { kind: 'request'; time: number; user: string; source: string; method: string; path: string; status: number; bytes: number }
  | { kind: 'login.success' | 'login.fail'; time: number; user?: string; source: string };

/** mulberry32: a small deterministic generator. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const USERS = Array.from({ length: 20 }, (_, i) => `user${String(i + 1).padStart(2, '0')}@example.com`);

/** Half the users work in the office (one NAT address), half from home (an address each). */
export function sourceOf(userIndex: number): string {
  return userIndex < 10 ? '198.51.100.10' : `100.64.${userIndex}.${20 + (userIndex % 7)}`;
}

const uuid = (r: () => number): string => {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
};

/**
 * One working day (09:00 to 17:00 UTC) of the 20 users: each signs in (a few mistype their
 * password first), then makes 40 to 80 requests: lists, single records (a handful of distinct
 * ids), their orders, now and then an export of 1 to 8 MB.
 */
export function normalDay(day: number, seed = day + 1): TrafficEvent[] {
  const r = random(seed);
  const events: TrafficEvent[] = [];
  const start = DAY0 + day * DAY_MS + 9 * 3_600_000;
  USERS.forEach((user, i) => {
    const source = sourceOf(i);
    let t = start + Math.floor(r() * 45 * 60_000);
    if (r() < 0.15) {
      events.push({ kind: 'login.fail', time: t, user, source });
      t += 20_000;
    }
    events.push({ kind: 'login.success', time: t, user, source });
    const end = start + 8 * 3_600_000 - 60_000;
    const requests = 40 + Math.floor(r() * 40);
    const step = Math.floor((end - t) / requests);
    for (let n = 0; n < requests; n++) {
      t += Math.floor(step * (0.5 + r()));
      if (t >= end) break;
      const pick = r();
      const base = { kind: 'request' as const, time: t, user, source, status: 200 };
      if (pick < 0.3) events.push({ ...base, method: 'GET', path: '/users', bytes: 2_000 + Math.floor(r() * 3_000) });
      else if (pick < 0.6) events.push({ ...base, method: 'GET', path: `/users/${1 + Math.floor(r() * 250)}`, bytes: 300 });
      else if (pick < 0.8) events.push({ ...base, method: 'GET', path: `/users/${1 + Math.floor(r() * 250)}/orders`, bytes: 800 });
      else if (pick < 0.95) events.push({ ...base, method: 'GET', path: `/orders/${uuid(r)}`, bytes: 400 });
      else events.push({ ...base, method: 'GET', path: '/export', bytes: (1 + Math.floor(r() * 8)) * 1024 * 1024 });
    }
  });
  return events.sort((a, b) => a.time - b.time);
}
