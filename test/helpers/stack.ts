import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { certificateThumbprint } from '../../proxy/identity/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsr, generateDeviceKey } from '../../agent/core/enroll/index.ts';
import { enrollWithToken } from '../../agent/core/enroll/index.ts';
import { AgentHome, type DeviceCredentials } from '../../agent/core/state/index.ts';
import { defaultConfig, type ConfigInput } from '../../proxy/config/index.ts';
import { createEnrollmentToken, normalizeSerial, parseEnrollmentToken } from '../../proxy/devices/index.ts';
import { signDeviceCsr } from '../../proxy/pki/index.ts';
import type { IdentityOptions } from '../../proxy/identity/setup.ts';
import { startProxy, type RunningProxy } from '../../proxy/server/index.ts';

export function tempDir(prefix = 'zg-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A TCP upstream that counts connections, so tests can prove nothing reached it. */
export interface CountingServer {
  port: number;
  connections: number;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

export async function startUpstream(handler: (socket: Socket) => void, host = '127.0.0.1'): Promise<CountingServer> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    handler(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    get connections() {
      return state.connections;
    },
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  } as CountingServer;
}

export const startEchoServer = (): Promise<CountingServer> => startUpstream((socket) => socket.pipe(socket));

export interface Stack {
  proxy: RunningProxy;
  dir: string;
  /** Enrols a fresh device for `user` through the real agent code; returns its credentials. */
  enroll(user: string): Promise<DeviceCredentials & { home: AgentHome }>;
  /** Issues a device certificate directly (for expired / foreign-CA cases), recording the device. */
  issueDirect(user: string, options: { ttlMs: number; now?: Date }): Promise<DeviceCredentials>;
  close(): Promise<void>;
}

export const TEST_USER = 'alice@example.com';

/** A real proxy on an ephemeral loopback port with a fresh CA and store. */
export async function startStack(input: ConfigInput = {}, proxyOptions: { identity?: IdentityOptions } = {}): Promise<Stack> {
  const dir = tempDir();
  const config = defaultConfig(
    {
      server: { listen: '127.0.0.1:0', hostnames: ['localhost', '127.0.0.1'] },
      dataDir: join(dir, 'data'),
      audit: { file: 'none' },
      ...input,
    },
    dir,
  );
  const proxy = await startProxy({ config, ...(proxyOptions.identity === undefined ? {} : { identity: proxyOptions.identity }) });
  let n = 0;
  return {
    proxy,
    dir,
    async enroll(user) {
      const { token } = await createEnrollmentToken(proxy.store, user, 60_000);
      const home = new AgentHome(join(dir, `agent-${++n}`));
      await enrollWithToken({ proxyUrl: proxy.url, token, caFingerprint: proxy.pki.caFingerprint, home, hostname: `host-${n}` });
      const creds = home.loadCredentials();
      creds.enrollment.proxyUrl = proxy.url;
      return { ...creds, home };
    },
    async issueDirect(user, options) {
      const key = generateDeviceKey();
      const csr = createCsr(key.privateKeyPem, { commonName: 'direct' });
      const deviceId = `dev-${randomBytes(6).toString('hex')}`;
      const issued = signDeviceCsr(proxy.pki.ca, csr, { deviceId, ttlMs: options.ttlMs, now: options.now ?? new Date() });
      const { token } = await createEnrollmentToken(proxy.store, user, 60_000);
      const { id, secretHash } = parseEnrollmentToken(token);
      const { user: _fromToken, ...draft } = proxy.identity.sessions.newRecord(deviceId, '', undefined, issued.notAfter.getTime());
      const result = await proxy.store.enrollDevice({
        tokenId: id,
        secretHash,
        now: Date.now(),
        session: draft,
        device: {
          id: deviceId,
          hostname: 'direct',
          createdAt: Date.now(),
          certSerial: normalizeSerial(issued.serial),
          certNotAfter: issued.notAfter.getTime(),
          certFingerprint: issued.fingerprint,
        },
      });
      if (!result.ok) throw new Error(`direct enrolment failed: ${result.refusal}`);
      const session = await proxy.identity.sessions.issue({ ...draft, user }, certificateThumbprint(new X509Certificate(issued.certPem).raw), 'test', 'session.start');
      return {
        session: { sessionId: session.sessionId, user, token: session.token, expiresAt: session.expiresAt, sessionExpiresAt: session.sessionExpiresAt },
        enrollment: {
          proxyUrl: proxy.url,
          deviceId,
          user,
          caFingerprint: proxy.pki.caFingerprint,
          certNotAfter: issued.notAfter.toISOString(),
          enrolledAt: new Date().toISOString(),
        },
        keyPem: key.privateKeyPem,
        certPem: issued.certPem,
        caPem: proxy.pki.ca.certPem,
      };
    },
    async close() {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Polls `predicate` until true or the deadline passes. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A proxy that publishes one echo app, `echo`, for TEST_USER; `close` stops both. */
export type EchoStack = Stack & { echo: CountingServer };

export async function startEchoStack(input: ConfigInput = {}): Promise<EchoStack> {
  const echo = await startEchoServer();
  const stack = await startStack({ apps: [{ id: 'echo', upstream: `tcp://127.0.0.1:${echo.port}`, users: [TEST_USER] }], ...input });
  return {
    ...stack,
    echo,
    async close() {
      await stack.close();
      await echo.close();
    },
  };
}
