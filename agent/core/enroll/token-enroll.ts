import { X509Certificate, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { isZerogateError, ZerogateError } from '../../../shared/errors.ts';
import { fingerprintsEqual, normalizeFingerprint } from '../../../shared/fingerprint.ts';
import { MAX_PROXY_URLS, ProxyEndpoints } from '../http/endpoints.ts';
import { parseJsonResponse, proxyRequest } from '../http/request.ts';
import type { AgentHome, Enrollment, SessionState } from '../state/index.ts';
import { createCsr, generateDeviceKey } from './keys.ts';
import type { IssuedSession } from '../../../shared/session.ts';

export interface TokenEnrollOptions {
  /** The proxy origin; with several (docs/failover.md), `proxyUrls`, the first being preferred. */
  proxyUrl?: string;
  proxyUrls?: string[];
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
 * Parses `--proxy` values: each may be a comma-separated list. Returns the origins in the order
 * given, without duplicates; at least one, at most MAX_PROXY_URLS.
 */
export function parseProxyUrls(inputs: readonly string[]): URL[] {
  const parts = inputs.flatMap((input) => input.split(',')).map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length === 0) throw new ZerogateError('ZG_ERR_USAGE', '--proxy must be a URL like https://zerogate.example.com:8443');
  const urls: URL[] = [];
  for (const part of parts) {
    const url = parseProxyUrl(part);
    if (!urls.some((u) => u.origin === url.origin)) urls.push(url);
  }
  if (urls.length > MAX_PROXY_URLS) throw new ZerogateError('ZG_ERR_USAGE', `at most ${MAX_PROXY_URLS} proxy URLs may be given`);
  return urls;
}

/** The proxy URLs of enrolment options: `proxyUrls`, else `proxyUrl`. */
export function proxyUrlsFromOptions(options: { proxyUrl?: string | undefined; proxyUrls?: readonly string[] | undefined }): URL[] {
  const given = options.proxyUrls !== undefined && options.proxyUrls.length > 0 ? options.proxyUrls : options.proxyUrl === undefined ? [] : [options.proxyUrl];
  return parseProxyUrls(given);
}

/**
 * Gets the pinned CA from the first proxy URL that serves one (see {@link obtainPinnedCa}): a
 * node that is down at login does not stop it, a node that serves another CA does.
 */
export async function obtainPinnedCaFromAny(proxies: readonly URL[], pin: { caFingerprint?: string; caFile?: string }): Promise<{ caPem: string; fingerprint: string }> {
  let unreachable: ZerogateError | undefined;
  for (const proxy of proxies) {
    try {
      return await obtainPinnedCa(proxy, pin);
    } catch (error) {
      if (!(isZerogateError(error, 'ZG_ERR_TUNNEL_CONNECT') && proxies.length > 1)) throw error;
      unreachable ??= error;
    }
  }
  throw unreachable ?? new ZerogateError('ZG_ERR_TUNNEL_CONNECT', 'no proxy URL was given');
}

/**
 * Checks that every proxy URL serves the deployment of the pinned CA: each that answers must
 * present a certificate the pinned CA issued (TLS) and announce the same CA fingerprint. A URL
 * that cannot be reached now is kept (the node may be down for maintenance) and returned, so
 * the caller can say so; every later connection to it checks the pin again.
 */
export async function checkSameDeployment(proxies: readonly URL[], caPem: string, fingerprint: string): Promise<URL[]> {
  const unreachable: URL[] = [];
  for (const proxy of proxies) {
    let announced: unknown;
    try {
      const response = await proxyRequest(new URL('/.well-known/zerogate', proxy), { tls: { ca: caPem }, endpoints: new ProxyEndpoints([proxy.origin]) });
      announced = parseJsonResponse<{ caFingerprint?: unknown }>(response, 'discovery').caFingerprint;
    } catch (error) {
      if (isZerogateError(error, 'ZG_ERR_TUNNEL_CONNECT')) {
        unreachable.push(proxy);
        continue;
      }
      if (isZerogateError(error, 'ZG_ERR_PKI_FINGERPRINT_MISMATCH')) {
        throw new ZerogateError('ZG_ERR_PKI_FINGERPRINT_MISMATCH', `${proxy.origin} is not a node of the same deployment: its certificate was not issued by the pinned CA`, { cause: error });
      }
      throw error;
    }
    if (typeof announced !== 'string' || !fingerprintsEqual(announced, fingerprint)) {
      throw new ZerogateError('ZG_ERR_PKI_FINGERPRINT_MISMATCH', `${proxy.origin} announces another device CA than the pinned ${fingerprint}: all proxy URLs must be nodes of one deployment`);
    }
  }
  return unreachable;
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
  const proxies = proxyUrlsFromOptions(options);
  const { caPem, fingerprint } = await obtainPinnedCaFromAny(proxies, options);
  if (proxies.length > 1) await checkSameDeployment(proxies, caPem, fingerprint);
  const endpoints = new ProxyEndpoints(proxies.map((p) => p.origin));
  const key = generateDeviceKey();
  const hostname = sanitizeHostname(options.hostname ?? osHostname());
  const csr = createCsr(key.privateKeyPem, { commonName: hostname });
  // A POST with a one-time token: it moves to another node only if it never reached one.
  const response = await proxyRequest(new URL('/v1/enroll', proxies[0]!), {
    method: 'POST',
    body: { token: options.token, csr, hostname },
    tls: { ca: caPem },
    endpoints,
  });
  const result = parseJsonResponse<EnrollResult>(response, 'enrolment');
  checkIssuedCertificate(result.certificate, caPem, key.publicKeyPem);
  const enrollment: Enrollment = {
    ...enrollmentUrls(proxies),
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

/** The enrolment record's proxy fields: `proxyUrls` only when there are several (older agents read `proxyUrl`). */
export function enrollmentUrls(proxies: readonly URL[]): Pick<Enrollment, 'proxyUrl' | 'proxyUrls'> {
  const origins = proxies.map((p) => p.origin);
  return origins.length > 1 ? { proxyUrl: origins[0]!, proxyUrls: origins } : { proxyUrl: origins[0]! };
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
