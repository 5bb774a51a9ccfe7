/**
 * The load generator, a child process of its own so that its event loop is not shared with the
 * path under test. It runs one job at a time from run.ts (see jobs.ts) against a port: the
 * upstream itself (direct), the agent's listener (zerogate) or the client stunnel.
 *
 * Reads go into one preallocated buffer per socket (`onread`), so the client side allocates
 * nothing per chunk and stays cheap next to the path it measures.
 */
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Job, JobMessage, LatencyResult, OpensResult, ResultMessage, ThroughputResult } from './jobs.ts';
import { downloadRequest, PING_REQUEST } from './wire.ts';

const HOST = '127.0.0.1';
/** A socket with no progress for this long has stalled: the job fails instead of hanging. */
const IDLE_TIMEOUT_MS = 15_000;
/** Size of each socket's read buffer. */
const READ_BUFFER = 256 * 1024;

/** One download; resolves with the time its last byte arrived. */
function download(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let doneAt = 0;
    const socket = connect({
      port,
      host: HOST,
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER),
        callback: (n: number) => {
          received += n;
          if (received >= bytes && doneAt === 0) doneAt = performance.now();
          return true;
        },
      },
    });
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS} ms after ${received} of ${bytes} bytes`)));
    socket.once('connect', () => socket.write(downloadRequest(bytes)));
    socket.once('error', reject);
    socket.once('close', () => {
      if (received === bytes) resolve(doneAt);
      else reject(new Error(`a download ended after ${received} of ${bytes} bytes`));
    });
  });
}

async function throughput(port: number, streams: number, bytesPerStream: number): Promise<ThroughputResult> {
  const start = performance.now();
  const ends = await Promise.all(Array.from({ length: streams }, () => download(port, bytesPerStream)));
  const last = Math.max(...ends);
  return {
    bytes: streams * bytesPerStream,
    seconds: (last - start) / 1000,
    streamSeconds: ends.map((end) => (end - start) / 1000),
  };
}

/** One connection: connect, send one byte, time the first byte back, then close cleanly. */
function ping(port: number): Promise<{ ms: number; closedAt: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let answeredAt = 0;
    const socket = connect({ port, host: HOST, noDelay: true });
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy(new Error(`no answer for ${IDLE_TIMEOUT_MS} ms`)));
    socket.once('connect', () => socket.write(PING_REQUEST));
    socket.once('data', () => {
      answeredAt = performance.now();
      socket.end();
    });
    socket.once('error', reject);
    socket.once('close', () => {
      if (answeredAt > 0) resolve({ ms: answeredAt - start, closedAt: performance.now() });
      else reject(new Error('the connection closed before the answer'));
    });
  });
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `${code === undefined ? '' : `${code}: `}${error instanceof Error ? error.message : String(error)}`;
}

async function latency(port: number, count: number, warmup: number): Promise<LatencyResult> {
  const samplesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; i < warmup + count; i++) {
    try {
      const { ms } = await ping(port);
      if (i >= warmup) samplesMs.push(ms);
    } catch (error) {
      errors++;
      firstError ??= describe(error);
      if (errors > Math.max(10, count / 10)) throw new Error(`too many failed connections (${errors}), first: ${firstError}`);
    }
  }
  return { samplesMs, errors, ...(firstError === undefined ? {} : { firstError }) };
}

async function opens(port: number, concurrency: number, durationMs: number, warmupMs: number): Promise<OpensResult> {
  const begin = performance.now();
  const windowStart = begin + warmupMs;
  const windowEnd = windowStart + durationMs;
  const samplesMs: number[] = [];
  let completed = 0;
  let total = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (performance.now() < windowEnd) {
      try {
        const { ms, closedAt } = await ping(port);
        total++;
        if (closedAt >= windowStart && closedAt <= windowEnd) {
          completed++;
          samplesMs.push(ms);
        }
      } catch (error) {
        errors++;
        firstError ??= describe(error);
        // Refused or reset opens are counted, not retried at once: back off a little so a
        // failing path does not spin.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { completed, total, seconds: durationMs / 1000, errors, samplesMs, ...(firstError === undefined ? {} : { firstError }) };
}

function run(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'throughput':
      return throughput(job.port, job.streams, job.bytesPerStream);
    case 'latency':
      return latency(job.port, job.count, job.warmup);
    case 'opens':
      return opens(job.port, job.concurrency, job.durationMs, job.warmupMs);
  }
}

process.on('message', (message: JobMessage) => {
  run(message.job).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies ResultMessage),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: describe(error) } satisfies ResultMessage),
  );
});
process.on('disconnect', () => process.exit(0));
