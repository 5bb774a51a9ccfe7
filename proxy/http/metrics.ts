/** Prometheus counters of the HTTP gateway (app ids and counts only: no identity). */
import { Counter, Histogram, type Registry } from 'prom-client';

export class HttpMetrics {
  readonly requests: Counter<'app' | 'status'>;
  readonly refusals: Counter<'app' | 'code'>;
  readonly upstreamErrors: Counter<'app'>;
  readonly duration: Histogram<'app'>;
  readonly bytes: Counter<'app' | 'direction'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: 'zerogate_http_requests_total', help: 'HTTP requests to HTTP-aware apps, by app and status class (2xx, 3xx, 4xx, 5xx).', labelNames: ['app', 'status'], registers });
    this.refusals = new Counter({ name: 'zerogate_http_refusals_total', help: 'HTTP requests the proxy refused itself (rate limit, validation, block, body too large, upstream failure), by app and error code.', labelNames: ['app', 'code'], registers });
    this.upstreamErrors = new Counter({ name: 'zerogate_http_upstream_errors_total', help: 'HTTP requests the app did not answer (refused, reset, timed out), by app.', labelNames: ['app'], registers });
    this.duration = new Histogram({ name: 'zerogate_http_request_seconds', help: 'Time from a request to the end of its response, by app.', labelNames: ['app'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
    this.bytes = new Counter({ name: 'zerogate_http_bytes_total', help: 'HTTP body bytes through HTTP-aware apps, by app and direction (to-app, from-app).', labelNames: ['app', 'direction'], registers });
  }

  statusClass(status: number): string {
    return `${Math.floor(status / 100)}xx`;
  }
}
