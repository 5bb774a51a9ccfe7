/**
 * The four anomaly detectors (issue 8, item 5; docs/api-security.md), as pure state machines fed
 * with timestamps (so tests script days of traffic in milliseconds). Each returns a finding when
 * its threshold is crossed, at most once per identity or source per window. Memory is bounded
 * by the named constants: the least recently seen identity, source or key is forgotten first.
 */

import type { AnomalyConfig } from '../../config/index.ts';

/** `anomalies` of the config (durations in ms, bytes as numbers). */
export type AnomalySettings = AnomalyConfig;

export const ANOMALY_DEFAULTS: AnomalySettings = {
  block: false,
  blockForMs: 15 * 60_000,
  credentialStuffing: { failures: 20, accounts: 5, windowMs: 10 * 60_000 },
  enumeration: { distinctIds: 100, windowMs: 5 * 60_000 },
  exfiltration: { bytes: 100 * 1024 * 1024, windowMs: 10 * 60_000, baselineFactor: 10 },
  unusualAccess: { learningDays: 7, minEvents: 50 },
};

/** Identities (users) tracked by each per-identity detector. */
export const ANOMALY_IDENTITIES_MAX = 20_000;
/** Source addresses tracked by the credential-stuffing detector. */
export const ANOMALY_SOURCES_MAX = 20_000;
/** (identity, app, endpoint template) keys tracked by the enumeration detector. */
export const ENUMERATION_KEYS_MAX = 20_000;
/** Object ids held by the enumeration detector across all keys (~100 bytes each). */
export const ENUMERATION_IDS_MAX = 500_000;
/** Failed sign-ins remembered per source (the oldest are forgotten beyond this). */
export const STUFFING_EVENTS_MAX = 1_000;
/** Past windows of each identity's data volume kept for its baseline (the rolling median). */
export const EXFILTRATION_BASELINE_WINDOWS = 48;
/** Source networks learned per identity; an identity seen from more is not checked for new ones. */
export const UNUSUAL_NETWORKS_MAX = 32;
/** After an unusual-access finding, the identity is not reported again for this long. */
export const UNUSUAL_ACCESS_WINDOW_MS = 60 * 60_000;

const DAY_MS = 24 * 60 * 60_000;

export type Detector = 'credential-stuffing' | 'enumeration' | 'exfiltration' | 'unusual-access';

export interface Finding {
  detector: Detector;
  /** Who: an identity (user) or a source address. */
  subject: { kind: 'identity' | 'source'; value: string };
  app?: string;
  windowMs: number;
  observed: Record<string, unknown>;
  threshold: Record<string, unknown>;
}

/** A Map that forgets its least recently used entry beyond `max`. */
export class Bounded<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly max: number) {}

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  getOr(key: K, create: () => V): V {
    const found = this.get(key);
    if (found !== undefined) return found;
    const value = create();
    this.#map.set(key, value);
    while (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
    return value;
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}

/** Failed sign-ins from one source across several accounts in a window. */
export class CredentialStuffingDetector {
  readonly #sources = new Bounded<string, { events: { time: number; account: string }[]; firedAt: number }>(ANOMALY_SOURCES_MAX);
  constructor(private readonly settings: () => AnomalySettings['credentialStuffing']) {}

  /** A failed sign-in; `account` undefined when the username is unknown (they count as one account). */
  observe(source: string, account: string | undefined, time: number): Finding | undefined {
    const { failures, accounts, windowMs } = this.settings();
    const state = this.#sources.getOr(source, () => ({ events: [], firedAt: -Infinity }));
    state.events.push({ time, account: account ?? '' });
    state.events = state.events.filter((e) => e.time > time - windowMs).slice(-STUFFING_EVENTS_MAX);
    const distinct = new Set(state.events.map((e) => e.account)).size;
    if (state.events.length < failures || distinct < accounts || time - state.firedAt < windowMs) return undefined;
    state.firedAt = time;
    return {
      detector: 'credential-stuffing',
      subject: { kind: 'source', value: source },
      windowMs,
      observed: { failures: state.events.length, accounts: distinct },
      threshold: { failures, accounts },
    };
  }
}

/** One identity requesting many distinct object ids of one endpoint template in a window. */
export class EnumerationDetector {
  /** Least recently used first. */
  readonly #keys = new Map<string, { ids: Map<string, number>; firedAt: number }>();
  #ids = 0;
  constructor(private readonly settings: () => AnomalySettings['enumeration']) {}

  observe(identity: string, app: string, template: string, objectId: string, time: number): Finding | undefined {
    const { distinctIds, windowMs } = this.settings();
    const state = this.#state(`${identity}\u0000${app}\u0000${template}`);
    this.#ids -= state.ids.size;
    state.ids.delete(objectId);
    state.ids.set(objectId, time); // oldest first
    if (state.ids.size >= distinctIds) {
      for (const [id, seen] of state.ids) {
        if (seen > time - windowMs) break;
        state.ids.delete(id);
      }
    }
    // Bounded by the threshold: more ids than that are never needed.
    while (state.ids.size > distinctIds) state.ids.delete(state.ids.keys().next().value as string);
    const fire = state.ids.size >= distinctIds && time - state.firedAt >= windowMs;
    const observed = state.ids.size;
    if (fire) {
      state.firedAt = time;
      state.ids.clear();
    }
    this.#ids += state.ids.size;
    this.#evict();
    if (!fire) return undefined;
    return {
      detector: 'enumeration',
      subject: { kind: 'identity', value: identity },
      app,
      windowMs,
      observed: { distinctIds: observed, template },
      threshold: { distinctIds },
    };
  }

  /** Ids held across all keys (for the memory bound). */
  get size(): number {
    return this.#ids;
  }

  #state(key: string): { ids: Map<string, number>; firedAt: number } {
    const found = this.#keys.get(key);
    if (found !== undefined) this.#keys.delete(key);
    const state = found ?? { ids: new Map<string, number>(), firedAt: -Infinity };
    this.#keys.set(key, state);
    return state;
  }

  /** Forgets the least recently used keys beyond either bound (never the one just used, last). */
  #evict(): void {
    while (this.#keys.size > 1 && (this.#keys.size > ENUMERATION_KEYS_MAX || this.#ids > ENUMERATION_IDS_MAX)) {
      const [key, oldest] = this.#keys.entries().next().value as [string, { ids: Map<string, number> }];
      this.#ids -= oldest.ids.size;
      this.#keys.delete(key);
    }
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Bytes sent to one identity in a window above max(absolute, baselineFactor x its own median window). */
export class ExfiltrationDetector {
  readonly #identities = new Bounded<string, { windowStart: number; bytes: number; history: number[]; fired: boolean }>(ANOMALY_IDENTITIES_MAX);
  constructor(private readonly settings: () => AnomalySettings['exfiltration']) {}

  observe(identity: string, bytes: number, time: number, app?: string): Finding | undefined {
    const { bytes: absolute, windowMs, baselineFactor } = this.settings();
    const start = Math.floor(time / windowMs) * windowMs;
    const state = this.#identities.getOr(identity, () => ({ windowStart: start, bytes: 0, history: [], fired: false }));
    if (start !== state.windowStart) {
      // Windows without traffic are not part of the baseline: it describes active use.
      if (state.bytes > 0) state.history = [...state.history, state.bytes].slice(-EXFILTRATION_BASELINE_WINDOWS);
      Object.assign(state, { windowStart: start, bytes: 0, fired: false });
    }
    state.bytes += bytes;
    const baseline = median(state.history);
    const threshold = Math.max(absolute, baselineFactor * baseline);
    if (state.fired || state.bytes <= threshold) return undefined;
    state.fired = true;
    return {
      detector: 'exfiltration',
      subject: { kind: 'identity', value: identity },
      ...(app === undefined ? {} : { app }),
      windowMs,
      observed: { bytes: state.bytes },
      threshold: { bytes: threshold, absolute, baseline, baselineFactor },
    };
  }
}

/** The /24 (IPv4) or /48 (IPv6) network of an address; IPv4-mapped IPv6 counts as IPv4. */
export function networkOf(address: string): string | undefined {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(address);
  if (v4 !== null) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (!address.includes(':')) return undefined;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return `${groups.slice(0, 3).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/48`;
}

/** After learning an identity's hours and networks, an hour of day or a network never seen. */
export class UnusualAccessDetector {
  readonly #identities = new Bounded<string, { firstSeen: number; events: number; hours: number; networks: Set<string>; firedAt: number }>(ANOMALY_IDENTITIES_MAX);
  constructor(private readonly settings: () => AnomalySettings['unusualAccess']) {}

  /** An access (a request or a sign-in) by `identity` from `source` at `time`. Hours are UTC. */
  observe(identity: string, source: string, time: number, app?: string): Finding | undefined {
    const { learningDays, minEvents } = this.settings();
    const state = this.#identities.getOr(identity, () => ({ firstSeen: time, events: 0, hours: 0, networks: new Set<string>(), firedAt: -Infinity }));
    const hour = new Date(time).getUTCHours();
    const network = networkOf(source);
    const learned = time - state.firstSeen >= learningDays * DAY_MS && state.events >= minEvents;
    const newHour = (state.hours & (1 << hour)) === 0;
    const newNetwork = network !== undefined && !state.networks.has(network) && state.networks.size < UNUSUAL_NETWORKS_MAX;
    state.events++;
    state.hours |= 1 << hour;
    if (network !== undefined && state.networks.size < UNUSUAL_NETWORKS_MAX) state.networks.add(network);
    if (!learned || (!newHour && !newNetwork) || time - state.firedAt < UNUSUAL_ACCESS_WINDOW_MS) return undefined;
    state.firedAt = time;
    return {
      detector: 'unusual-access',
      subject: { kind: 'identity', value: identity },
      ...(app === undefined ? {} : { app }),
      windowMs: UNUSUAL_ACCESS_WINDOW_MS,
      observed: { ...(newHour ? { hour } : {}), ...(newNetwork ? { network } : {}), knownNetworks: state.networks.size - (newNetwork ? 1 : 0) },
      threshold: { learningDays, minEvents, newHour, newNetwork },
    };
  }
}
