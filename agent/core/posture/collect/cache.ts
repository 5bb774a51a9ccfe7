/**
 * Outputs of slow tools kept between collections. The reporter collects every 15 seconds; asking
 * `apt list --upgradable` (about a second of CPU) or PowerShell's `Get-HotFix` that often costs
 * more than the answer is worth, since update history changes a few times a month.
 */
import type { CommandResult } from './runner.ts';

/** How long a slow tool's output is reused. */
export const SLOW_TOOL_CACHE_MS = 10 * 60_000;

export class ToolOutputCache {
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { at: number; result: CommandResult }>();

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    const ttl = options.ttlMs ?? SLOW_TOOL_CACHE_MS;
    if (!Number.isInteger(ttl) || ttl < 0) throw new TypeError('ToolOutputCache: ttlMs must be a whole number of milliseconds');
    this.#ttlMs = ttl;
    this.#now = options.now ?? Date.now;
  }

  /** A fresh output for `key`, if there is one. */
  get(key: string): CommandResult | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.at < this.#ttlMs) return entry.result;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, result: CommandResult): void {
    // A key names a command and what it depends on: drop older generations of the same command.
    const command = key.split('\u0000')[0];
    for (const other of this.#entries.keys()) if (other.split('\u0000')[0] === command) this.#entries.delete(other);
    this.#entries.set(key, { at: this.#now(), result });
  }
}
