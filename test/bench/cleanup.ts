/**
 * Teardown that runs however the bench ends: normal return, a thrown error, Ctrl-C (SIGINT),
 * SIGTERM or SIGHUP. Asynchronous steps (graceful stops, so `--cpu-prof` profiles get written)
 * run in reverse order of registration; a synchronous fallback on `exit` SIGKILLs whatever child
 * is still alive and deletes every temp dir, so nothing outlives the bench even if a graceful
 * step hangs.
 */
import { rmSync } from 'node:fs';

type Step = () => Promise<void> | void;

/** How long the graceful teardown may take before the synchronous fallback takes over. */
export const CLEANUP_TIMEOUT_MS = 10_000;

export class Cleanup {
  readonly #steps: { name: string; run: Step }[] = [];
  readonly #pids = new Set<number>();
  readonly #dirs = new Set<string>();
  #running: Promise<void> | undefined;
  #interrupted = false;

  /** True once a signal asked the bench to stop: errors that follow are its echo, not news. */
  get interrupted(): boolean {
    return this.#interrupted;
  }

  /** Registers an asynchronous teardown step; steps run last-registered first. */
  add(name: string, run: Step): void {
    this.#steps.push({ name, run });
  }

  /** A child process we started: SIGKILLed by pid on exit if it is still alive. */
  trackPid(pid: number): void {
    this.#pids.add(pid);
  }

  untrackPid(pid: number): void {
    this.#pids.delete(pid);
  }

  /** A temp dir we created: deleted at the end, whatever happens. */
  trackDir(dir: string): void {
    this.#dirs.add(dir);
  }

  /** Runs every step once (later calls wait for the first), then deletes the temp dirs. */
  run(): Promise<void> {
    this.#running ??= (async () => {
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, CLEANUP_TIMEOUT_MS).unref());
      const steps = (async () => {
        for (const step of this.#steps.reverse()) {
          try {
            await step.run();
          } catch (error) {
            process.stderr.write(`bench: cleanup of ${step.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
          }
        }
      })();
      await Promise.race([steps, deadline]);
      this.#finalSweep();
    })();
    return this.#running;
  }

  /**
   * Installs the signal and exit handlers. A signal runs the teardown and exits with 128 + the
   * signal number, as a shell would report it.
   */
  install(): void {
    const onSignal = (signal: NodeJS.Signals, code: number) => {
      this.#interrupted = true;
      process.stderr.write(`\nbench: ${signal}, stopping every child process and deleting temp dirs\n`);
      void this.run().finally(() => process.exit(code));
    };
    process.once('SIGINT', () => onSignal('SIGINT', 130));
    process.once('SIGTERM', () => onSignal('SIGTERM', 143));
    process.once('SIGHUP', () => onSignal('SIGHUP', 129));
    process.once('exit', () => this.#finalSweep());
  }

  #finalSweep(): void {
    for (const pid of this.#pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.#pids.clear();
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
    this.#dirs.clear();
  }
}
