/**
 * How the collectors run the platform's own tools and read its files: through an injectable
 * {@link CommandRunner} (tests feed recorded outputs) whose real implementation is `execFile`
 * with no shell, a per-command timeout, a bounded output and the C locale.
 */
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { delimiter } from 'node:path';
import { MAX_TOOL_OUTPUT_BYTES } from '../parsers/index.ts';

/** The longest any one tool may run (it is killed after that). */
export const COMMAND_TIMEOUT_MS = 5_000;
/** The most output kept from one tool (stdout and stderr each); a tool that prints more is killed. */
export const MAX_COMMAND_OUTPUT_BYTES = MAX_TOOL_OUTPUT_BYTES;
/** The most of a log file read (its end: the newest entries). */
export const MAX_FILE_READ_BYTES = 1024 * 1024;

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** The exit status; tools that report a state through it (non-zero) still resolve. */
  exitCode: number;
}

export interface RunOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  /** Aborted when the collection runs out of time: kill the tool. */
  signal: AbortSignal;
}

/**
 * Runs `file` with `args` (no shell). Resolves with the output whatever the exit status; rejects
 * when the tool cannot run: `code: 'ENOENT'` when it is not installed, `'EACCES'` when it may not
 * be run, or a timeout, an abort or an output over the bound.
 */
export type CommandRunner = (file: string, args: readonly string[], options: RunOptions) => Promise<CommandResult>;

/** Reads at most the last `maxBytes` of a text file; rejects like `fs` (`ENOENT`, `EACCES`). */
export type FileReader = (path: string, maxBytes: number) => Promise<string>;

/** Where admin tools live on Unix; a desktop user's PATH often lacks the sbin folders. */
const UNIX_TOOL_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function toolEnv(): NodeJS.ProcessEnv {
  if (process.platform === 'win32') return process.env;
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => p !== '');
  for (const dir of UNIX_TOOL_DIRS) if (!path.includes(dir)) path.push(dir);
  // Parsers read the tools' English messages: ask for the untranslated ones.
  return { ...process.env, PATH: path.join(delimiter), LC_ALL: 'C', LANG: 'C', LANGUAGE: 'C' };
}

/** The real runner: `execFile` without a shell, killed (SIGKILL) at the timeout or on abort. */
export const execFileRunner: CommandRunner = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      {
        encoding: 'utf8',
        shell: false,
        windowsHide: true,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: options.maxOutputBytes,
        signal: options.signal,
        env: toolEnv(),
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr, exitCode: 0 });
          return;
        }
        const { code, killed } = error as NodeJS.ErrnoException & { killed?: boolean };
        if (typeof code === 'number' && killed !== true) {
          resolve({ stdout, stderr, exitCode: code });
          return;
        }
        if (killed === true && code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' && !options.signal.aborted) {
          reject(new CommandTimeoutError(options.timeoutMs));
          return;
        }
        reject(error);
      },
    );
  });

/** The real file reader: the file's last `maxBytes`, starting at a line boundary. */
export const readFileTail: FileReader = async (path, maxBytes) => {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(Math.min(size, maxBytes));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    if (start === 0) return text;
    const newline = text.indexOf('\n');
    return newline < 0 ? '' : text.slice(newline + 1);
  } finally {
    await handle.close();
  }
};

/** A tool or a step that ran past its time. */
export class CommandTimeoutError extends Error {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'CommandTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** Why a tool could not answer, in a few words for a check's `detail`. */
export function describeFailure(error: unknown): string {
  if (error instanceof CommandTimeoutError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'not installed';
  if (code === 'EACCES' || code === 'EPERM') return 'not permitted';
  if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `output larger than ${MAX_COMMAND_OUTPUT_BYTES} bytes`;
  if (code === 'ABORT_ERR' || (error instanceof Error && error.name === 'AbortError')) return 'stopped: the collection ran out of time';
  const message = error instanceof Error ? error.message : String(error);
  return `failed: ${message}`;
}
