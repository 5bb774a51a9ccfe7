/**
 * CPU time and memory of the bench's processes, read from Linux /proc (every thread of a process
 * counted). On 2 cores the CPU seconds each process spends per GiB moved tell more than the
 * MB/s alone: the busiest single-threaded process caps throughput at about 1 / (its s/GiB).
 * Elsewhere (no /proc) the readings are simply absent.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds a process has used so far, or undefined when unknown. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Resident and peak resident memory in MiB, or undefined when unknown. */
export function memoryMiB(pid: number | undefined): { rss: number; peak: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    const rss = kib('VmRSS');
    const peak = kib('VmHWM');
    return Number.isFinite(rss) && Number.isFinite(peak) ? { rss: rss / 1024, peak: peak / 1024 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Busy CPU seconds of the whole machine so far (all cores; user, nice, system, irq, softirq from
 * /proc/stat; steal excluded), or undefined when unknown.
 */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [, user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).map(Number);
    const busy = [user, nice, system, irq, softirq].reduce((sum: number, v) => sum + (v ?? Number.NaN), 0);
    return Number.isFinite(busy) ? busy / clockTicks() : undefined;
  } catch {
    return undefined;
  }
}

/** The name under which {@link CpuMeter} reports CPU used by every process it does not watch. */
export const OTHER = 'other';

export interface Watched {
  name: string;
  pid: number | undefined;
}

/**
 * CPU seconds of each watched process between `start()` and `stop()`, plus {@link OTHER}: what
 * the rest of the machine used meanwhile (other work on a shared box, idle bench processes). A
 * large `other` means the figures were measured on a busy machine.
 */
export class CpuMeter {
  readonly #watched: readonly Watched[];
  #before = new Map<string, number>();
  #machineBefore: number | undefined;

  constructor(watched: readonly Watched[]) {
    this.#watched = watched;
  }

  start(): void {
    this.#before = new Map();
    for (const w of this.#watched) {
      const s = cpuSeconds(w.pid);
      if (s !== undefined) this.#before.set(w.name, s);
    }
    this.#machineBefore = machineBusySeconds();
  }

  stop(): Record<string, number> {
    const used: Record<string, number> = {};
    for (const w of this.#watched) {
      const before = this.#before.get(w.name);
      const after = cpuSeconds(w.pid);
      if (before !== undefined && after !== undefined) used[w.name] = after - before;
    }
    const machineAfter = machineBusySeconds();
    if (this.#machineBefore !== undefined && machineAfter !== undefined) {
      const ours = Object.values(used).reduce((sum, s) => sum + s, 0);
      used[OTHER] = Math.max(0, machineAfter - this.#machineBefore - ours);
    }
    return used;
  }
}
