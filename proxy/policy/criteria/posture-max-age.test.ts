import { describe, expect, it } from 'vitest';
import { MINUTE, NOW, SECOND, postureReport } from '../test-helpers.ts';
import { checkPostureMaxAge } from './posture-max-age.ts';

describe('checkPostureMaxAge', () => {
  const report = postureReport();

  it('passes a report received within maxAge', () => {
    expect(checkPostureMaxAge({ report, receivedAt: NOW - 30 * SECOND }, NOW, 5 * MINUTE)).toEqual({
      pass: true,
      reasons: [],
      data: { postureAgeMs: 30 * SECOND, maxAgeMs: 5 * MINUTE },
    });
  });

  it('fails a report received longer ago as posture-stale', () => {
    expect(checkPostureMaxAge({ report, receivedAt: NOW - 6 * MINUTE }, NOW, 5 * MINUTE)).toEqual({
      pass: false,
      reasons: ['posture-stale'],
      data: { postureAgeMs: 6 * MINUTE, maxAgeMs: 5 * MINUTE },
    });
  });

  it('fails a device without a report as posture-missing', () => {
    expect(checkPostureMaxAge(undefined, NOW, 5 * MINUTE)).toEqual({
      pass: false,
      reasons: ['posture-missing'],
      data: { postureAgeMs: null, maxAgeMs: 5 * MINUTE },
    });
  });

  it('measures on the proxy clock (receivedAt), not on the agent clock (collectedAt)', () => {
    const old = postureReport({ collectedAt: new Date(NOW - 60 * MINUTE).toISOString() });
    expect(checkPostureMaxAge({ report: old, receivedAt: NOW - SECOND }, NOW, 5 * MINUTE).pass).toBe(true);
  });

  it('fails closed on an unknown receive time', () => {
    expect(checkPostureMaxAge({ report, receivedAt: Number.NaN }, NOW, 5 * MINUTE)).toEqual({
      pass: false,
      reasons: ['posture-stale'],
      data: { postureAgeMs: null, maxAgeMs: 5 * MINUTE },
    });
  });
});
