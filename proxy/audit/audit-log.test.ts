import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isZerogateError } from '../../shared/errors.ts';
import { SqliteStore } from '../store/sqlite.ts';
import type { AuditEvent, Store } from '../store/types.ts';
import { AUDIT_BATCH_MAX, AuditLog } from './audit-log.ts';

/**
 * A real SQLite store whose audit writes can be cut, as a PostgreSQL restart cuts them: while
 * `down`, appendAudit rejects without writing anything.
 */
function flaky(store: SqliteStore): { store: Store; down: boolean; attempts: number } {
  const state = { down: false, attempts: 0, store: undefined as unknown as Store };
  state.store = new Proxy(store, {
    get(target, key) {
      if (key === 'appendAudit') {
        return (events: readonly AuditEvent[]) => {
          state.attempts++;
          return state.down ? Promise.reject(new Error('connection refused')) : target.appendAudit(events);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return state;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every `audit.test` event in the store, oldest first, as their `n`. */
async function storedNumbers(store: Store): Promise<number[]> {
  const events = await store.queryAudit({ type: 'audit.test', limit: 1000 });
  return events.reverse().map((e) => e.detail?.n as number);
}

describe('AuditLog', () => {
  let dir: string;
  let sqlite: SqliteStore;
  let warnings: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zg-audit-'));
    sqlite = SqliteStore.open(join(dir, 'zerogate.db'));
    warnings = [];
  });
  afterEach(async () => {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = { warn: (line: string) => warnings.push(line), retryMinMs: 10, retryMaxMs: 40, durableTimeoutMs: 300 };

  it('keeps the events recorded while the store is down and writes them, in order, when it is back', async () => {
    const link = flaky(sqlite);
    const audit = new AuditLog(link.store, 'none', options);
    link.down = true;
    for (let n = 0; n < 5; n++) audit.record({ type: 'audit.test', detail: { n } });
    await sleep(150);
    expect(link.attempts).toBeGreaterThan(1); // retried, not given up
    expect(audit.failures).toBeGreaterThan(0);
    expect(audit.backlog).toBe(5);
    expect(await storedNumbers(sqlite)).toEqual([]);
    const flushed = await audit.flush(50).then(() => 'durable', (e: unknown) => (isZerogateError(e, 'ZG_ERR_STORE_UNAVAILABLE') ? 'unavailable' : e));
    expect(flushed).toBe('unavailable');
    expect(warnings.some((w) => /refused a batch/.test(w))).toBe(true);

    for (let n = 5; n < 8; n++) audit.record({ type: 'audit.test', detail: { n } });
    link.down = false;
    await audit.flush(2_000);
    expect(await storedNumbers(sqlite)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(audit.backlog).toBe(0);
    expect(warnings.some((w) => /takes events again/.test(w))).toBe(true);
    await audit.close();
  });

  it('recordDurable resolves only once the event is in the store, and waits out a short outage', async () => {
    const link = flaky(sqlite);
    const audit = new AuditLog(link.store, 'none', { ...options, durableTimeoutMs: 2_000 });
    await audit.recordDurable({ type: 'audit.test', detail: { n: 1 } });
    expect(await storedNumbers(sqlite)).toEqual([1]);

    link.down = true;
    let done = false;
    const pending = audit.recordDurable({ type: 'audit.test', detail: { n: 2 } }).then(() => (done = true));
    await sleep(100);
    expect(done).toBe(false);
    link.down = false;
    await pending;
    expect(await storedNumbers(sqlite)).toEqual([1, 2]);
    await audit.close();
  });

  it('recordDurable fails with ZG_ERR_STORE_UNAVAILABLE when the store stays down, and the event is still written later', async () => {
    const link = flaky(sqlite);
    const audit = new AuditLog(link.store, 'none', options);
    link.down = true;
    const error = await audit.recordDurable({ type: 'audit.test', detail: { n: 1 } }).catch((e: unknown) => e);
    expect(isZerogateError(error, 'ZG_ERR_STORE_UNAVAILABLE')).toBe(true);
    link.down = false;
    await audit.flush(2_000);
    expect(await storedNumbers(sqlite)).toEqual([1]);
    await audit.close();
  });

  it('bounds the backlog: keeps the oldest, refuses and counts the rest, and stops accepting (fail closed) until the store is back', async () => {
    const link = flaky(sqlite);
    const audit = new AuditLog(link.store, 'none', { ...options, backlogMax: 5 });
    link.down = true;
    const queued = Array.from({ length: 8 }, (_, n) => audit.record({ type: 'audit.test', detail: { n } }));
    expect(queued).toEqual([true, true, true, true, true, false, false, false]);
    expect(audit.dropped).toBe(3);
    expect(audit.accepting).toBe(false);
    expect(warnings.some((w) => /backlog full/.test(w))).toBe(true);
    const refused = await audit.recordDurable({ type: 'audit.test', detail: { n: 99 } }).catch((e: unknown) => e);
    expect(isZerogateError(refused, 'ZG_ERR_STORE_UNAVAILABLE')).toBe(true);

    link.down = false;
    await audit.flush(2_000);
    expect(await storedNumbers(sqlite)).toEqual([0, 1, 2, 3, 4]);
    expect(audit.accepting).toBe(true);
    expect(audit.record({ type: 'audit.test', detail: { n: 8 } })).toBe(true);
    await audit.flush();
    expect(await storedNumbers(sqlite)).toEqual([0, 1, 2, 3, 4, 8]);
    await audit.close();
  });

  it('writes more than one batch in the order recorded', async () => {
    const audit = new AuditLog(sqlite, 'none', options);
    const total = AUDIT_BATCH_MAX + 300;
    for (let n = 0; n < total; n++) audit.record({ type: 'audit.test', detail: { n } });
    await audit.flush(5_000);
    const numbers = await storedNumbers(sqlite);
    expect(numbers).toEqual(Array.from({ length: total }, (_, n) => n).slice(-1000));
    await audit.close();
  });
});
