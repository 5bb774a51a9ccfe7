/**
 * Child processes of the bench: long-running services (proxy, agent, stunnel) whose output is
 * kept for diagnostics and matched for readiness lines, one-shot CLI commands, forked TypeScript
 * children (upstream, load generator) and free-port helpers.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Cleanup } from './cleanup.ts';

/** Lines of each service's output kept in memory for error messages. */
const KEPT_LINES = 60;
/** How long a service gets after SIGTERM before it is SIGKILLed. */
export const STOP_GRACE_MS = 5_000;

export interface ServiceOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Full output of the process is appended here. */
  logFile?: string;
}

/** A long-running child whose stdout and stderr are read line by line. */
export class Service {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly #lines: string[] = [];
  readonly #watchers = new Set<(line: string) => void>();
  #exitCode: number | null | undefined;

  constructor(name: string, command: string, args: readonly string[], cleanup: Cleanup, options: ServiceOptions = {}) {
    this.name = name;
    this.child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const pid = this.child.pid;
    if (pid !== undefined) cleanup.trackPid(pid);
    const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        log?.write(text);
        const parts = (partial + text).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) this.#onLine(line);
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.#onLine(`(${name} could not start: ${error.message})`);
        this.#exitCode = null;
        resolve(null);
      });
      this.child.once('exit', (code, signal) => {
        if (pid !== undefined) cleanup.untrackPid(pid);
        this.#exitCode = code;
        this.#onLine(`(${name} exited with ${code ?? signal})`);
        log?.end();
        resolve(code);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.#exitCode === undefined;
  }

  /** The last lines of output, for an error message. */
  tail(): string {
    return this.#lines.map((line) => `  ${this.name}| ${line}`).join('\n');
  }

  /** Resolves with the first match of `pattern` in a line (past or future); rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray> {
    for (const line of this.#lines) {
      const match = pattern.exec(line);
      if (match !== null) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const finish = (error: Error | undefined, match?: RegExpExecArray) => {
        clearTimeout(timer);
        this.#watchers.delete(watch);
        if (error === undefined && match !== undefined) resolve(match);
        else reject(error);
      };
      const watch = (line: string) => {
        const match = pattern.exec(line);
        if (match !== null) finish(undefined, match);
      };
      const timer = setTimeout(() => finish(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
      this.#watchers.add(watch);
      void this.exited.then(() => finish(new Error(`${this.name} exited before ${what}\n${this.tail()}`)));
    });
  }

  /** SIGTERM, then SIGKILL after {@link STOP_GRACE_MS}; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  #onLine(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > KEPT_LINES) this.#lines.shift();
    for (const watch of [...this.#watchers]) watch(line);
  }
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs a one-shot command to completion; a non-zero exit or a timeout is an error that quotes its stderr. */
export function runCommand(
  command: string,
  args: readonly string[],
  cleanup: Cleanup,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; what: string },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
    const pid = child.pid;
    if (pid !== undefined) cleanup.trackPid(pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${options.what}: cannot run ${command}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) cleanup.untrackPid(pid);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${options.what} failed (${code ?? signal}):\n${stderr.trim() || stdout.trim()}`));
    });
  });
}

/** `--import` for forked children: tsx's loader, resolved from this repo so the cwd does not matter. */
const TSX_LOADER = import.meta.resolve('tsx');

/** A forked TypeScript child with an IPC channel (the upstream and the load generator). */
export function forkTs(file: URL, args: readonly string[], cleanup: Cleanup, extraExecArgv: readonly string[] = []): ChildProcess {
  const child = fork(file, [...args], {
    execArgv: ['--import', TSX_LOADER, ...extraExecArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pid = child.pid;
  if (pid !== undefined) {
    cleanup.trackPid(pid);
    child.once('exit', () => cleanup.untrackPid(pid));
  }
  return child;
}

/** A loopback port that was free a moment ago (the tiny race is acceptable for a bench). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls until something accepts TCP connections on `port`. */
export async function waitForPort(port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} is not listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
