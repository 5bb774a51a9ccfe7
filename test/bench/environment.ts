/** What a result depends on besides the code: the machine, the runtime and the exact commit. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';

export interface MachineInfo {
  os: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  loadAverageAtStart: number[];
  node: string;
  openssl: string;
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    os: type(),
    kernel: release(),
    arch: process.arch,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100),
    node: process.version,
    openssl: process.versions.openssl,
  };
}

export interface GitInfo {
  commit: string | null;
  /** Uncommitted changes to tracked or untracked files: the figures are of the working tree, not the commit. */
  dirty: boolean;
  changedFiles: string[];
}

export function gitInfo(cwd: string): GitInfo {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const changedFiles = status
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.slice(3));
    return { commit, dirty: changedFiles.length > 0, changedFiles };
  } catch {
    return { commit: null, dirty: false, changedFiles: [] };
  }
}
