import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import { ZerogateError } from '../../shared/errors.ts';
import { createCa, type CaKeyPair, type CertKeyPair, type LoadedCa } from './ca.ts';
import { caSigner } from './ca-signer.ts';
import { ensurePrivateDirectory, writeFileAtomic } from './atomic-file.ts';
import { PKI_FILES, SERVER_RENEW_BEFORE_MS } from './constants.ts';
import { parseSubjectAltName } from './device-cert.ts';
import { fingerprint } from './fingerprint.ts';
import { ipAddressBytes, parseServerNames } from './hostnames.ts';
import { createServerCert } from './server-cert.ts';
import { checkNow } from './validate.ts';

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;

export interface InitPkiOptions {
  /**
   * Replace the CA (and so the server certificate) even if one exists. Every enrolled device
   * then fails the handshake until it enrols again.
   */
  force?: boolean;
  /** The current time (tests freeze it); default now. */
  now?: Date;
}

export interface InitPkiResult {
  /** Whether a new CA was created by this call. */
  created: boolean;
  /** Whether the server certificate was (re-)issued by this call. */
  serverCertIssued: boolean;
  /** SHA-256 of the CA certificate, for agents to pin (`--ca-fingerprint`). */
  caFingerprint: string;
}

export interface LoadedPki {
  ca: LoadedCa;
  /** `certPem` is the chain: the server certificate followed by the CA certificate. */
  server: CertKeyPair;
  caFingerprint: string;
}

/** The PKI files of a data dir. */
export function pkiPaths(dataDir: string): Record<keyof typeof PKI_FILES, string> {
  return {
    caCert: join(dataDir, PKI_FILES.caCert),
    caKey: join(dataDir, PKI_FILES.caKey),
    serverCert: join(dataDir, PKI_FILES.serverCert),
    serverKey: join(dataDir, PKI_FILES.serverKey),
  };
}

/**
 * Creates or refreshes the proxy PKI in `dataDir` (DESIGN.md §3, "Proxy start"): the dir (0700),
 * `ca.pem`, `ca.key` (0600), `server.pem` (server certificate then CA certificate, so TLS
 * sends the chain) and `server.key` (0600). Idempotent: an existing CA is kept (unless
 * `force`), and the server certificate is re-issued only when it is missing, does not match
 * its key or the CA, does not cover every hostname, or expires within 30 days. Each file is
 * written atomically; keys are written before their certificates, so an interrupted run is
 * repaired by the next one.
 *
 * Not safe against two processes initialising the same dir at once.
 */
export async function initPki(
  dataDir: string,
  hostnames: readonly string[],
  options: InitPkiOptions = {},
): Promise<InitPkiResult> {
  checkDataDir(dataDir);
  parseServerNames(hostnames);
  const nowMs = checkNow(options.now);
  const now = new Date(nowMs);
  const paths = pkiPaths(dataDir);
  await fsStep('create', dataDir, () => ensurePrivateDirectory(dataDir));

  let ca: CaKeyPair | undefined;
  if (options.force !== true) {
    const certPem = await readOptional(paths.caCert);
    const keyPem = await readOptional(paths.caKey);
    if (certPem !== undefined && keyPem === undefined) {
      throw new ZerogateError(
        'ZG_ERR_PKI_NOT_INITIALIZED',
        `${paths.caCert} exists but ${paths.caKey} is missing: restore the CA key, or create a new CA with force (every device must then enrol again)`,
        { detail: { dataDir, missing: [PKI_FILES.caKey] } },
      );
    }
    if (certPem !== undefined && keyPem !== undefined) {
      ca = { certPem, keyPem };
      caSigner(ca);
    }
    // A ca.key without ca.pem is left by a run interrupted between the two writes: no device
    // can hold a certificate from that key, so a new CA replaces it.
  }

  let created = false;
  if (ca === undefined) {
    ca = createCa({ now });
    await write(paths.caKey, ca.keyPem, KEY_MODE);
    await write(paths.caCert, ca.certPem, CERT_MODE);
    created = true;
  }

  const serverCertIssued = created || !(await serverCertIsCurrent(paths, ca, hostnames, nowMs));
  if (serverCertIssued) {
    const server = createServerCert(ca, hostnames, { now });
    await write(paths.serverKey, server.keyPem, KEY_MODE);
    await write(paths.serverCert, server.certPem + ca.certPem, CERT_MODE);
  }
  return { created, serverCertIssued, caFingerprint: fingerprint(ca.certPem) };
}

/**
 * Loads the PKI that {@link initPki} wrote. A missing file is `ZG_ERR_PKI_NOT_INITIALIZED`
 * (the message names the dir and the files); an unusable CA is `ZG_ERR_PKI_CA_INVALID`; a
 * server certificate that is unparsable or does not match its key is `ZG_ERR_PKI_BAD_CERT`.
 * Messages never contain key material.
 */
export async function loadPki(dataDir: string): Promise<LoadedPki> {
  checkDataDir(dataDir);
  const paths = pkiPaths(dataDir);
  const [caCertPem, caKeyPem, serverCertPem, serverKeyPem] = await Promise.all([
    readOptional(paths.caCert),
    readOptional(paths.caKey),
    readOptional(paths.serverCert),
    readOptional(paths.serverKey),
  ]);
  if (caCertPem === undefined || caKeyPem === undefined || serverCertPem === undefined || serverKeyPem === undefined) {
    const missing = (Object.keys(PKI_FILES) as Array<keyof typeof PKI_FILES>)
      .filter((_, i) => [caCertPem, caKeyPem, serverCertPem, serverKeyPem][i] === undefined)
      .map((name) => PKI_FILES[name]);
    throw new ZerogateError(
      'ZG_ERR_PKI_NOT_INITIALIZED',
      `no PKI in ${dataDir} (missing ${missing.join(', ')}): run \`zerogate-proxy init\``,
      { detail: { dataDir, missing } },
    );
  }

  caSigner({ certPem: caCertPem, keyPem: caKeyPem });
  const ca: LoadedCa = {
    certPem: caCertPem,
    keyPem: caKeyPem,
    cert: forge.pki.certificateFromPem(caCertPem),
    key: forge.pki.privateKeyFromPem(caKeyPem) as forge.pki.rsa.PrivateKey,
  };

  let matches: boolean;
  try {
    matches = new X509Certificate(serverCertPem).checkPrivateKey(createPrivateKey(serverKeyPem));
  } catch (cause) {
    throw new ZerogateError('ZG_ERR_PKI_BAD_CERT', `${paths.serverCert} or ${paths.serverKey} cannot be parsed`, {
      cause,
      detail: { dataDir, reason: 'unparsable' },
    });
  }
  if (!matches) {
    throw new ZerogateError(
      'ZG_ERR_PKI_BAD_CERT',
      `${paths.serverCert} does not match ${paths.serverKey}: run \`zerogate-proxy init\` to re-issue it`,
      { detail: { dataDir, reason: 'key-mismatch' } },
    );
  }
  return { ca, server: { certPem: serverCertPem, keyPem: serverKeyPem }, caFingerprint: fingerprint(caCertPem) };
}

/** Whether server.pem/server.key can stay: present, matching, from this CA, covering, fresh. */
async function serverCertIsCurrent(
  paths: ReturnType<typeof pkiPaths>,
  ca: CaKeyPair,
  hostnames: readonly string[],
  nowMs: number,
): Promise<boolean> {
  const certPem = await readOptional(paths.serverCert);
  const keyPem = await readOptional(paths.serverKey);
  if (certPem === undefined || keyPem === undefined) return false;
  try {
    const leaf = new X509Certificate(certPem);
    const caCert = new X509Certificate(ca.certPem);
    if (!leaf.checkIssued(caCert) || !leaf.verify(caCert.publicKey)) return false;
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem))) return false;
    if (Date.parse(leaf.validTo) - nowMs < SERVER_RENEW_BEFORE_MS || Date.parse(leaf.validFrom) > nowMs) return false;
    const entries = parseSubjectAltName(leaf.subjectAltName ?? '') ?? [];
    const dns = new Set(entries.filter(([type]) => type === 'DNS').map(([, value]) => value.toLowerCase()));
    const ips = new Set(
      entries.filter(([type]) => type === 'IP Address').map(([, value]) => ipAddressBytes(value).toString('hex')),
    );
    const wanted = parseServerNames(hostnames);
    return wanted.dns.every((name) => dns.has(name)) && wanted.ips.every((ip) => ips.has(ip.bytes.toString('hex')));
  } catch {
    return false;
  }
}

function checkDataDir(dataDir: unknown): asserts dataDir is string {
  if (typeof dataDir !== 'string' || dataDir.length === 0) throw new TypeError('dataDir must be a non-empty path');
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsError('read', path, error);
  }
}

async function write(path: string, data: string, mode: number): Promise<void> {
  await fsStep('write', path, () => writeFileAtomic(path, data, mode));
}

async function fsStep(operation: string, path: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    throw fsError(operation, path, error);
  }
}

function fsError(operation: string, path: string, cause: unknown): ZerogateError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'error';
  return new ZerogateError('ZG_ERR_INTERNAL', `cannot ${operation} ${path}: ${code}`, {
    cause,
    detail: { path, operation, errno: code },
  });
}
