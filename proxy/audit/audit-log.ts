import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditEvent, Store } from '../store/index.ts';

export type AuditSink = 'stdout' | 'none' | (string & {});

/**
 * The append-only audit trail (DESIGN.md §8): every event goes to the store (queryable) and, as
 * one JSON line, to stdout or a file for a SIEM. Events carry codes, ids and reasons, never a
 * token, key or password. `record` never throws; `flush` waits until every event recorded so
 * far is durable in the store.
 */
export class AuditLog {
  readonly #store: Store;
  readonly #out: WriteStream | NodeJS.WriteStream | undefined;
  readonly #pending = new Set<Promise<void>>();
  #failures = 0;

  constructor(store: Store, sink: AuditSink) {
    this.#store = store;
    if (sink === 'none') this.#out = undefined;
    else if (sink === 'stdout') this.#out = process.stdout;
    else this.#out = createWriteStream(sink, { flags: 'a', mode: 0o600 });
  }

  /** Store write failures so far (exposed for readiness and metrics). */
  get failures(): number {
    return this.#failures;
  }

  record(event: Omit<AuditEvent, 'time' | 'id'> & { time?: number }): void {
    const full: AuditEvent = { ...event, time: event.time ?? Date.now() };
    this.#out?.write(`${JSON.stringify({ ...full, time: new Date(full.time).toISOString(), audit: true })}\n`);
    const write = this.#store.appendAudit(full).then(
      () => undefined,
      () => {
        this.#failures++;
      },
    );
    this.#pending.add(write);
    void write.finally(() => this.#pending.delete(write));
  }

  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    const out = this.#out;
    if (out !== undefined && out !== process.stdout) {
      await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
    }
  }
}
