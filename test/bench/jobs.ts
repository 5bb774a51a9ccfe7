/**
 * The jobs run.ts hands to the load-generator child (load.ts) over IPC, their results, and the
 * parent's handle on that child. One job runs at a time.
 */
import type { ChildProcess } from 'node:child_process';
import type { Cleanup } from './cleanup.ts';
import { forkTs } from './processes.ts';

export type Job =
  /** `streams` parallel downloads of `bytesPerStream` each (all start together). */
  | { kind: 'throughput'; port: number; streams: number; bytesPerStream: number }
  /** `warmup` then `count` sequential connect-to-first-byte measurements. */
  | { kind: 'latency'; port: number; count: number; warmup: number }
  /** `concurrency` loops of connect / 1-byte request / 1-byte answer / close, for `warmupMs + durationMs`. */
  | { kind: 'opens'; port: number; concurrency: number; durationMs: number; warmupMs: number };

export interface ThroughputResult {
  bytes: number;
  /** From the first connect() to the last byte of the last stream. */
  seconds: number;
  /** Per stream, from its connect() to its last byte. */
  streamSeconds: number[];
}

export interface LatencyResult {
  /** Connect-to-first-byte of each measured connection, milliseconds. */
  samplesMs: number[];
  errors: number;
  firstError?: string;
}

export interface OpensResult {
  /** Connections that completed (answer received, socket closed) inside the measured window. */
  completed: number;
  /** Connections completed over the whole job, warm-up included (to normalise CPU time). */
  total: number;
  seconds: number;
  errors: number;
  firstError?: string;
  /** Connect-to-first-byte of the completed connections, under this load, milliseconds. */
  samplesMs: number[];
}

export type JobResult<J extends Job> = J extends { kind: 'throughput' }
  ? ThroughputResult
  : J extends { kind: 'latency' }
    ? LatencyResult
    : OpensResult;

export type JobMessage = { id: number; job: Job };
export type ResultMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The parent's side of the load generator. */
export class LoadGenerator {
  readonly child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(cleanup: Cleanup) {
    this.child = forkTs(new URL('./load.ts', import.meta.url), [], cleanup);
    this.child.on('message', (message: ResultMessage) => {
      const waiter = this.#waiting.get(message.id);
      if (waiter === undefined) return;
      this.#waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error));
    });
    this.child.once('exit', (code, signal) => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error(`the load generator exited (${code ?? signal})`));
      this.#waiting.clear();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  run<J extends Job>(job: J): Promise<JobResult<J>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, job } satisfies JobMessage);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
