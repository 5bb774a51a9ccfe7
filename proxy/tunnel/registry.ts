import type { Problem } from '../../shared/wire/index.ts';
import type { TunnelSession } from './session.ts';

/** The live tunnel sessions of this proxy node, by device. */
export class SessionRegistry {
  readonly #byDevice = new Map<string, Set<TunnelSession>>();

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
    for (const session of [...set]) session.terminate(problem);
    return set.size;
  }

  terminateAll(problem: Problem, closeCode?: number): void {
    for (const set of this.#byDevice.values()) for (const session of [...set]) session.terminate(problem, closeCode);
  }

  all(): TunnelSession[] {
    return [...this.#byDevice.values()].flatMap((set) => [...set]);
  }
}
