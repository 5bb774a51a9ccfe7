/**
 * Collects this device's posture report (DESIGN.md §5): systeminformation for the OS, hardware id
 * and running processes, the platform's own tools for the rest, each parsed by its registered
 * parser. Bounded in time as a whole and per tool, and total: whatever fails or runs out of time
 * is an `unknown` check saying why, never an exception.
 */
import { setMaxListeners } from 'node:events';
import { hostname as osHostname } from 'node:os';
import { parsePostureReport, POSTURE_REPORT_LIMITS, type CheckStatus, type DiskEncryptionCheck, type EdrAgent, type FirewallCheck, type PatchCheck, type PosturePlatform, type PostureReport, type ScreenLockCheck } from '../../../../shared/posture/index.ts';
import { parseToolOutput, type ToolFacts } from '../parsers/index.ts';
import type { ToolOutputCache } from './cache.ts';
import { edrFrom } from './checks.ts';
import { darwinCollector } from './darwin.ts';
import { edrFromProcesses, mergeEdrAgents } from './edr.ts';
import { linuxCollector } from './linux.ts';
import { DeadlineError, oneLine, withinTime, type PlatformCollector, type ProbeContext } from './probe.ts';
import { COMMAND_TIMEOUT_MS, describeFailure, execFileRunner, readFileTail, type CommandRunner, type FileReader } from './runner.ts';
import { hardwareIdOf, osCheckFrom, systemInformation, type SystemInformationLike } from './system.ts';
import { win32Collector } from './win32.ts';

/** The longest a whole collection takes; checks not done by then are `unknown`. */
export const POSTURE_COLLECT_TIMEOUT_MS = 10_000;
/** Bounds accepted for `timeoutMs` and `commandTimeoutMs`. */
const MIN_TIMEOUT_MS = 1;
const MAX_TIMEOUT_MS = 10 * 60_000;

export interface CollectPostureOptions {
  /** Default `process.platform`. */
  platform?: NodeJS.Platform;
  /** Runs the platform's tools; default {@link execFileRunner}. */
  run?: CommandRunner;
  /** Reads log files (apt's history); default {@link readFileTail}. */
  readFile?: FileReader;
  /** Default the `systeminformation` package. */
  si?: SystemInformationLike;
  /** The clock (`collectedAt`, the age of the last update); default `Date.now`. */
  now?: () => number;
  /** The whole collection's bound; default {@link POSTURE_COLLECT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Each tool's bound; default {@link COMMAND_TIMEOUT_MS} (never more than `timeoutMs`). */
  commandTimeoutMs?: number;
  /** Reported as `agentVersion`. */
  agentVersion?: string;
  /** Desktop session and system drive variables; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The parser registry; default {@link parseToolOutput}. */
  parse?: (toolId: string, text: string) => ToolFacts;
  /**
   * Keeps slow tools' outputs (update history, pending updates) between collections; give the
   * same cache to every collection of a loop. Default: none, every tool runs every time.
   */
  cache?: ToolOutputCache;
}

const COLLECTORS: Record<PosturePlatform, PlatformCollector> = { linux: linuxCollector, darwin: darwinCollector, win32: win32Collector };

function timeout(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < MIN_TIMEOUT_MS || value > MAX_TIMEOUT_MS) {
    throw new TypeError(`collectPosture: ${name} must be a whole number of milliseconds from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

type Settled<T> = { ok: true; value: T } | { ok: false; why: string };

function why(error: unknown): string {
  return error instanceof DeadlineError ? error.message : describeFailure(error);
}

/** Never rejects, never outlives the collection: a late or failed step gives `fallback(why)`. */
function guard<T>(signal: AbortSignal, work: Promise<T>, fallback: (why: string) => T): Promise<T> {
  return new Promise<T>((resolve) => {
    const onAbort = (): void => resolve(fallback(why(signal.reason)));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve(fallback(why(error)));
      },
    );
  });
}

function settle<T>(signal: AbortSignal, ms: number, work: () => Promise<T>): Promise<Settled<T>> {
  return guard<Settled<T>>(
    signal,
    withinTime(signal, ms, () => Promise.resolve().then(work)).then((value) => ({ ok: true as const, value })),
    (reason) => ({ ok: false, why: reason }),
  );
}

/**
 * Collects the posture report. Never throws on the machine's account and never takes longer than
 * `timeoutMs` (default 10 s); options out of range are a `TypeError` (a programming error).
 */
export async function collectPosture(options: CollectPostureOptions = {}): Promise<PostureReport> {
  const totalMs = timeout('timeoutMs', options.timeoutMs, POSTURE_COLLECT_TIMEOUT_MS);
  const commandMs = Math.min(timeout('commandTimeoutMs', options.commandTimeoutMs, COMMAND_TIMEOUT_MS), totalMs);
  const now = options.now ?? Date.now;
  const requested = options.platform ?? process.platform;
  const platform: PosturePlatform = requested === 'darwin' || requested === 'win32' ? requested : 'linux';
  const supported = requested === 'linux' || requested === 'darwin' || requested === 'win32';
  const agentVersion = options.agentVersion ?? 'unknown';

  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(new DeadlineError(totalMs)), totalMs);
  const { signal } = controller;
  // Every step in flight listens for the deadline (a dozen at most).
  setMaxListeners(64, signal);
  const ctx: ProbeContext = {
    run: options.run ?? execFileRunner,
    readFile: options.readFile ?? readFileTail,
    parse: options.parse ?? parseToolOutput,
    commandTimeoutMs: commandMs,
    signal,
    env: options.env ?? process.env,
    cache: options.cache,
  };
  const si = options.si ?? systemInformation;
  const collector = COLLECTORS[platform];
  const unsupported = `the agent does not check ${oneLine(String(requested)).slice(0, 32)}`;

  /** A platform check, or `unknown(why)` when it fails, runs out of time or the platform is not supported. */
  const check = <T>(work: (c: PlatformCollector) => Promise<T>, unknown: (why: string) => T): Promise<T> =>
    supported ? guard(signal, Promise.resolve().then(() => work(collector)), unknown) : Promise.resolve(unknown(unsupported));

  try {
    const [osInfo, uuid, processes, diskEncryption, firewall, screenLock, patch, edrTools] = await Promise.all([
      settle(signal, commandMs, () => si.osInfo()),
      settle(signal, commandMs, () => si.uuid()),
      settle(signal, commandMs, () => si.processes()),
      check<DiskEncryptionCheck>((c) => c.diskEncryption(ctx), (why) => ({ status: 'unknown', volumes: [], detail: why })),
      check<FirewallCheck>((c) => c.firewall(ctx), (why) => ({ status: 'unknown', detail: why })),
      check<ScreenLockCheck>((c) => c.screenLock(ctx), (why) => ({ status: 'unknown', timeoutSeconds: undefined, detail: why })),
      check<PatchCheck>((c) => c.patch(ctx, now()), (why) => ({ status: 'unknown', lastUpdateAt: undefined, pendingSecurityUpdates: undefined, detail: why })),
      check((c) => c.edr(ctx), (why) => ({ agents: [] as EdrAgent[], notes: [why] })),
    ]);

    const processList = processes.ok && Array.isArray(processes.value?.list) ? processes.value.list : [];
    const processNotes = processes.ok ? (processList.length === 0 ? ['systeminformation listed no processes'] : []) : [`running processes: ${processes.why}`];
    const agents = mergeEdrAgents(edrFromProcesses(processList, platform), edrTools.agents);
    const os = osCheckFrom(platform, osInfo.ok ? osInfo.value : undefined, osInfo.ok ? undefined : osInfo.why);
    const report: PostureReport = {
      version: 1,
      collectedAt: new Date(now()).toISOString(),
      agentVersion,
      hostname: (osInfo.ok && typeof osInfo.value?.hostname === 'string' && osInfo.value.hostname.trim() !== '' ? osInfo.value.hostname.trim() : undefined) ?? safeHostname(),
      hardwareId: uuid.ok ? hardwareIdOf(uuid.value?.hardware) : undefined,
      os: supported ? os : { ...os, status: 'unknown', detail: unsupported },
      patch,
      diskEncryption,
      edr: edrFrom(agents, { processesRead: supported && processList.length > 0, notes: [...processNotes, ...edrTools.notes] }),
      firewall,
      screenLock,
    };
    return parsePostureReport(bound(report));
  } catch (error) {
    // A bug of ours must not take the agent down: report nothing as known.
    return fallbackReport(platform, agentVersion, now, `internal error: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(deadline);
  }
}

function safeHostname(): string {
  try {
    return osHostname();
  } catch {
    return '';
  }
}

const { maxString, maxVolumes, maxAgents } = POSTURE_REPORT_LIMITS;

/** A string that fits the report: one line, at most `maxString` characters. */
function fit(value: string): string {
  const line = oneLine(value);
  return line.length > maxString ? `${line.slice(0, maxString - 1)}…` : line;
}

function fitOptional(value: string | undefined): string | undefined {
  return value === undefined ? undefined : fit(value);
}

/** Cuts every string and list of a report to the bounds the proxy enforces (shared/posture/validate.ts). */
function bound(report: PostureReport): PostureReport {
  const detail = (d: string | undefined) => (d === undefined ? {} : { detail: fit(d) });
  return {
    ...report,
    agentVersion: fit(report.agentVersion) || 'unknown',
    hostname: fit(report.hostname),
    hardwareId: fitOptional(report.hardwareId),
    os: { ...report.os, name: fitOptional(report.os.name), version: fitOptional(report.os.version), build: fitOptional(report.os.build), kernel: fitOptional(report.os.kernel), ...detail(report.os.detail) },
    patch: { ...report.patch, ...detail(report.patch.detail) },
    diskEncryption: {
      ...report.diskEncryption,
      volumes: report.diskEncryption.volumes.slice(0, maxVolumes).map((v) => ({ ...v, volume: fit(v.volume) || '?', ...(v.method === undefined ? {} : { method: fit(v.method) }) })),
      ...detail(report.diskEncryption.detail),
    },
    edr: {
      ...report.edr,
      agents: report.edr.agents.slice(0, maxAgents).map((a) => ({ ...a, vendor: fit(a.vendor) || '?', ...detail(a.detail) })),
      ...detail(report.edr.detail),
    },
    firewall: { ...report.firewall, ...detail(report.firewall.detail) },
    screenLock: { ...report.screenLock, ...detail(report.screenLock.detail) },
  };
}

function fallbackReport(platform: PosturePlatform, agentVersion: string, now: () => number, reason: string): PostureReport {
  const unknown = { status: 'unknown' as CheckStatus, detail: fit(reason) };
  let collectedAt: string;
  try {
    collectedAt = new Date(now()).toISOString();
  } catch {
    collectedAt = new Date().toISOString();
  }
  return {
    version: 1,
    collectedAt,
    agentVersion: fit(agentVersion) || 'unknown',
    hostname: fit(safeHostname()),
    hardwareId: undefined,
    os: { ...unknown, platform, name: undefined, version: undefined, build: undefined, kernel: undefined },
    patch: { ...unknown, lastUpdateAt: undefined, pendingSecurityUpdates: undefined },
    diskEncryption: { ...unknown, volumes: [] },
    edr: { ...unknown, agents: [] },
    firewall: unknown,
    screenLock: { ...unknown, timeoutSeconds: undefined },
  };
}
