/**
 * The proxy's Prometheus metrics (DESIGN.md §7, `GET /metrics`): access decisions by app, result
 * and reason, live sessions and streams, bytes carried, and how long policy evaluation takes.
 * One registry per proxy (not prom-client's global one), so several proxies in one process
 * (tests) do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Policy evaluation is microseconds: buckets from 1 µs to 10 ms. */
export const EVALUATION_BUCKETS_SECONDS = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3, 1e-2];

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly decisions: Counter<'app' | 'result' | 'reason'>;
  readonly sessions: Gauge;
  readonly streams: Gauge;
  readonly bytes: Counter<'direction'>;
  readonly evaluation: Histogram;
  readonly resets: Counter<'reason'>;
  readonly postureReports: Counter<'result'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.decisions = new Counter({
      name: 'zerogate_decisions_total',
      help: 'Access decisions on stream opens and re-evaluations, by app, result (allow, deny, would-deny) and reason ("" when allowed).',
      labelNames: ['app', 'result', 'reason'],
      registers,
    });
    this.sessions = new Gauge({ name: 'zerogate_sessions', help: 'Live tunnel sessions on this node.', registers });
    this.streams = new Gauge({ name: 'zerogate_streams', help: 'Live streams on this node.', registers });
    this.bytes = new Counter({ name: 'zerogate_bytes_total', help: 'Bytes carried through streams, by direction (to-app, from-app).', labelNames: ['direction'], registers });
    this.evaluation = new Histogram({ name: 'zerogate_policy_evaluation_seconds', help: 'Time to evaluate one access decision.', buckets: EVALUATION_BUCKETS_SECONDS, registers });
    this.resets = new Counter({ name: 'zerogate_stream_resets_total', help: 'Live streams reset by continuous verification, by reason.', labelNames: ['reason'], registers });
    this.postureReports = new Counter({ name: 'zerogate_posture_reports_total', help: 'Posture reports received, by result (stored, coalesced into a later one, rejected as malformed).', labelNames: ['result'], registers });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'zerogate_' });
  }

  /** Counts one decision: each reason of a denial separately, an allow once with reason "". */
  decision(app: string, result: 'allow' | 'deny' | 'would-deny', reasons: readonly string[]): void {
    if (reasons.length === 0) this.decisions.inc({ app, result, reason: '' });
    for (const reason of reasons) this.decisions.inc({ app, result, reason });
  }
}
