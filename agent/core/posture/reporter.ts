/**
 * Sends this device's posture to the proxy over the tunnel (CONTROL `posture`, DESIGN.md §5):
 * as soon as the tunnel connects, every {@link POSTURE_SEND_INTERVAL_MS} after that, and at once
 * when a check's status changes. Collections run every {@link POSTURE_COLLECT_INTERVAL_MS}, one
 * at a time, so a change reaches the proxy within about that long.
 */
import { POSTURE_CHECKS, type PostureReport } from '../../../shared/posture/index.ts';
import type { ControlMessage } from '../../../shared/wire/index.ts';

/** The report is sent at least this often while the tunnel is up (policies' `maxAge` allows for it). */
export const POSTURE_SEND_INTERVAL_MS = 60_000;
/** The posture is collected again this long after the previous collection ended. */
export const POSTURE_COLLECT_INTERVAL_MS = 15_000;

/** The part of the tunnel client the reporter uses (TunnelClient). */
export interface ControlChannel {
  /** False when no tunnel is up. */
  sendControl(message: ControlMessage): boolean;
}

export interface PostureReporterOptions {
  channel: ControlChannel;
  /** Collects a report (collectPosture); a rejection is passed to `onError` and the loop goes on. */
  collect: () => Promise<PostureReport>;
  onError?: (error: unknown) => void;
  sendIntervalMs?: number;
  collectIntervalMs?: number;
}

function interval(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 2_147_483_647) throw new TypeError(`PostureReporter: ${name} must be a whole number of milliseconds`);
  return value;
}

/** Whether any check's status differs between two reports. */
export function postureStatusChanged(before: PostureReport, after: PostureReport): boolean {
  return POSTURE_CHECKS.some((check) => before[check].status !== after[check].status);
}

export class PostureReporter {
  readonly #channel: ControlChannel;
  readonly #collect: () => Promise<PostureReport>;
  readonly #onError: (error: unknown) => void;
  readonly #sendIntervalMs: number;
  readonly #collectIntervalMs: number;
  #latest: PostureReport | undefined;
  #collecting = false;
  #collectTimer: NodeJS.Timeout | undefined;
  #sendTimer: NodeJS.Timeout | undefined;
  /** The tunnel connected before there was a report: send the first one as soon as it exists. */
  #sendWhenReady = false;
  #running = false;

  constructor(options: PostureReporterOptions) {
    this.#channel = options.channel;
    this.#collect = options.collect;
    this.#onError = options.onError ?? (() => undefined);
    this.#sendIntervalMs = interval('sendIntervalMs', options.sendIntervalMs, POSTURE_SEND_INTERVAL_MS);
    this.#collectIntervalMs = interval('collectIntervalMs', options.collectIntervalMs, POSTURE_COLLECT_INTERVAL_MS);
  }

  /** The last collected report. */
  get latest(): PostureReport | undefined {
    return this.#latest;
  }

  /** Starts collecting (the first collection at once) and the periodic sends. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#armSendTimer();
    this.#collectNow();
  }

  /** The tunnel is up: send the latest report now, or the first one as soon as it is collected. */
  connected(): void {
    if (!this.#running) return;
    if (this.#latest === undefined || !this.#send(this.#latest)) {
      this.#sendWhenReady = true;
      this.#collectNow();
    }
  }

  stop(): void {
    this.#running = false;
    this.#sendWhenReady = false;
    clearTimeout(this.#collectTimer);
    clearTimeout(this.#sendTimer);
    this.#collectTimer = undefined;
    this.#sendTimer = undefined;
  }

  #collectNow(): void {
    if (!this.#running || this.#collecting) return;
    clearTimeout(this.#collectTimer);
    this.#collectTimer = undefined;
    this.#collecting = true;
    void this.#collectOnce().finally(() => {
      this.#collecting = false;
      if (!this.#running) return;
      this.#collectTimer = setTimeout(() => this.#collectNow(), this.#collectIntervalMs);
      this.#collectTimer.unref?.();
    });
  }

  async #collectOnce(): Promise<void> {
    let report: PostureReport;
    try {
      report = await this.#collect();
    } catch (error) {
      this.#onError(error);
      return;
    }
    if (!this.#running) return;
    const previous = this.#latest;
    this.#latest = report;
    if (this.#sendWhenReady || (previous !== undefined && postureStatusChanged(previous, report))) this.#send(report);
  }

  /** Sends a report; a sent report restarts the periodic timer. */
  #send(report: PostureReport): boolean {
    let sent: boolean;
    try {
      sent = this.#channel.sendControl({ type: 'posture', report });
    } catch (error) {
      this.#onError(error);
      return false;
    }
    if (sent) {
      this.#sendWhenReady = false;
      this.#armSendTimer();
    }
    return sent;
  }

  #armSendTimer(): void {
    clearTimeout(this.#sendTimer);
    if (!this.#running) return;
    this.#sendTimer = setTimeout(() => {
      this.#sendTimer = undefined;
      if (this.#latest === undefined || !this.#send(this.#latest)) this.#armSendTimer();
    }, this.#sendIntervalMs);
    this.#sendTimer.unref?.();
  }
}
