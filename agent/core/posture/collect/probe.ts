/**
 * One step of a collection: run a tool (or read a file) within its time, parse its output with
 * the tool's registered parser, and say either what it found or why it could not.
 */
import type { DiskEncryptionCheck, EdrAgent, FirewallCheck, PatchCheck, ScreenLockCheck } from '../../../../shared/posture/index.ts';
import type { ToolFacts } from '../parsers/index.ts';
import type { ToolOutputCache } from './cache.ts';
import { CommandTimeoutError, describeFailure, MAX_COMMAND_OUTPUT_BYTES, MAX_FILE_READ_BYTES, type CommandRunner, type FileReader } from './runner.ts';

/** What the collectors of one platform get. */
export interface ProbeContext {
  run: CommandRunner;
  readFile: FileReader;
  parse: (toolId: string, text: string) => ToolFacts;
  /** The bound of each tool run. */
  commandTimeoutMs: number;
  /** Aborted when the whole collection runs out of time. */
  signal: AbortSignal;
  /** The agent's environment (desktop session variables, the system drive). */
  env: NodeJS.ProcessEnv;
  /** Where slow tools' outputs are kept between collections (none: always run them). */
  cache: ToolOutputCache | undefined;
}

/** A tool's answer, or why there is none. `label` is the command as a person would type it. */
export type ProbeOutcome =
  | { ok: true; toolId: string; label: string; facts: ToolFacts; output: string; stderr: string }
  | { ok: false; toolId: string; label: string; reason: string };

/** Thrown into a pending step when the whole collection runs out of time. */
export class DeadlineError extends Error {
  constructor(timeoutMs: number) {
    super(`the posture collection ran out of time (${timeoutMs} ms)`);
    this.name = 'DeadlineError';
  }
}

/**
 * Runs `work` for at most `ms`, and not past `parent`'s abort. The signal given to `work` is
 * aborted on either, so a real child process is killed; the returned promise settles on time even
 * when `work` ignores its signal (a hung tool, a systeminformation call that never returns).
 */
export function withinTime<T>(parent: AbortSignal, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (parent.aborted) return Promise.reject(parent.reason instanceof Error ? parent.reason : new DeadlineError(ms));
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    };
    const fail = (error: unknown): void => {
      finish();
      reject(error);
    };
    const onParentAbort = (): void => {
      const reason: unknown = parent.reason;
      controller.abort(reason);
      fail(reason);
    };
    const timer = setTimeout(() => {
      const error = new CommandTimeoutError(ms);
      controller.abort(error);
      fail(error);
    }, ms);
    parent.addEventListener('abort', onParentAbort, { once: true });
    let started: Promise<T>;
    try {
      started = work(controller.signal);
    } catch (error) {
      fail(error);
      return;
    }
    started.then(
      (value) => {
        finish();
        resolve(value);
      },
      fail,
    );
  });
}

/** A tool's output lines as one line of a `detail`: control characters out, runs of blanks folded. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

export interface ProbeToolOptions {
  /** `both`: parse stderr after stdout (tools such as `sysadminctl` answer on stderr). */
  streams?: 'stdout' | 'both';
  /** The command as shown in details; default the file and its arguments. */
  label?: string;
  /**
   * A slow tool whose output may be reused from the context's cache while fresh, as long as
   * this string (what the output depends on, e.g. the last update's time) is unchanged.
   */
  cacheAs?: string;
}

/**
 * Runs a tool and parses its output. The parser never throws; a parser that is not registered
 * (yet) is an unknown with that reason.
 */
export async function probeTool(ctx: ProbeContext, toolId: string, file: string, args: readonly string[], options: ProbeToolOptions = {}): Promise<ProbeOutcome> {
  const label = options.label ?? [file, ...args].join(' ');
  const cacheKey = options.cacheAs === undefined || ctx.cache === undefined ? undefined : `${[file, ...args].join(' ')}\u0000${options.cacheAs}`;
  let output: string;
  let stderr: string;
  try {
    const cached = cacheKey === undefined ? undefined : ctx.cache?.get(cacheKey);
    const result =
      cached ??
      (await withinTime(ctx.signal, ctx.commandTimeoutMs, (signal) =>
        ctx.run(file, args, { timeoutMs: ctx.commandTimeoutMs, maxOutputBytes: MAX_COMMAND_OUTPUT_BYTES, signal }),
      ));
    // Only an answer is kept: a tool that failed or could not run is asked again next time.
    if (cached === undefined && cacheKey !== undefined && result.exitCode === 0 && result.stdout.trim() !== '') ctx.cache?.set(cacheKey, result);
    stderr = result.stderr;
    output = options.streams === 'both' ? [result.stdout, result.stderr].filter((s) => s.trim() !== '').join('\n') : result.stdout;
    if (output.trim() === '' && result.stderr.trim() !== '') {
      return { ok: false, toolId, label, reason: `exit ${result.exitCode}: ${oneLine(result.stderr).slice(0, 160)}` };
    }
  } catch (error) {
    return { ok: false, toolId, label, reason: error instanceof DeadlineError ? error.message : describeFailure(error) };
  }
  return parseOutcome(ctx, toolId, label, output, stderr);
}

/** Reads (the end of) a file and parses it as `toolId`'s output. */
export async function probeFile(ctx: ProbeContext, toolId: string, path: string): Promise<ProbeOutcome> {
  let text: string;
  try {
    text = await withinTime(ctx.signal, ctx.commandTimeoutMs, () => ctx.readFile(path, MAX_FILE_READ_BYTES));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const reason = code === 'ENOENT' ? 'no such file' : error instanceof DeadlineError ? error.message : describeFailure(error);
    return { ok: false, toolId, label: path, reason };
  }
  return parseOutcome(ctx, toolId, path, text, '');
}

export function parseOutcome(ctx: ProbeContext, toolId: string, label: string, output: string, stderr: string): ProbeOutcome {
  try {
    return { ok: true, toolId, label, facts: ctx.parse(toolId, output), output, stderr };
  } catch (error) {
    // Unknown tool id (a parser not built into this agent) or a parser bug: no evidence either way.
    return { ok: false, toolId, label, reason: `output not understood (${error instanceof Error ? error.message.slice(0, 120) : 'parser failed'})` };
  }
}

/** The facts' own words on why they settle nothing (`error`, `note`), or a few of their values. */
export function factsNote(facts: ToolFacts): string | undefined {
  const detail = facts.detail as Record<string, unknown> | undefined;
  if (detail === undefined || typeof detail !== 'object') return undefined;
  for (const key of ['error', 'reason', 'reasons', 'note', 'state', 'status']) {
    const value = detail[key];
    if (typeof value === 'string' && value.trim() !== '') return oneLine(value);
    if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return oneLine(value.slice(0, 5).join(', '));
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(detail)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parts.push(`${key} ${oneLine(String(value))}`);
    if (parts.length === 3) break;
  }
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** The checks a platform answers with its own tools (the OS and processes come from systeminformation). */
export interface PlatformCollector {
  diskEncryption(ctx: ProbeContext): Promise<DiskEncryptionCheck>;
  firewall(ctx: ProbeContext): Promise<FirewallCheck>;
  screenLock(ctx: ProbeContext): Promise<ScreenLockCheck>;
  patch(ctx: ProbeContext, now: number): Promise<PatchCheck>;
  /** What tools say about endpoint security beyond the process list (e.g. Defender's own status). */
  edr(ctx: ProbeContext): Promise<{ agents: EdrAgent[]; notes: string[] }>;
}
