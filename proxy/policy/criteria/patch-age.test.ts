import { describe, expect, it } from 'vitest';
import type { PatchCheck } from '../../../shared/posture/report.ts';
import { DAY, HOUR, NOW, postureReport } from '../test-helpers.ts';
import { checkPatchAge } from './patch-age.ts';

function patch(fields: Partial<PatchCheck>) {
  return postureReport({ patch: { status: 'pass', lastUpdateAt: undefined, pendingSecurityUpdates: undefined, ...fields } });
}

describe('checkPatchAge', () => {
  it('passes an update installed within maxPatchAgeDays with nothing pending', () => {
    const last = new Date(NOW - 29 * DAY - HOUR).toISOString();
    expect(checkPatchAge(patch({ lastUpdateAt: last, pendingSecurityUpdates: 0 }), NOW, 30)).toEqual({
      pass: true,
      reasons: [],
      data: { lastUpdateAt: last, patchAgeDays: 29, maxPatchAgeDays: 30, pendingSecurityUpdates: 0 },
    });
  });

  it('fails an update older than maxPatchAgeDays', () => {
    const last = new Date(NOW - 45 * DAY).toISOString();
    expect(checkPatchAge(patch({ lastUpdateAt: last, pendingSecurityUpdates: 0 }), NOW, 30)).toEqual({
      pass: false,
      reasons: ['patch-outdated'],
      data: { lastUpdateAt: last, patchAgeDays: 45, maxPatchAgeDays: 30, pendingSecurityUpdates: 0 },
    });
  });

  it('fails pending security updates, however recent the last update', () => {
    const last = new Date(NOW - DAY).toISOString();
    expect(checkPatchAge(patch({ lastUpdateAt: last, pendingSecurityUpdates: 3 }), NOW, 30)).toEqual({
      pass: false,
      reasons: ['patch-outdated'],
      data: { lastUpdateAt: last, patchAgeDays: 1, maxPatchAgeDays: 30, pendingSecurityUpdates: 3 },
    });
  });

  it('fails closed on an unknown or unreadable last update', () => {
    const expected = { pass: false, reasons: ['patch-outdated'], data: { lastUpdateAt: null, patchAgeDays: null, maxPatchAgeDays: 30, pendingSecurityUpdates: 0 } };
    expect(checkPatchAge(patch({ pendingSecurityUpdates: 0 }), NOW, 30)).toEqual(expected);
    expect(checkPatchAge(patch({ lastUpdateAt: 'last Tuesday', pendingSecurityUpdates: 0 }), NOW, 30)).toEqual(expected);
  });

  it('does not fail on an unknown pending count alone (most platforms cannot tell it)', () => {
    const last = new Date(NOW - DAY).toISOString();
    expect(checkPatchAge(patch({ lastUpdateAt: last, pendingSecurityUpdates: undefined }), NOW, 30)).toEqual({
      pass: true,
      reasons: [],
      data: { lastUpdateAt: last, patchAgeDays: 1, maxPatchAgeDays: 30, pendingSecurityUpdates: null },
    });
  });
});
