import type { Problem } from '../../shared/wire/index.ts';
import { TokenBucket } from './rate-limit.ts';
import type { TunnelSession } from './session.ts';

/** A device may open this many times its per-second rate in one burst. */
export const OPEN_BURST_FACTOR = 2;
/** Budgets kept before idle ones are swept. */
export const OPEN_BUCKETS_SWEEP_AT = 10_000;

/** The live tunnel sessions of this proxy node, by device. */
export class SessionRegistry {
  readonly #byDevice = new Map<string, Set<TunnelSession>>();
  readonly #opens = new Map<string, TokenBucket>();

  add(session: TunnelSession): void {
    let set = this.#byDevice.get(session.device.id);
    if (set === undefined) this.#byDevice.set(session.device.id, (set = new Set()));
    set.add(session);
  }

  remove(session: TunnelSession): void {
    const set = this.#byDevice.get(session.device.id);
    set?.delete(session);
    if (set?.size === 0) this.#byDevice.delete(session.device.id);
  }

  get size(): number {
    let n = 0;
    for (const set of this.#byDevice.values()) n += set.size;
    return n;
  }

  /** Ends every session of a device (revocation). Returns how many were ended. */
  terminateDevice(deviceId: string, problem: Problem): number {
    const set = this.#byDevice.get(deviceId);
    if (set === undefined) return 0;
    let ended = 0;
    for (const session of [...set]) if (session.terminate(problem)) ended++;
    return ended;
  }

  /** Ends the tunnels of one session of a device (logout, session revocation). */
  terminateSession(deviceId: string, sessionId: string, problem: Problem): number {
    const set = this.#byDevice.get(deviceId);
    if (set === undefined) return 0;
    let ended = 0;
    for (const session of [...set]) if (session.sessionId === sessionId && session.terminate(problem)) ended++;
    return ended;
  }

  /**
   * Takes one stream open from the device's budget, shared by all its sessions on this node
   * (DESIGN.md §4: open-rate per device).
   */
  takeOpen(deviceId: string, ratePerSecond: number, now = Date.now()): boolean {
    let bucket = this.#opens.get(deviceId);
    if (bucket === undefined) {
      if (this.#opens.size >= OPEN_BUCKETS_SWEEP_AT) this.#sweepOpens(now);
      this.#opens.set(deviceId, (bucket = new TokenBucket(ratePerSecond, ratePerSecond * OPEN_BURST_FACTOR, now)));
    }
    return bucket.take(now);
  }

  /**
   * Forgets budgets that have refilled completely: a device that reconnects keeps its budget
   * (dropping it on disconnect would let a reconnect loop multiply the rate).
   */
  #sweepOpens(now: number): void {
    for (const [id, bucket] of this.#opens) if (bucket.isFull(now)) this.#opens.delete(id);
  }

  terminateAll(problem: Problem, closeCode?: number): void {
    for (const set of this.#byDevice.values()) for (const session of [...set]) session.terminate(problem, closeCode);
  }

  all(): TunnelSession[] {
    return [...this.#byDevice.values()].flatMap((set) => [...set]);
  }
}
