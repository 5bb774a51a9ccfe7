/**
 * A tunnel's intake of CONTROL `posture` reports (DESIGN.md §3, §5): validates each untrusted
 * report, coalesces a chatty agent's reports (the newest wins, none is lost), stores it as the
 * device's latest and in its history, and hands it on for re-evaluation.
 */
import { isZerogateError } from '../../shared/errors.ts';
import { parsePostureReport } from '../../shared/posture/validate.ts';
import type { ProxyMetrics } from '../metrics/index.ts';
import type { Store } from '../store/index.ts';
import type { PostureState } from './access.ts';

/**
 * Least time between two posture reports applied for one tunnel: reports that come faster are
 * coalesced (the newest is applied when the interval has passed), never dropped.
 */
export const MIN_POSTURE_INTERVAL_MS = 250;

export interface PostureIntakeDeps {
  store: Store;
  metrics: ProxyMetrics;
  deviceId: string;
  /** A report was accepted: decide again. */
  onReport: (state: PostureState) => void;
  /** A report was refused (malformed): audit it. */
  onReject: (code: string) => void;
}

export class PostureIntake {
  readonly #deps: PostureIntakeDeps;
  #state: PostureState | undefined;
  readonly #loaded: Promise<void>;
  #lastAt = 0;
  #pending: { raw: unknown; timer: NodeJS.Timeout } | undefined;
  #closed = false;

  constructor(deps: PostureIntakeDeps) {
    this.#deps = deps;
    // Until the agent reports, decisions use the latest report on file.
    this.#loaded = deps.store.latestPosture(deps.deviceId).then(
      (record) => {
        if (record === undefined || this.#state !== undefined) return;
        try {
          this.#state = { report: parsePostureReport(record.report), receivedAt: record.receivedAt };
        } catch {
          // A stored report this version cannot read counts as none.
        }
      },
      () => undefined,
    );
  }

  /** The device's latest posture as this tunnel knows it. */
  get state(): PostureState | undefined {
    return this.#state;
  }

  /** Resolves once the report on file (if any) has been read. */
  loaded(): Promise<void> {
    return this.#loaded;
  }

  /** Takes one CONTROL `posture` payload. */
  async receive(raw: unknown): Promise<void> {
    if (this.#closed) return;
    const now = Date.now();
    const wait = this.#lastAt + MIN_POSTURE_INTERVAL_MS - now;
    if (wait > 0) {
      if (this.#pending !== undefined) {
        this.#pending.raw = raw;
        this.#deps.metrics.postureReports.inc({ result: 'coalesced' });
        return;
      }
      const timer = setTimeout(() => {
        const pending = this.#pending;
        this.#pending = undefined;
        if (pending !== undefined) void this.receive(pending.raw);
      }, wait);
      timer.unref();
      this.#pending = { raw, timer };
      return;
    }
    this.#lastAt = now;
    let report;
    try {
      report = parsePostureReport(raw);
    } catch (error) {
      this.#deps.metrics.postureReports.inc({ result: 'rejected' });
      this.#deps.onReject(isZerogateError(error) ? error.code : 'ZG_ERR_POSTURE_BAD_REPORT');
      return;
    }
    await this.#loaded;
    if (this.#closed) return;
    const state = { report, receivedAt: now };
    this.#state = state;
    this.#deps.metrics.postureReports.inc({ result: 'stored' });
    try {
      await this.#deps.store.savePosture({ deviceId: this.#deps.deviceId, receivedAt: now, report: report as unknown as Record<string, unknown> });
    } catch {
      // Decisions use the report in memory; the store catches up with the next one.
    }
    this.#deps.onReport(state);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#pending?.timer);
    this.#pending = undefined;
  }
}
