import { createWriteStream, type WriteStream } from 'node:fs';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditEvent, Store } from '../store/index.ts';

export type AuditSink = 'stdout' | 'none' | (string & {});

/** Events are written to the store in batches, one transaction each, at least this often... */
export const AUDIT_FLUSH_MS = 20;
/** ...or as soon as this many are waiting. */
export const AUDIT_BATCH_MAX = 500;
/**
 * Events held in memory while the store refuses writes (PostgreSQL restarting, a network cut).
 * The oldest are kept: when the backlog is full, new events are refused, counted in `dropped`
 * and logged, and {@link AuditLog.accepting} turns false so that new access fails closed
 * rather than going unaudited. At ~300 bytes an event, the full backlog is ~15 MB.
 */
export const AUDIT_BACKLOG_MAX = 50_000;
/** First wait before writing a refused batch again; doubles up to {@link AUDIT_RETRY_MAX_MS}. */
export const AUDIT_RETRY_MIN_MS = 100;
export const AUDIT_RETRY_MAX_MS = 2_000;
/**
 * How long {@link AuditLog.recordDurable} and {@link AuditLog.flush} wait for the store before
 * giving up with ZG_ERR_STORE_UNAVAILABLE (the events stay queued and are written later).
 */
export const AUDIT_DURABLE_TIMEOUT_MS = 5_000;

export type AuditInput = Omit<AuditEvent, 'time' | 'id'> & { time?: number };

export interface AuditLogOptions {
  /** Where outage and drop warnings go (default: a JSON line on stderr). */
  warn?: (line: string) => void;
  backlogMax?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  durableTimeoutMs?: number;
}

interface Waiter {
  /** Durable once this many accepted events are written. */
  position: number;
  resolve: () => void;
}

function storeUnavailable(what: string): ZerogateError {
  return new ZerogateError('ZG_ERR_STORE_UNAVAILABLE', `${what}: the audit trail cannot be written to the store right now, try again shortly`);
}

/**
 * The append-only audit trail (DESIGN.md §8): every event goes to the store (queryable) and, as
 * one JSON line, to stdout or a file for a SIEM. Events carry codes, ids and reasons, never a
 * token, key or password. `record` never throws; store writes are batched (one commit per batch
 * rather than per event), one batch at a time so they land in the order recorded. A batch the
 * store refuses is written again, with backoff, until the store takes it: an outage delays the
 * trail but does not cut holes in it. Handlers that acknowledge a change (an admin change, a
 * revocation, an enrolment) await {@link recordDurable} before answering, so no acknowledged
 * event is lost if the node dies right after.
 */
export class AuditLog {
  readonly #store: Store;
  readonly #out: WriteStream | NodeJS.WriteStream | undefined;
  readonly #warn: (line: string) => void;
  readonly #backlogMax: number;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  readonly #durableTimeoutMs: number;
  #queue: AuditEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  /** Events accepted (queued) so far, and of those, written to the store: both only grow. */
  #accepted = 0;
  #written = 0;
  #waiters: Waiter[] = [];
  #retryMs = 0;
  #failures = 0;
  #dropped = 0;
  #closed = false;
  #listeners: ((event: AuditEvent) => void)[] = [];

  constructor(store: Store, sink: AuditSink, options: AuditLogOptions = {}) {
    this.#store = store;
    if (sink === 'none') this.#out = undefined;
    else if (sink === 'stdout') this.#out = process.stdout;
    else this.#out = createWriteStream(sink, { flags: 'a', mode: 0o600 });
    this.#warn = options.warn ?? ((msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg })}\n`));
    this.#backlogMax = options.backlogMax ?? AUDIT_BACKLOG_MAX;
    this.#retryMinMs = options.retryMinMs ?? AUDIT_RETRY_MIN_MS;
    this.#retryMaxMs = options.retryMaxMs ?? AUDIT_RETRY_MAX_MS;
    this.#durableTimeoutMs = options.durableTimeoutMs ?? AUDIT_DURABLE_TIMEOUT_MS;
  }

  /** Batch writes the store refused so far (each is retried): for readiness and metrics. */
  get failures(): number {
    return this.#failures;
  }

  /** Events refused because the backlog was full (they reached the JSON-lines sink only). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Events recorded but not yet in the store. */
  get backlog(): number {
    return this.#accepted - this.#written;
  }

  /** False while the backlog is full: new access must be refused (fail closed), not go unaudited. */
  get accepting(): boolean {
    return this.backlog < this.#backlogMax;
  }

  /**
   * Calls `listener` with every event recorded from now on (anomaly detection reads sign-in
   * failures this way), synchronously; a listener that throws is ignored. Returns a function
   * that removes it.
   */
  onEvent(listener: (event: AuditEvent) => void): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Records an event; true when it was queued for the store (false: the backlog is full). */
  record(event: AuditInput): boolean {
    return this.#accept(event) !== undefined;
  }

  /**
   * Records an event and resolves once it is in the store (and every event before it). Rejects
   * with ZG_ERR_STORE_UNAVAILABLE when the backlog is full or the store does not take it in
   * time; the event then stays queued (or, when refused, in the JSON-lines sink only).
   */
  recordDurable(event: AuditInput): Promise<void> {
    const position = this.#accept(event);
    if (position === undefined) return Promise.reject(storeUnavailable('the change was made but not audited'));
    this.#writeSoon(true);
    return this.#durable(position, 'the change was made but its audit event is not stored yet');
  }

  /**
   * Writes now and resolves once every event recorded so far is in the store; rejects with
   * ZG_ERR_STORE_UNAVAILABLE when that takes longer than `timeoutMs` (events stay queued).
   */
  flush(timeoutMs = this.#durableTimeoutMs): Promise<void> {
    this.#writeSoon(true);
    return this.#durable(this.#accepted, 'audit events are waiting for the store', timeoutMs);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } catch {
      this.#warn(`audit: closing with ${this.backlog} events not written to the store (they are in the JSON-lines sink, if one is configured)`);
    }
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const w of this.#waiters) w.resolve();
    this.#waiters = [];
    const out = this.#out;
    if (out !== undefined && out !== process.stdout) {
      await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
    }
  }

  /** Queues an event, then tells the listeners (after: an event they record lands after it). */
  #accept(event: AuditInput): number | undefined {
    const full: AuditEvent = { ...event, time: event.time ?? Date.now() };
    const position = this.#enqueue(full);
    for (const listener of this.#listeners) {
      try {
        listener({ ...full });
      } catch {
        // A listener's failure must not stop the audit trail.
      }
    }
    return position;
  }

  /** Queues an event; its position (durable when `#written` reaches it), or undefined if refused. */
  #enqueue(full: AuditEvent): number | undefined {
    this.#out?.write(`${JSON.stringify({ ...full, time: new Date(full.time).toISOString(), audit: true })}\n`);
    if (!this.accepting) {
      // Oldest kept: what happened first is what an investigation needs first.
      if (this.#dropped++ % 1000 === 0) this.#warn(`audit: backlog full (${this.#backlogMax} events waiting for the store): event ${full.type} not stored, new access is refused; ${this.#dropped} dropped so far`);
      return undefined;
    }
    this.#queue.push(full);
    this.#writeSoon(this.#queue.length >= AUDIT_BATCH_MAX);
    return ++this.#accepted;
  }

  #durable(position: number, what: string, timeoutMs = this.#durableTimeoutMs): Promise<void> {
    if (this.#written >= position || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(storeUnavailable(what));
      }, timeoutMs);
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** Schedules a write: now, or within AUDIT_FLUSH_MS so a burst shares one commit. */
  #writeSoon(now: boolean): void {
    if (this.#closed || this.#writing !== undefined || this.#retryMs > 0) return; // the running write or retry picks the queue up
    if (now) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#writeBatch();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#writeBatch();
      }, AUDIT_FLUSH_MS);
    }
  }

  /** Writes the oldest batch; one at a time, so the store gets events in the order recorded. */
  #writeBatch(): void {
    if (this.#writing !== undefined || this.#queue.length === 0) return;
    const batch = this.#queue.slice(0, AUDIT_BATCH_MAX);
    this.#writing = this.#store.appendAudit(batch).then(
      () => this.#onWritten(batch.length),
      () => this.#onRefused(batch.length),
    );
  }

  #onWritten(n: number): void {
    this.#writing = undefined;
    this.#queue.splice(0, n);
    this.#written += n;
    if (this.#retryMs > 0) this.#warn(`audit: the store takes events again; ${this.backlog} still waiting`);
    this.#retryMs = 0;
    this.#waiters = this.#waiters.filter((w) => {
      if (w.position > this.#written) return true;
      w.resolve();
      return false;
    });
    // Whatever was recorded meanwhile goes next, without waiting for the batching timer.
    if (this.#queue.length > 0) this.#writeBatch();
  }

  #onRefused(n: number): void {
    this.#writing = undefined;
    this.#failures++;
    if (this.#retryMs === 0) this.#warn(`audit: the store refused a batch of ${n} events; retrying (${this.backlog} waiting)`);
    this.#retryMs = this.#retryMs === 0 ? this.#retryMinMs : Math.min(this.#retryMs * 2, this.#retryMaxMs);
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#writeBatch();
    }, this.#retryMs);
    this.#timer.unref();
  }
}
