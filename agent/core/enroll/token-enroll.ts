import { X509Certificate, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { ZerogateError } from '../../../shared/errors.ts';
import { fingerprintsEqual, normalizeFingerprint } from '../../../shared/fingerprint.ts';
import { parseJsonResponse, proxyRequest } from '../http/request.ts';
import type { AgentHome, Enrollment, SessionState } from '../state/index.ts';
import { createCsr, generateDeviceKey } from './keys.ts';
import type { IssuedSession } from '../../../shared/session.ts';

export interface TokenEnrollOptions {
  proxyUrl: string;
  token: string;
  /** Pin the proxy CA by its SHA-256 fingerprint (fetched from the proxy, then checked)... */
  caFingerprint?: string;
  /** ...or by a CA file the admin handed out. One of the two is required. */
  caFile?: string;
  home: AgentHome;
  hostname?: string;
}

/** Parses and checks a proxy URL: https only, no path, query or credentials. */
export function parseProxyUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ZerogateError('ZG_ERR_USAGE', `--proxy must be a URL like https://zerogate.example.com:8443, got "${input.slice(0, 60)}"`);
  }
  if (url.protocol !== 'https:') throw new ZerogateError('ZG_ERR_USAGE', '--proxy must be an https:// URL');
  if (url.username !== '' || url.password !== '' || url.search !== '' || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ZerogateError('ZG_ERR_USAGE', '--proxy must be an origin (https://host:port) without path, query or credentials');
  }
  return url;
}

/**
 * Gets the proxy CA, pinned: from a file, or fetched from the proxy and accepted only if its
 * SHA-256 fingerprint matches the one the admin gave. Nothing secret is sent before that check.
 */
export async function obtainPinnedCa(proxy: URL, pin: { caFingerprint?: string; caFile?: string }): Promise<{ caPem: string; fingerprint: string }> {
  if (pin.caFile !== undefined) {
    let caPem: string;
    try {
      caPem = readFileSync(pin.caFile, 'utf8');
    } catch (cause) {
      throw new ZerogateError('ZG_ERR_USAGE', `cannot read --ca-file ${pin.caFile}`, { cause });
    }
    const fingerprint = parseCa(caPem).fingerprint256;
    if (pin.caFingerprint !== undefined && !fingerprintsEqual(pin.caFingerprint, fingerprint)) {
      throw new ZerogateError('ZG_ERR_PKI_FINGERPRINT_MISMATCH', 'the --ca-file does not match --ca-fingerprint');
    }
    return { caPem, fingerprint };
  }
  if (pin.caFingerprint === undefined) {
    throw new ZerogateError('ZG_ERR_USAGE', 'pin the proxy CA with --ca-fingerprint H (printed by the proxy) or --ca-file F');
  }
  const expected = normalizeFingerprint(pin.caFingerprint);
  const response = await proxyRequest(new URL('/v1/ca.pem', proxy), { tls: { insecureSkipVerify: true } });
  if (response.status !== 200) {
    throw new ZerogateError('ZG_ERR_TUNNEL_CONNECT', `the proxy did not serve its CA (HTTP ${response.status})`);
  }
  const caPem = response.body;
  const ca = parseCa(caPem);
  if (!fingerprintsEqual(ca.fingerprint256, expected)) {
    throw new ZerogateError('ZG_ERR_PKI_FINGERPRINT_MISMATCH', `the proxy's CA fingerprint is ${ca.fingerprint256}, not the pinned ${expected}: do not continue, and tell your administrator`);
  }
  return { caPem, fingerprint: ca.fingerprint256 };
}

/** Enrols this device with a one-time token (headless servers; DESIGN.md §9 `login --token`). */
export async function enrollWithToken(options: TokenEnrollOptions): Promise<Enrollment> {
  const proxy = parseProxyUrl(options.proxyUrl);
  const { caPem, fingerprint } = await obtainPinnedCa(proxy, options);
  const key = generateDeviceKey();
  const hostname = sanitizeHostname(options.hostname ?? osHostname());
  const csr = createCsr(key.privateKeyPem, { commonName: hostname });
  const response = await proxyRequest(new URL('/v1/enroll', proxy), {
    method: 'POST',
    body: { token: options.token, csr, hostname },
    tls: { ca: caPem },
  });
  const result = parseJsonResponse<EnrollResult>(response, 'enrolment');
  checkIssuedCertificate(result.certificate, caPem, key.publicKeyPem);
  const enrollment: Enrollment = {
    proxyUrl: proxy.origin,
    deviceId: result.deviceId,
    user: result.user,
    caFingerprint: fingerprint,
    certNotAfter: result.notAfter,
    enrolledAt: new Date().toISOString(),
  };
  const session = sessionStateOf(result.session);
  // Replace any previous enrolment whole: an earlier IdP sign-in's refresh token (maybe another
  // user's) must not stay beside this device's credentials.
  options.home.clear();
  options.home.saveCredentials({ enrollment, keyPem: key.privateKeyPem, certPem: result.certificate, caPem });
  options.home.saveSession(session);
  return enrollment;
}

/** What `POST /v1/enroll` answers. */
export interface EnrollResult {
  deviceId: string;
  user: string;
  certificate: string;
  notAfter: string;
  session: IssuedSession;
}

/** A session as the proxy issues it (`/v1/enroll`, `/v1/session`, renewals). */
export type { IssuedSession } from '../../../shared/session.ts';

/** Checks an issued session's shape before it is stored. */
export function sessionStateOf(session: unknown): SessionState {
  const s = (session ?? {}) as Partial<IssuedSession>;
  if (typeof s.sessionId !== 'string' || typeof s.token !== 'string' || typeof s.user !== 'string' || typeof s.expiresAt !== 'string' || typeof s.sessionExpiresAt !== 'string') {
    throw new ZerogateError('ZG_ERR_TUNNEL_CONNECT', 'the proxy answered without a valid session');
  }
  return { sessionId: s.sessionId, user: s.user, token: s.token, expiresAt: s.expiresAt, sessionExpiresAt: s.sessionExpiresAt };
}

/** The certificate must be issued by the pinned CA, for our key. */
export function checkIssuedCertificate(certificate: string, caPem: string, publicKeyPem: string): void {
  const cert = new X509Certificate(certificate);
  const ca = parseCa(caPem);
  const ourKey = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  const theirKey = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey) || !ourKey.equals(theirKey)) {
    throw new ZerogateError('ZG_ERR_PKI_BAD_CERT', 'the proxy returned a certificate that is not ours or not issued by the pinned CA');
  }
}

function parseCa(pem: string): X509Certificate {
  try {
    const ca = new X509Certificate(pem);
    if (!ca.ca) throw new Error('not a CA');
    return ca;
  } catch (cause) {
    throw new ZerogateError('ZG_ERR_PKI_BAD_CERT', 'the proxy CA certificate could not be read', { cause });
  }
}

export function sanitizeHostname(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 253);
  return cleaned === '' ? 'device' : cleaned;
}
