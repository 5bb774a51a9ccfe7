/**
 * The reference path: stunnel as a mutual-TLS TCP tunnel, client-mode stunnel → server-mode
 * stunnel → upstream, each in its own process, foreground, with pid and log in the temp dir.
 *
 * Certificates come from the repo's own PKI, so both tunnels do the same public-key work: an
 * RSA 3072 CA, an RSA 2048 server certificate for localhost/127.0.0.1, and an RSA 2048 client
 * key with a certificate issued from its CSR exactly as a device's is. TLS 1.3 only, the server
 * requires and verifies the client certificate (verifyChain + requireCert, i.e. `verify = 2`),
 * the client verifies the server's chain and host. The cipher suite is pinned to
 * TLS_AES_128_GCM_SHA256, the suite the proxy prefers (proxy/server/tls.ts), because stunnel's
 * own default puts ChaCha20 first, which is several times slower than AES-GCM on AES-NI hardware.
 * Session resumption stays at stunnel's default (on), as a real deployment would run it.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createCsr, generateDeviceKey } from '../../agent/core/enroll/index.ts';
import { createCa, createServerCert, signDeviceCsr } from '../../proxy/pki/index.ts';
import type { Cleanup } from './cleanup.ts';
import { freePort, Service, waitForPort } from './processes.ts';

export const STUNNEL_INSTALL_HINT = 'stunnel is not installed: `apt-get install stunnel4` (Debian/Ubuntu) or `dnf install stunnel`, then run the bench again';
export const STUNNEL_CIPHERSUITE = 'TLS_AES_128_GCM_SHA256';
const CLIENT_CERT_TTL_MS = 24 * 60 * 60 * 1000;
const START_TIMEOUT_MS = 15_000;

/** The stunnel binary on PATH (`stunnel4` as Debian names it, else `stunnel`), or undefined. */
export function findStunnel(): string | undefined {
  for (const name of ['stunnel4', 'stunnel']) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir === '') continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** `stunnel 5.68 on x86_64-pc-linux-gnu platform` and the OpenSSL it runs with (stunnel prints them on stderr). */
export function stunnelVersion(bin: string): string {
  const result = spawnSync(bin, ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim();
}

function versionLine(full: string): string {
  const lines = full.split('\n').map((l) => l.trim());
  const main = lines.find((l) => /^stunnel \d/.test(l)) ?? lines[0] ?? 'unknown';
  const running = lines.find((l) => /^Running\s+with/.test(l));
  return running === undefined ? main : `${main}; ${running.replace(/\s+/g, ' ')}`;
}

interface CertFiles {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function writeCerts(dir: string): CertFiles {
  const ca = createCa({ commonName: 'Zerogate bench CA', validityDays: 2 });
  const server = createServerCert(ca, ['localhost', '127.0.0.1'], { validityDays: 1 });
  const clientKey = generateDeviceKey();
  const csr = createCsr(clientKey.privateKeyPem, { commonName: 'bench-client' });
  const client = signDeviceCsr(ca, csr, { deviceId: 'bench-stunnel-client', ttlMs: CLIENT_CERT_TTL_MS });
  const files: CertFiles = {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  };
  writeFileSync(files.ca, ca.certPem, { mode: 0o644 });
  writeFileSync(files.serverCert, server.certPem, { mode: 0o644 });
  writeFileSync(files.serverKey, server.keyPem, { mode: 0o600 });
  writeFileSync(files.clientCert, client.certPem, { mode: 0o644 });
  writeFileSync(files.clientKey, clientKey.privateKeyPem, { mode: 0o600 });
  return files;
}

function configText(role: 'server' | 'client', dir: string, accept: number, connect: number, certs: CertFiles): string {
  const common = [
    `accept = 127.0.0.1:${accept}`,
    `connect = 127.0.0.1:${connect}`,
    `CAfile = ${certs.ca}`,
    'verifyChain = yes',
    'sslVersionMin = TLSv1.3',
    'sslVersionMax = TLSv1.3',
    `ciphersuites = ${STUNNEL_CIPHERSUITE}`,
    'socket = l:TCP_NODELAY=1',
    'socket = r:TCP_NODELAY=1',
  ];
  const specific =
    role === 'server'
      ? [`cert = ${certs.serverCert}`, `key = ${certs.serverKey}`, 'requireCert = yes']
      : ['client = yes', `cert = ${certs.clientCert}`, `key = ${certs.clientKey}`, 'checkHost = localhost'];
  return [
    `; written by test/bench/stunnel.ts (${role} side of the bench tunnel)`,
    'foreground = yes',
    `pid = ${join(dir, `stunnel-${role}.pid`)}`,
    `output = ${join(dir, `stunnel-${role}.log`)}`,
    '',
    '[bench]',
    ...specific,
    ...common,
    '',
  ].join('\n');
}

export interface RunningStunnel {
  /** Where the load generator connects: the client-mode stunnel. */
  port: number;
  server: Service;
  client: Service;
  version: string;
  settings: Record<string, string | boolean>;
}

export async function startStunnel(bin: string, dir: string, upstreamPort: number, cleanup: Cleanup): Promise<RunningStunnel> {
  const certs = writeCerts(dir);
  const serverPort = await freePort();
  const clientPort = await freePort();
  const services: Service[] = [];
  for (const [role, accept, connect] of [
    ['server', serverPort, upstreamPort],
    ['client', clientPort, serverPort],
  ] as const) {
    const file = join(dir, `stunnel-${role}.conf`);
    writeFileSync(file, configText(role, dir, accept, connect, certs), { mode: 0o600 });
    const service = new Service(`stunnel-${role}`, bin, [file], cleanup);
    cleanup.add(`stunnel-${role}`, () => service.stop());
    services.push(service);
    await service.waitFor(/Configuration successful/, START_TIMEOUT_MS, 'readiness line');
    await waitForPort(accept, START_TIMEOUT_MS, `stunnel-${role}`);
  }
  const [server, client] = services as [Service, Service];
  return {
    port: clientPort,
    server,
    client,
    version: versionLine(stunnelVersion(bin)),
    settings: {
      binary: bin,
      tls: 'TLSv1.3 only',
      ciphersuite: STUNNEL_CIPHERSUITE,
      clientCertificate: 'required and verified (verifyChain = yes, requireCert = yes)',
      serverVerification: 'verifyChain = yes, checkHost = localhost',
      keys: 'RSA 3072 CA, RSA 2048 server and client (proxy/pki, agent/core/enroll)',
      sessionResume: true,
      logLevel: 'notice (stunnel default: a few lines per connection)',
    },
  };
}
