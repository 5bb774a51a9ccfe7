export { EVALUATION_BUCKETS_SECONDS, ProxyMetrics } from './metrics.ts';
