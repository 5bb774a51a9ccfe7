import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditEvent, Store } from '../store/index.ts';

export type AuditSink = 'stdout' | 'none' | (string & {});

/** Events are written to the store in batches, one transaction each, at least this often... */
export const AUDIT_FLUSH_MS = 20;
/** ...or as soon as this many are waiting. */
export const AUDIT_BATCH_MAX = 500;

/**
 * The append-only audit trail (DESIGN.md §8): every event goes to the store (queryable) and, as
 * one JSON line, to stdout or a file for a SIEM. Events carry codes, ids and reasons, never a
 * token, key or password. `record` never throws; store writes are batched (one commit per batch
 * rather than per event) and `flush` waits until every event recorded so far is durable.
 */
export class AuditLog {
  readonly #store: Store;
  readonly #out: WriteStream | NodeJS.WriteStream | undefined;
  readonly #pending = new Set<Promise<void>>();
  #queue: AuditEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(store: Store, sink: AuditSink) {
    this.#store = store;
    if (sink === 'none') this.#out = undefined;
    else if (sink === 'stdout') this.#out = process.stdout;
    else this.#out = createWriteStream(sink, { flags: 'a', mode: 0o600 });
  }

  /** Events the store refused so far (exposed for readiness and metrics). */
  get failures(): number {
    return this.#failures;
  }

  record(event: Omit<AuditEvent, 'time' | 'id'> & { time?: number }): void {
    const full: AuditEvent = { ...event, time: event.time ?? Date.now() };
    this.#out?.write(`${JSON.stringify({ ...full, time: new Date(full.time).toISOString(), audit: true })}\n`);
    this.#queue.push(full);
    if (this.#queue.length >= AUDIT_BATCH_MAX) this.#writeBatch();
    else this.#timer ??= setTimeout(() => this.#writeBatch(), AUDIT_FLUSH_MS);
  }

  async flush(): Promise<void> {
    this.#writeBatch();
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    const out = this.#out;
    if (out !== undefined && out !== process.stdout) {
      await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
    }
  }

  #writeBatch(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    const write = this.#store.appendAudit(batch).then(
      () => undefined,
      () => {
        this.#failures += batch.length;
      },
    );
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
  }
}
