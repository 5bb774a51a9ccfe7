/** Posture reports for tests: a compliant Linux laptop, and variations of it. */
import type { PostureReport } from '../../shared/posture/index.ts';

export function compliantReport(overrides: Partial<PostureReport> = {}, now = Date.now()): PostureReport {
  return {
    version: 1,
    collectedAt: new Date(now).toISOString(),
    agentVersion: '0.1.0',
    hostname: 'laptop-1',
    hardwareId: 'hw-0001',
    os: { status: 'pass', platform: 'linux', name: 'Debian GNU/Linux', version: '12', build: undefined, kernel: '6.1.0-18-amd64' },
    patch: { status: 'pass', lastUpdateAt: new Date(now - 86_400_000).toISOString(), pendingSecurityUpdates: 0 },
    diskEncryption: { status: 'pass', volumes: [{ volume: '/', state: 'on', method: 'LUKS2' }] },
    edr: { status: 'pass', agents: [{ vendor: 'crowdstrike', running: true }] },
    firewall: { status: 'pass' },
    screenLock: { status: 'pass', timeoutSeconds: 300 },
    ...overrides,
  };
}

/** The same laptop with its disk encryption off (e.g. LUKS suspended). */
export function unencryptedReport(now = Date.now()): PostureReport {
  return compliantReport({ diskEncryption: { status: 'fail', volumes: [{ volume: '/', state: 'off' }], detail: 'root is not on a crypt device' } }, now);
}

/** The same laptop with its EDR agent stopped. */
export function edrStoppedReport(now = Date.now()): PostureReport {
  return compliantReport({ edr: { status: 'fail', agents: [{ vendor: 'crowdstrike', running: false }] } }, now);
}
