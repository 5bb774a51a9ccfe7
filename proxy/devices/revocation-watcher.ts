import type { Problem } from '../../shared/wire/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Store } from '../store/index.ts';
import type { SessionRegistry } from '../tunnel/registry.ts';

const DEVICE_REVOKED: Problem = {
  code: 'ZG_ERR_AUTH_DEVICE_REVOKED',
  reasons: ['device-revoked'],
  message: 'this device was revoked by an administrator: contact your helpdesk',
};
const SESSION_REVOKED: Problem = {
  code: 'ZG_ERR_AUTH_SESSION_REVOKED',
  reasons: ['session-revoked'],
  message: 'this session was ended (signed out or revoked): sign in again with `zerogate login`',
};

/**
 * How often the proxy looks for revocations made elsewhere without being told: the CLI writing
 * to a SQLite file from another process has no change feed, and a feed can lose a notification.
 */
export const REVOCATION_POLL_MS = 250;

/**
 * Cuts the live sessions of devices revoked anywhere: by this proxy's API, by the CLI writing to
 * the shared store, or by another node. The store's change feed (PostgreSQL LISTEN/NOTIFY)
 * triggers a check at once on `revocation` and `resync`; polling the store's revocation
 * sequence backs it up. Both read the same sequence from the same cursor, so a revocation is
 * acted on once, never missed, whatever the writers' clocks say.
 */
export class RevocationWatcher {
  readonly #store: Store;
  readonly #sessions: SessionRegistry;
  readonly #audit: AuditLog;
  /** The last revocation sequence number handled. */
  #cursor = 0;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #running: Promise<number> | undefined;
  /** A change arrived while a pass was running: run another one after it. */
  #again = false;

  constructor(store: Store, sessions: SessionRegistry, audit: AuditLog) {
    this.#store = store;
    this.#sessions = sessions;
    this.#audit = audit;
  }

  start(intervalMs = REVOCATION_POLL_MS): void {
    this.#timer ??= setInterval(() => void this.check(), intervalMs);
    this.#timer.unref();
    this.#unsubscribe ??= this.#store.subscribe((change) => {
      if (change.kind === 'revocation' || change.kind === 'resync') void this.check();
    });
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /**
   * One pass; returns how many sessions were ended. A call while a pass runs does not start a
   * second one but makes the running one look again when it ends (the revocation that
   * triggered the call may have been committed after the running pass read the store).
   */
  async check(): Promise<number> {
    if (this.#running !== undefined) {
      this.#again = true;
      return 0;
    }
    const run = this.#passes();
    this.#running = run;
    try {
      return await run;
    } finally {
      this.#running = undefined;
    }
  }

  async #passes(): Promise<number> {
    let ended = 0;
    do {
      this.#again = false;
      ended += await this.#pass();
    } while (this.#again);
    return ended;
  }

  async #pass(): Promise<number> {
    try {
      let ended = 0;
      // Page until caught up: after a restart the whole history is read at once, so a revocation
      // made now is not queued behind it.
      for (;;) {
        const revoked = await this.#store.revocationsAfter(this.#cursor);
        if (revoked.length === 0) break;
        for (const { seq, deviceId: id, sessionId } of revoked) {
          this.#cursor = seq;
          const n =
            sessionId === undefined
              ? this.#sessions.terminateDevice(id, DEVICE_REVOKED)
              : this.#sessions.terminateSession(id, sessionId, SESSION_REVOKED);
          if (n > 0) {
            ended += n;
            const reasons = sessionId === undefined ? DEVICE_REVOKED.reasons : SESSION_REVOKED.reasons;
            this.#audit.record({ type: 'session.reset', device: id, decision: 'deny', reasons: [...reasons], detail: { sessions: n, ...(sessionId === undefined ? {} : { session: sessionId }) } });
          }
        }
      }
      return ended;
    } catch {
      // Store unavailable: new access is already refused at the upgrade and on OPEN; retry next tick.
      return 0;
    }
  }
}
