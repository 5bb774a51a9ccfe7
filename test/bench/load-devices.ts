/**
 * The devices of the load section (load-run.ts), created in the proxy's data dir before the proxy
 * starts, through the proxy's own modules: the data dir's CA and server certificate (`initPki`,
 * as the first `serve` does), a certificate per device signed by that CA (`signDeviceCsr`, as
 * enrolment does), the device and its first session in the store (`enrollDeviceForUser`), and a
 * session token signed with the data dir's session key (`SessionService.issue`). The proxy that
 * starts afterwards on the same data dir and config accepts them as enrolled devices.
 *
 * Why not enrol through `POST /v1/enroll`: the proxy allows 20 enrolments per minute per source
 * address, and each enrolment costs an RSA key generation (~170 ms here) in the agent: 1,000
 * would take minutes. For the same reason the devices share a small pool of RSA 2048 keys
 * (`keyPool`): each device still has its own certificate (serial, device id, fingerprint),
 * session and TLS connection, and the proxy's work per handshake does not depend on which key
 * signed the client's CertificateVerify.
 */
import { generateKeyPair, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCsr } from '../../agent/core/enroll/index.ts';
import { DEVICE_KEY_BITS } from '../../agent/core/enroll/keys.ts';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { AuditLog } from '../../proxy/audit/index.ts';
import { loadConfig } from '../../proxy/config/index.ts';
import { normalizeSerial } from '../../proxy/devices/index.ts';
import { certificateThumbprint } from '../../proxy/identity/index.ts';
import { createIdentity } from '../../proxy/identity/setup.ts';
import { initPki, loadPki, signDeviceCsr } from '../../proxy/pki/index.ts';
import { STORE_FILE } from '../../proxy/server/index.ts';
import { SqliteStore } from '../../proxy/store/index.ts';

/** Device certificates outlive any bench run. */
const CERT_TTL_MS = 24 * 60 * 60_000;

export interface LoadDevices {
  devices: DeviceCredentials[];
  caFingerprint: string;
  seconds: number;
}

function generateKey(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  // The key generateDeviceKey() makes, on the thread pool so that the pool's keys come in parallel.
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: DEVICE_KEY_BITS,
        publicExponent: 0x10001,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      },
      (error, publicKeyPem, privateKeyPem) => (error === null ? resolve({ privateKeyPem, publicKeyPem }) : reject(error)),
    );
  });
}

/** A device id of the form the proxy issues (`DEVICE_ID_PATTERN`), readable in the audit trail. */
export function loadDeviceId(index: number): string {
  return `load-${String(index).padStart(5, '0')}`;
}

/**
 * Creates `count` devices of `user` in the data dir of `configFile` (whose proxy is not running).
 * Returns their credentials as an agent would hold them after enrolment.
 */
export async function createLoadDevices(input: { configFile: string; count: number; user: string; keyPool: number }): Promise<LoadDevices> {
  const started = performance.now();
  const config = loadConfig(input.configFile);
  await initPki(config.dataDir, config.server.hostnames);
  const pki = await loadPki(config.dataDir);
  const store = SqliteStore.open(join(config.dataDir, STORE_FILE));
  // Setup events go to the store only: the proxy's audit file starts with the proxy.
  const audit = new AuditLog(store, 'none');
  const identity = await createIdentity(config, store, audit);
  try {
    const keys = await Promise.all(Array.from({ length: Math.max(1, Math.min(input.keyPool, input.count)) }, () => generateKey()));
    const pool = keys.map((key) => ({ keyPem: key.privateKeyPem, csr: createCsr(key.privateKeyPem, { commonName: 'load-agent' }) }));
    const devices: DeviceCredentials[] = [];
    for (let index = 0; index < input.count; index++) {
      const { keyPem, csr } = pool[index % pool.length] as (typeof pool)[number];
      const deviceId = loadDeviceId(index);
      const now = Date.now();
      const issued = signDeviceCsr(pki.ca, csr, { deviceId, ttlMs: CERT_TTL_MS, now: new Date(now) });
      const record = identity.sessions.newRecord(deviceId, input.user, undefined, issued.notAfter.getTime());
      await store.enrollDeviceForUser(
        {
          id: deviceId,
          user: input.user,
          hostname: `load-agent-${index}`,
          createdAt: now,
          certSerial: normalizeSerial(issued.serial),
          certNotAfter: issued.notAfter.getTime(),
          certFingerprint: issued.fingerprint,
        },
        record,
      );
      const session = await identity.sessions.issue(record, certificateThumbprint(new X509Certificate(issued.certPem).raw), 'bench-setup', 'session.start');
      devices.push({
        enrollment: {
          proxyUrl: config.server.publicUrl,
          deviceId,
          user: input.user,
          caFingerprint: pki.caFingerprint,
          certNotAfter: issued.notAfter.toISOString(),
          enrolledAt: new Date(now).toISOString(),
        },
        keyPem,
        certPem: issued.certPem,
        caPem: pki.ca.certPem,
        session: { sessionId: session.sessionId, user: input.user, token: session.token, expiresAt: session.expiresAt, sessionExpiresAt: session.sessionExpiresAt },
      });
    }
    return { devices, caFingerprint: pki.caFingerprint, seconds: (performance.now() - started) / 1000 };
  } finally {
    await identity.close();
    await audit.close();
    await store.close();
  }
}
