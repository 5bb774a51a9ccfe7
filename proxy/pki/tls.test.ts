/**
 * The PKI through a real TLS handshake: the proxy's server certificate and chain, device
 * certificates as TLS client certificates, and what the tunnel endpoint reads from the peer.
 */
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, type CaKeyPair, type CertKeyPair } from './ca.ts';
import { DAY_MS } from './constants.ts';
import { deviceIdFromX509 } from './device-cert.ts';
import { createServerCert } from './server-cert.ts';
import { signDeviceCsr } from './sign-csr.ts';
import { makeCsr } from './test-helpers.ts';

interface PeerResult {
  authorized: boolean;
  authorizationError: string | undefined;
  deviceId: string | undefined;
}

describe('TLS with the Zerogate PKI', { timeout: 30_000 }, () => {
  let ca: CaKeyPair;
  let server: tls.Server;
  let port: number;
  let device: CertKeyPair;
  let results: PeerResult[];

  function issueDevice(issuer: CaKeyPair, deviceId: string, options: { ttlMs?: number; now?: Date } = {}): CertKeyPair {
    const csr = makeCsr();
    const issued = signDeviceCsr(issuer, csr.csrPem, { deviceId, ttlMs: options.ttlMs ?? DAY_MS, now: options.now });
    return { certPem: issued.certPem, keyPem: csr.privateKeyPem };
  }

  /** Connects as a device; resolves with what the server saw and whether the client trusted it. */
  async function connect(
    client: CertKeyPair | undefined,
    options: tls.ConnectionOptions = {},
  ): Promise<{ peer: PeerResult; serverTrusted: boolean; error?: Error }> {
    const before = results.length;
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: [ca.certPem],
      ...(client === undefined ? {} : { key: client.keyPem, cert: client.certPem }),
      ...options,
    });
    try {
      await once(socket, 'secureConnect');
    } catch (error) {
      return { peer: { authorized: false, authorizationError: undefined, deviceId: undefined }, serverTrusted: false, error: error as Error };
    }
    const serverTrusted = socket.authorized;
    // The server ends the connection once it has recorded the peer.
    await once(socket, 'close');
    const peer = results[before];
    if (peer === undefined) throw new Error('the server saw no connection');
    return { peer, serverTrusted };
  }

  beforeAll(async () => {
    ca = createCa();
    const serverPair = createServerCert(ca, ['localhost', '127.0.0.1', '::1']);
    device = issueDevice(ca, 'device-tls-0001');
    results = [];
    server = tls.createServer(
      {
        key: serverPair.keyPem,
        cert: serverPair.certPem + ca.certPem,
        ca: [ca.certPem],
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      },
      (socket) => {
        const peer = socket.getPeerX509Certificate();
        results.push({
          authorized: socket.authorized,
          authorizationError: socket.authorizationError?.toString(),
          deviceId: peer === undefined ? undefined : deviceIdFromX509(peer),
        });
        socket.end();
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  it('authorizes a device certificate issued by the CA, and the client trusts the server (TLS 1.3)', async () => {
    const { peer, serverTrusted } = await connect(device);
    expect(serverTrusted).toBe(true);
    expect(peer).toEqual({ authorized: true, authorizationError: undefined, deviceId: 'device-tls-0001' });
  });

  it('does the same over TLS 1.2', async () => {
    const { peer, serverTrusted } = await connect(device, { maxVersion: 'TLSv1.2' });
    expect(serverTrusted).toBe(true);
    expect(peer.authorized).toBe(true);
    expect(peer.deviceId).toBe('device-tls-0001');
  });

  it('does not authorize a device certificate from another CA', async () => {
    const stranger = issueDevice(createCa(), 'device-tls-0002');
    const { peer } = await connect(stranger);
    expect(peer.authorized).toBe(false);
    expect(peer.authorizationError).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // The id is still readable: the tunnel must check `authorized` first.
    expect(peer.deviceId).toBe('device-tls-0002');
  });

  it('does not authorize an expired device certificate', async () => {
    const expired = issueDevice(ca, 'device-tls-0003', { ttlMs: DAY_MS, now: new Date(Date.now() - 3 * DAY_MS) });
    const { peer } = await connect(expired);
    expect(peer.authorized).toBe(false);
    expect(peer.authorizationError).toBe('CERT_HAS_EXPIRED');
  });

  it('does not authorize a server certificate presented as a client certificate (no clientAuth)', async () => {
    const serverAsClient = createServerCert(ca, ['laptop.example.com']);
    const { peer } = await connect(serverAsClient);
    expect(peer.authorized).toBe(false);
    expect(peer.authorizationError).toBe('INVALID_PURPOSE');
    expect(peer.deviceId).toBeUndefined();
  });

  it('sees no device when the client presents no certificate', async () => {
    const { peer } = await connect(undefined);
    expect(peer.authorized).toBe(false);
    expect(peer.deviceId).toBeUndefined();
  });

  it('serves the chain so a client pinning only the CA verifies the server, and names are checked', async () => {
    const wrongName = await connect(device, { servername: 'evil.example.com' });
    expect(wrongName.error?.message).toMatch(/does not match|Hostname\/IP/);
    const byIp = await connect(device, { servername: undefined, host: '127.0.0.1' });
    expect(byIp.serverTrusted).toBe(true);
  });

  it('is refused by a client that trusts another CA', async () => {
    const result = await connect(device, { ca: [createCa().certPem] });
    expect(result.error).toBeDefined();
    // The server sends its chain, ending in our self-signed CA, which this client does not trust.
    expect((result.error as NodeJS.ErrnoException).code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  });
});
