import { describe, expect, it } from 'vitest';
import { benchEvaluate } from './bench.ts';

// Not a performance test (targets live in `npm run bench`): only the probe's contract.
describe('benchEvaluate', () => {
  it('returns percentiles in microseconds for the harness', () => {
    const result = benchEvaluate(200);
    expect(result.iterations).toBe(200);
    expect(Number.isFinite(result.p50Us) && result.p50Us > 0).toBe(true);
    expect(result.p99Us).toBeGreaterThanOrEqual(result.p50Us);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %s iterations', (iterations) => {
    expect(() => benchEvaluate(iterations)).toThrow(TypeError);
  });
});
