/**
 * The HTTP section's load client (http-run.ts): a closed loop over C keep-alive connections, each
 * sending the next GET as soon as the previous answer's last byte arrived, for a fixed time.
 *
 * It speaks HTTP/1.1 over plain sockets with a minimal response parser (status line, headers,
 * Content-Length or chunked body) instead of node:http's client, so that the client costs as
 * little CPU as possible: on 2 cores every cycle it spends is taken from the paths it measures.
 * Every response is checked: a status outside 2xx, a body of the wrong size, a reset or closed
 * connection, an unparsable answer or one slower than {@link REQUEST_TIMEOUT_MS} is an error.
 *
 * Each connection first sends one untimed request (so the TCP connect and, through the agent,
 * the tunnel stream's OPEN are not part of the figures); then the clock starts for all of them
 * together. Only requests that start and finish inside the window are samples.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { round, summarize } from './stats.ts';

/** A request without its last byte after this long is an error (and its connection is replaced). */
export const REQUEST_TIMEOUT_MS = 10_000;
/** A response head larger than this is refused as unparsable. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Pause before a failed connection is replaced, so a dead path does not become a busy loop. */
const RECONNECT_DELAY_MS = 50;
/** Error messages kept for the report. */
const KEPT_ERRORS = 5;
const EMPTY = Buffer.alloc(0);

export interface HttpJob {
  port: number;
  host?: string;
  path: string;
  connections: number;
  durationMs: number;
  /** Body size every 2xx answer must have. */
  expectedBytes: number;
}

export interface HttpErrors {
  total: number;
  byKind: Record<string, number>;
  first: string[];
}

export interface HttpLatency {
  n: number;
  minMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface HttpJobResult {
  /** 2xx answers of the right size that started and finished inside the window. */
  requests: number;
  /** The window, measured. */
  seconds: number;
  requestsPerSecond: number;
  latency: HttpLatency | null;
  /** Body bytes of the counted requests. */
  bodyBytes: number;
  errors: HttpErrors;
  /** Connections replaced after the server closed one that was idle (Connection: close or keep-alive timeout). */
  reconnects: number;
}

type State = 'idle' | 'head' | 'body' | 'chunk-size' | 'chunk-crlf' | 'trailers';

/** What a connection asks the job: whether to send another request, and where to report. */
interface Controller {
  readonly request: Buffer;
  readonly expectedBytes: number;
  keepGoing(): boolean;
  sample(startedAt: number, endedAt: number, bodyBytes: number): void;
  error(kind: string, message: string): void;
  idle(): void;
  reconnected(): void;
}

/** One keep-alive connection running requests one after the other. */
class Connection {
  readonly #job: HttpJob;
  readonly #control: Controller;
  #socket: Socket | undefined;
  #state: State = 'idle';
  #pending: Buffer = EMPTY;
  #remaining = 0;
  #chunked = false;
  #close = false;
  #status = 0;
  #bodyBytes = 0;
  /** performance.now() when the request in flight was written; undefined when none is. */
  startedAt: number | undefined;

  constructor(job: HttpJob, control: Controller) {
    this.#job = job;
    this.#control = control;
  }

  /** Sends a request now (connecting first when needed). */
  send(): void {
    const socket = this.#socket ?? this.#connect();
    this.#state = 'head';
    this.#bodyBytes = 0;
    this.startedAt = performance.now();
    socket.write(this.#control.request);
  }

  /** Fails the request in flight: used by the job's watchdog. */
  timeout(): void {
    this.#fail('timeout', `no complete answer within ${REQUEST_TIMEOUT_MS} ms`);
  }

  close(): void {
    this.#socket?.end();
    this.#socket = undefined;
  }

  #connect(): Socket {
    const socket = connect({ host: this.#job.host ?? '127.0.0.1', port: this.#job.port, noDelay: true });
    let connected = false;
    this.#socket = socket;
    socket.once('connect', () => (connected = true));
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket === socket) this.#feed(chunk);
    });
    socket.on('error', (error) => {
      if (this.#socket === socket) this.#fail(connected ? 'reset' : 'connect', error.message);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (this.startedAt !== undefined) this.#fail('closed', `the connection closed ${this.#state === 'head' ? 'before the answer' : 'in the middle of the answer'}`);
      else this.#control.reconnected(); // closed while idle (keep-alive timeout): the next request reconnects
    });
    return socket;
  }

  #feed(data: Buffer): void {
    let buf = data;
    while (buf.length > 0) {
      if (this.#state === 'idle') {
        this.#fail('parse', `${buf.length} bytes arrived with no request in flight`);
        return;
      }
      if (this.#state === 'body') {
        const n = Math.min(this.#remaining, buf.length);
        this.#bodyBytes += n;
        this.#remaining -= n;
        buf = buf.subarray(n);
        if (this.#remaining === 0) {
          if (this.#chunked) this.#state = 'chunk-crlf';
          else if (!this.#complete()) return;
        }
        continue;
      }
      // Line-oriented states: the head (up to an empty line), chunk sizes, chunk ends, trailers.
      const joined = this.#pending.length === 0 ? buf : Buffer.concat([this.#pending, buf]);
      const separator = this.#state === 'head' ? '\r\n\r\n' : '\r\n';
      const at = joined.indexOf(separator);
      if (at < 0) {
        if (joined.length > MAX_HEAD_BYTES) this.#fail('parse', `no end of ${this.#state} after ${joined.length} bytes`);
        else this.#pending = joined;
        return;
      }
      this.#pending = EMPTY;
      buf = joined.subarray(at + separator.length);
      if (!this.#onLine(joined.toString('latin1', 0, at))) return;
    }
  }

  /** Handles a head or a line; false when the connection was failed or is no longer in use. */
  #onLine(text: string): boolean {
    switch (this.#state) {
      case 'head':
        return this.#onHead(text);
      case 'chunk-size': {
        const size = Number.parseInt(text.split(';', 1)[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) return this.#fail('parse', `bad chunk size line "${text.slice(0, 40)}"`);
        if (size === 0) this.#state = 'trailers';
        else {
          this.#remaining = size;
          this.#state = 'body';
        }
        return true;
      }
      case 'chunk-crlf':
        if (text !== '') return this.#fail('parse', 'a chunk did not end with CRLF');
        this.#state = 'chunk-size';
        return true;
      case 'trailers':
        return text === '' ? this.#complete() : true;
      default:
        return this.#fail('parse', `unexpected line in state ${this.#state}`);
    }
  }

  #onHead(head: string): boolean {
    const lines = head.split('\r\n');
    const match = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
    if (match === null) return this.#fail('parse', `bad status line "${(lines[0] ?? '').slice(0, 60)}"`);
    this.#status = Number(match[2]);
    if (this.#status >= 100 && this.#status < 200) return true; // an interim answer: the real one follows
    let length: number | undefined;
    this.#chunked = false;
    this.#close = match[1] === '0';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') this.#chunked = value.split(',').some((v) => v.trim() === 'chunked');
      else if (name === 'connection') this.#close = value.split(',').some((v) => v.trim() === 'close');
    }
    if (this.#chunked) {
      this.#state = 'chunk-size';
      return true;
    }
    if (this.#status === 204 || this.#status === 304) return this.#complete();
    if (length === undefined || !Number.isInteger(length) || length < 0) {
      return this.#fail('parse', `status ${this.#status} without Content-Length or chunked body (cannot keep the connection alive)`);
    }
    if (length === 0) return this.#complete();
    this.#remaining = length;
    this.#state = 'body';
    return true;
  }

  /** The answer is complete: check it, count it, and go on (or not). Returns false when the connection changed. */
  #complete(): boolean {
    const endedAt = performance.now();
    const startedAt = this.startedAt as number;
    this.startedAt = undefined;
    this.#state = 'idle';
    if (this.#status < 200 || this.#status > 299) this.#control.error(`status ${this.#status}`, `${this.#job.path}: status ${this.#status}`);
    else if (this.#bodyBytes !== this.#control.expectedBytes) this.#control.error('length', `${this.#job.path}: a body of ${this.#bodyBytes} bytes instead of ${this.#control.expectedBytes}`);
    else this.#control.sample(startedAt, endedAt, this.#bodyBytes);
    if (this.#close) {
      this.#socket?.end();
      this.#socket = undefined;
      this.#control.reconnected();
    }
    this.#continue();
    return !this.#close;
  }

  #continue(): void {
    if (this.#control.keepGoing()) this.send();
    else this.#control.idle();
  }

  /** Records an error, drops the connection and (after a pause) goes on with a new one. Always false. */
  #fail(kind: string, message: string): false {
    const wasInFlight = this.startedAt !== undefined;
    this.startedAt = undefined;
    this.#state = 'idle';
    this.#pending = EMPTY;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
    this.#control.error(kind, `${this.#job.path}: ${kind}: ${message}`);
    if (wasInFlight || kind === 'connect') setTimeout(() => this.#continue(), RECONNECT_DELAY_MS);
    return false;
  }
}

/**
 * Runs one measurement: opens `connections` keep-alive connections, sends one untimed request on
 * each, then runs the closed loop for `durationMs` and waits for the requests in flight.
 */
export async function runHttpJob(job: HttpJob): Promise<HttpJobResult> {
  const request = Buffer.from(`GET ${job.path} HTTP/1.1\r\nHost: 127.0.0.1:${job.port}\r\nUser-Agent: zerogate-bench\r\nAccept: application/json\r\n\r\n`, 'latin1');
  const errors: HttpErrors = { total: 0, byKind: {}, first: [] };
  const latencies: number[] = [];
  let bodyBytes = 0;
  let reconnects = 0;
  let phase: 'prime' | 'run' | 'drain' = 'prime';
  let windowStart = 0;
  let windowEnd = Number.POSITIVE_INFINITY;
  let idle = 0;
  let onAllIdle: () => void = () => undefined;

  const control: Controller = {
    request,
    expectedBytes: job.expectedBytes,
    keepGoing: () => phase === 'run',
    sample(startedAt, endedAt, bytes) {
      if (phase === 'prime' || startedAt < windowStart || endedAt > windowEnd) return;
      latencies.push(endedAt - startedAt);
      bodyBytes += bytes;
    },
    error(kind, message) {
      errors.total += 1;
      errors.byKind[kind] = (errors.byKind[kind] ?? 0) + 1;
      if (errors.first.length < KEPT_ERRORS) errors.first.push(message);
    },
    idle() {
      idle += 1;
      if (idle === connections.length) onAllIdle();
    },
    reconnected: () => (reconnects += 1),
  };
  const connections = Array.from({ length: job.connections }, () => new Connection(job, control));
  const allIdle = () =>
    new Promise<void>((resolve) => {
      idle = 0;
      onAllIdle = resolve;
    });
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const c of connections) if (c.startedAt !== undefined && now - c.startedAt > REQUEST_TIMEOUT_MS) c.timeout();
  }, 500);

  try {
    // Untimed: connect, open the tunnel stream, one request each.
    let primed = allIdle();
    for (const c of connections) c.send();
    await primed;
    phase = 'run';
    windowStart = performance.now();
    windowEnd = windowStart + job.durationMs;
    primed = allIdle();
    for (const c of connections) c.send();
    await new Promise((resolve) => setTimeout(resolve, job.durationMs));
    phase = 'drain';
    windowEnd = Math.min(windowEnd, performance.now());
    await primed;
  } finally {
    clearInterval(watchdog);
    for (const c of connections) c.close();
  }
  const seconds = (windowEnd - windowStart) / 1000;
  const s = latencies.length === 0 ? undefined : summarize(latencies);
  return {
    requests: latencies.length,
    seconds: round(seconds),
    requestsPerSecond: round(latencies.length / seconds, 1),
    latency:
      s === undefined
        ? null
        : { n: s.n, minMs: round(s.min), p50Ms: round(s.p50), p90Ms: round(s.p90), p99Ms: round(s.p99), maxMs: round(s.max), meanMs: round(s.mean) },
    bodyBytes,
    errors,
    reconnects,
  };
}
