/**
 * Endpoint security agents recognised by their running processes (DESIGN.md §5 `edr`). A process
 * list shows what runs, not whether it protects: tools that say more (Defender's
 * `Get-MpComputerStatus`) override what the process list says about their own product.
 */
import type { EdrAgent, EdrVendor, PosturePlatform } from '../../../../shared/posture/index.ts';

export interface EdrProduct {
  vendor: EdrVendor;
  /** The product's name, for people. */
  name: string;
  /** Its processes' executable names, lower case without `.exe`, with the platforms they count on. */
  processes: readonly { name: string; platforms?: readonly PosturePlatform[] }[];
}

/** The products the agent recognises; vendor ids are the ones policies use (`require.posture.edr`). */
export const EDR_PRODUCTS: readonly EdrProduct[] = [
  {
    vendor: 'crowdstrike',
    name: 'CrowdStrike Falcon',
    processes: [{ name: 'falcon-sensor' }, { name: 'falcond' }, { name: 'com.crowdstrike.falcon.agent' }, { name: 'csfalconservice', platforms: ['win32'] }],
  },
  {
    vendor: 'sentinelone',
    name: 'SentinelOne',
    processes: [{ name: 'sentineld' }, { name: 'sentinelagent' }, { name: 's1-agent', platforms: ['linux'] }],
  },
  { vendor: 'defender', name: 'Microsoft Defender', processes: [{ name: 'wdavdaemon' }, { name: 'msmpeng', platforms: ['win32'] }] },
  { vendor: 'elastic', name: 'Elastic Defend', processes: [{ name: 'elastic-endpoint' }] },
  { vendor: 'sophos', name: 'Sophos', processes: [{ name: 'sophosscand' }, { name: 'savd' }] },
  { vendor: 'clamav', name: 'ClamAV', processes: [{ name: 'clamd' }] },
  // `repmgr` is also PostgreSQL's replication manager on Unix: Carbon Black's is RepMgr.exe.
  { vendor: 'carbonblack', name: 'VMware Carbon Black', processes: [{ name: 'cbagentd' }, { name: 'repmgr', platforms: ['win32'] }] },
  { vendor: 'cortex', name: 'Palo Alto Cortex XDR', processes: [{ name: 'pmd', platforms: ['linux', 'darwin'] }, { name: 'cyserver' }] },
  { vendor: 'bitdefender', name: 'Bitdefender GravityZone', processes: [{ name: 'bdsec' }, { name: 'bdsecd' }] },
];

/** Linux keeps 15 characters of a process name (`comm`, TASK_COMM_LEN - 1). */
const COMM_LENGTH = 15;

/** A product's name for people, or the vendor id itself for one the agent does not know. */
export function edrProductName(vendor: string): string {
  return EDR_PRODUCTS.find((p) => p.vendor === vendor)?.name ?? vendor;
}

/** The part of a process the agent reads (systeminformation's `processes().list` items). */
export interface ProcessLike {
  name?: string | undefined;
  command?: string | undefined;
  path?: string | undefined;
}

function executable(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const first = text.trim().split(/\s+/)[0] ?? '';
  const base = first.split(/[\\/]/).pop() ?? '';
  const lower = base.toLowerCase();
  return lower.endsWith('.exe') ? lower.slice(0, -4) : lower;
}

function matches(candidate: string, processName: string): boolean {
  if (candidate === processName) return true;
  return processName.length > COMM_LENGTH && candidate.length === COMM_LENGTH && processName.startsWith(candidate);
}

/** The recognised agents among running processes, one per vendor, all `running: true`. */
export function edrFromProcesses(list: readonly ProcessLike[], platform: PosturePlatform): EdrAgent[] {
  const found = new Map<string, EdrAgent>();
  for (const process of list) {
    const names = new Set([executable(process.name), executable(process.command)].filter((n): n is string => n !== undefined));
    if (names.size === 0) continue;
    for (const product of EDR_PRODUCTS) {
      if (found.has(product.vendor)) continue;
      const hit = product.processes.find((p) => (p.platforms === undefined || p.platforms.includes(platform)) && [...names].some((n) => matches(n, p.name)));
      if (hit !== undefined) found.set(product.vendor, { vendor: product.vendor, running: true, detail: `process ${hit.name}` });
    }
  }
  return [...found.values()];
}

/** Process evidence, with a tool's word replacing it for the vendors the tool speaks about. */
export function mergeEdrAgents(fromProcesses: readonly EdrAgent[], fromTools: readonly EdrAgent[]): EdrAgent[] {
  const byVendor = new Map<string, EdrAgent>();
  for (const agent of fromProcesses) byVendor.set(agent.vendor, agent);
  for (const agent of fromTools) byVendor.set(agent.vendor, agent);
  return [...byVendor.values()];
}
