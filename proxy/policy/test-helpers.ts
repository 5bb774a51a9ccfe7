/** Test-only builders for policy inputs (not exported from index.ts). */

import type { PostureReport } from '../../shared/posture/report.ts';
import type { DecisionInput } from './types.ts';

/** 2025-06-01T12:00:00Z: the fixed "now" of policy tests. */
export const NOW = Date.parse('2025-06-01T12:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A healthy macOS report that passes every criterion of the DESIGN.md §6 example policy. */
export function postureReport(overrides: Partial<PostureReport> = {}): PostureReport {
  return {
    version: 1,
    collectedAt: new Date(NOW - 30 * SECOND).toISOString(),
    agentVersion: '0.1.0',
    hostname: 'alice-mbp',
    hardwareId: 'HW-1',
    os: { status: 'pass', platform: 'darwin', name: 'macOS', version: '14.6.1', build: '23G93', kernel: '23.6.0' },
    patch: { status: 'pass', lastUpdateAt: new Date(NOW - 3 * DAY).toISOString(), pendingSecurityUpdates: 0 },
    diskEncryption: { status: 'pass', volumes: [{ volume: '/', state: 'on', method: 'FileVault' }] },
    edr: { status: 'pass', agents: [{ vendor: 'crowdstrike', running: true }] },
    firewall: { status: 'pass' },
    screenLock: { status: 'pass', timeoutSeconds: 300 },
    ...overrides,
  };
}

/** Alice, an engineer who signed in with MFA an hour ago, on a healthy Mac in the office. */
export function decisionInput(overrides: {
  identity?: Partial<DecisionInput['identity']>;
  device?: Partial<DecisionInput['device']>;
  context?: Partial<DecisionInput['context']>;
} = {}): DecisionInput {
  return {
    identity: { user: 'alice@example.com', groups: ['engineering'], amr: ['pwd', 'otp', 'mfa'], authTime: NOW - HOUR, ...overrides.identity },
    device: { id: 'dev-1', platform: 'darwin', posture: { report: postureReport(), receivedAt: NOW - 30 * SECOND }, ...overrides.device },
    context: { source: '10.1.2.3', now: NOW, ...overrides.context },
  };
}
