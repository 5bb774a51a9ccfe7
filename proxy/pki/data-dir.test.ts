import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCa, type CaKeyPair } from './ca.ts';
import { DAY_MS } from './constants.ts';
import { initPki, loadPki, pkiPaths } from './data-dir.ts';
import { fingerprint } from './fingerprint.ts';
import { createServerCert } from './server-cert.ts';
import { signDeviceCsr } from './sign-csr.ts';
import { expectZgRejection, makeCsr } from './test-helpers.ts';

const HOSTS = ['localhost', '127.0.0.1', '::1'];
const NOW = new Date('2030-06-01T12:00:00Z');

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const paths = pkiPaths(dir);
  const entries = await Promise.all(Object.entries(paths).map(async ([name, path]) => [name, await readFile(path, 'utf8')] as const));
  return Object.fromEntries(entries);
}

describe('initPki and loadPki', { timeout: 60_000 }, () => {
  let root: string;
  let dir: string;
  let sharedCa: CaKeyPair;
  // RSA 3072 generation takes ~0.5 s here: tests that are not about creating the CA start
  // from this one, seeded as a previous run would have left it.
  beforeAll(() => {
    sharedCa = createCa({ now: NOW });
  });
  async function seedCa(): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(pkiPaths(dir).caKey, sharedCa.keyPem, { mode: 0o600 });
    await writeFile(pkiPaths(dir).caCert, sharedCa.certPem);
  }
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'zerogate-pki-'));
    dir = join(root, 'data', 'proxy');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the dir 0700, keys 0600, certificates 0644, and a server chain of leaf then CA', async () => {
    const result = await initPki(dir, HOSTS, { now: NOW });
    expect(result.created).toBe(true);
    expect(result.serverCertIssued).toBe(true);
    const paths = pkiPaths(dir);
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(paths.caKey)).toBe(0o600);
    expect(await mode(paths.serverKey)).toBe(0o600);
    expect(await mode(paths.caCert)).toBe(0o644);
    expect(await mode(paths.serverCert)).toBe(0o644);
    expect((await readdir(dir)).sort()).toEqual(['ca.key', 'ca.pem', 'server.key', 'server.pem']);

    const files = await snapshot(dir);
    expect(result.caFingerprint).toBe(fingerprint(files['caCert'] ?? ''));
    const chain = files['serverCert'] ?? '';
    expect(chain.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect(chain.endsWith(files['caCert'] ?? '')).toBe(true);
    const leaf = new X509Certificate(chain);
    const caCert = new X509Certificate(files['caCert'] ?? '');
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('::1')).toBe('::1');
  });

  it('is idempotent: a second run keeps every file byte for byte', async () => {
    await seedCa();
    const first = await initPki(dir, HOSTS, { now: NOW });
    const before = await snapshot(dir);
    const mtime = (await stat(pkiPaths(dir).serverCert)).mtimeMs;
    const second = await initPki(dir, [...HOSTS].reverse(), { now: new Date(NOW.getTime() + 100 * DAY_MS) });
    expect(second).toEqual({ created: false, serverCertIssued: false, caFingerprint: first.caFingerprint });
    expect(await snapshot(dir)).toEqual(before);
    expect((await stat(pkiPaths(dir).serverCert)).mtimeMs).toBe(mtime);
  });

  it('keeps the CA and re-issues the server certificate when a hostname is added', async () => {
    await seedCa();
    const first = await initPki(dir, HOSTS, { now: NOW });
    const before = await snapshot(dir);
    const second = await initPki(dir, [...HOSTS, 'proxy.example.com'], { now: NOW });
    expect(second).toEqual({ created: false, serverCertIssued: true, caFingerprint: first.caFingerprint });
    const after = await snapshot(dir);
    expect(after['caCert']).toBe(before['caCert']);
    expect(after['caKey']).toBe(before['caKey']);
    expect(after['serverKey']).not.toBe(before['serverKey']);
    expect(new X509Certificate(after['serverCert'] ?? '').checkHost('proxy.example.com')).toBe('proxy.example.com');
    // A subset of the names is still covered.
    expect((await initPki(dir, ['localhost'], { now: NOW })).serverCertIssued).toBe(false);
  });

  it('re-issues the server certificate within 30 days of its expiry, not before', async () => {
    await seedCa();
    await initPki(dir, HOSTS, { now: NOW });
    expect((await initPki(dir, HOSTS, { now: new Date(NOW.getTime() + 366 * DAY_MS) })).serverCertIssued).toBe(false);
    const late = new Date(NOW.getTime() + 368 * DAY_MS);
    expect((await initPki(dir, HOSTS, { now: late })).serverCertIssued).toBe(true);
    const leaf = new X509Certificate(await readFile(pkiPaths(dir).serverCert, 'utf8'));
    expect(Date.parse(leaf.validTo)).toBe(late.getTime() + 397 * DAY_MS);
  });

  it('re-issues a server certificate that is missing, from another CA, or does not match its key', async () => {
    await seedCa();
    await initPki(dir, HOSTS, { now: NOW });
    const paths = pkiPaths(dir);
    await rm(paths.serverCert);
    expect((await initPki(dir, HOSTS, { now: NOW })).serverCertIssued).toBe(true);

    const foreign = createServerCert(createCa({ now: NOW }), HOSTS, { now: NOW });
    await writeFile(paths.serverCert, foreign.certPem);
    await writeFile(paths.serverKey, foreign.keyPem);
    expect((await initPki(dir, HOSTS, { now: NOW })).serverCertIssued).toBe(true);

    await writeFile(paths.serverKey, makeCsr().privateKeyPem);
    expect((await initPki(dir, HOSTS, { now: NOW })).serverCertIssued).toBe(true);
    await expect(loadPki(dir)).resolves.toBeDefined();
  });

  it('replaces the CA with force', async () => {
    const first = await initPki(dir, HOSTS, { now: NOW });
    const forced = await initPki(dir, HOSTS, { now: NOW, force: true });
    expect(forced.created).toBe(true);
    expect(forced.serverCertIssued).toBe(true);
    expect(forced.caFingerprint).not.toBe(first.caFingerprint);
    expect((await loadPki(dir)).caFingerprint).toBe(forced.caFingerprint);
  });

  it('tightens an existing data dir that others can read', async () => {
    await seedCa();
    await chmod(dir, 0o755);
    await initPki(dir, HOSTS, { now: NOW });
    expect(await mode(dir)).toBe(0o700);
  });

  it('replaces a ca.key left without ca.pem (an interrupted first run)', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(pkiPaths(dir).caKey, 'half of a first run');
    const result = await initPki(dir, HOSTS, { now: NOW });
    expect(result.created).toBe(true);
    await expect(loadPki(dir)).resolves.toBeDefined();
  });

  it('refuses to replace a CA whose key is missing (ZG_ERR_PKI_NOT_INITIALIZED)', async () => {
    await seedCa();
    await initPki(dir, HOSTS, { now: NOW });
    const caPem = await readFile(pkiPaths(dir).caCert, 'utf8');
    await rm(pkiPaths(dir).caKey);
    const error = await expectZgRejection(initPki(dir, HOSTS, { now: NOW }), 'ZG_ERR_PKI_NOT_INITIALIZED');
    expect(error.message).toContain(dir);
    expect(await readFile(pkiPaths(dir).caCert, 'utf8')).toBe(caPem);
  });

  it('refuses a corrupt CA (ZG_ERR_PKI_CA_INVALID)', async () => {
    await seedCa();
    await initPki(dir, HOSTS, { now: NOW });
    await writeFile(pkiPaths(dir).caKey, makeCsr().privateKeyPem);
    await expectZgRejection(initPki(dir, HOSTS, { now: NOW }), 'ZG_ERR_PKI_CA_INVALID');
    await expectZgRejection(loadPki(dir), 'ZG_ERR_PKI_CA_INVALID');
  });

  it('leaves no temporary files behind', async () => {
    await seedCa();
    await initPki(dir, HOSTS, { now: NOW });
    await initPki(dir, [...HOSTS, 'proxy.example.com'], { now: NOW });
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('validates hostnames before touching the disk', async () => {
    await expect(initPki(dir, ['not a host'])).rejects.toThrow(TypeError);
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(initPki('', HOSTS)).rejects.toThrow(TypeError);
  });

  it('loads what initPki wrote, ready to sign device certificates', async () => {
    await seedCa();
    const result = await initPki(dir, HOSTS, { now: NOW });
    const files = await snapshot(dir);
    const pki = await loadPki(dir);
    expect(pki.caFingerprint).toBe(result.caFingerprint);
    expect(pki.ca.certPem).toBe(files['caCert']);
    expect(pki.ca.keyPem).toBe(files['caKey']);
    expect(pki.server).toEqual({ certPem: files['serverCert'], keyPem: files['serverKey'] });
    expect(pki.ca.cert.subject.getField('CN')?.value).toBe('Zerogate device CA');
    expect(pki.ca.key.n.bitLength()).toBe(3072);
    const issued = signDeviceCsr(pki.ca, makeCsr().csrPem, { deviceId: 'device-0000001', ttlMs: DAY_MS, now: NOW });
    expect(new X509Certificate(issued.certPem).checkIssued(new X509Certificate(pki.ca.certPem))).toBe(true);
  });

  it('gives ZG_ERR_PKI_NOT_INITIALIZED for an empty or missing dir, naming the dir and files', async () => {
    const missing = await expectZgRejection(loadPki(dir), 'ZG_ERR_PKI_NOT_INITIALIZED');
    expect(missing.message).toContain(dir);
    expect(missing.detail).toMatchObject({ missing: ['ca.pem', 'ca.key', 'server.pem', 'server.key'] });
    expect(missing.statusCode).toBe(500);
    await mkdir(dir, { recursive: true });
    await expectZgRejection(loadPki(dir), 'ZG_ERR_PKI_NOT_INITIALIZED');
  });

  it('names only the missing file, and never key material', async () => {
    await seedCa();
    await initPki(dir, HOSTS, { now: NOW });
    const key = await readFile(pkiPaths(dir).serverKey, 'utf8');
    await rm(pkiPaths(dir).serverKey);
    const error = await expectZgRejection(loadPki(dir), 'ZG_ERR_PKI_NOT_INITIALIZED');
    expect(error.detail).toMatchObject({ missing: ['server.key'] });
    expect(error.message).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(error.detail)).not.toContain(key.slice(40, 80));
  });

  it('refuses a server certificate that does not match its key (ZG_ERR_PKI_BAD_CERT)', async () => {
    await seedCa();
    await initPki(dir, HOSTS, { now: NOW });
    await writeFile(pkiPaths(dir).serverKey, makeCsr().privateKeyPem);
    const error = await expectZgRejection(loadPki(dir), 'ZG_ERR_PKI_BAD_CERT');
    expect(error.detail).toMatchObject({ reason: 'key-mismatch' });
    expect(error.message).not.toContain('PRIVATE KEY');
  });
});
