/**
 * `zerogate login` with the IdP (DESIGN.md §3, login and enrolment): pin the proxy CA, learn the
 * IdP from `/.well-known/zerogate`, sign in (browser with PKCE and a loopback redirect, or a
 * device code), then either start a session on this already-enrolled device or enrol it with
 * a new key. State is written only when everything succeeded.
 */
import { X509Certificate } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { isZerogateError, ZerogateError } from '../../../shared/errors.ts';
import { discoverIssuer, loginWithBrowser, loginWithDeviceCode, openSystemBrowser, type DeviceCodePrompt, type OidcClient, type TokenSet } from '../auth/index.ts';
import {
  checkIssuedCertificate,
  checkSameDeployment,
  createCsr,
  enrollmentUrls,
  generateDeviceKey,
  obtainPinnedCaFromAny,
  parseProxyUrls,
  sanitizeHostname,
  sessionStateOf,
} from '../enroll/index.ts';
import { ProxyEndpoints } from '../http/endpoints.ts';
import { parseJsonResponse, proxyRequest } from '../http/request.ts';
import { proxyUrlsOf, type AgentHome, type DeviceCredentials, type Enrollment, type OidcState, type SessionState } from '../state/index.ts';

/** What the proxy tells agents about itself and its IdP. */
export interface ProxyDiscovery {
  proxy: string;
  caFingerprint: string;
  oidc: { issuer: string; clientId: string; scopes: string[]; acrValues: string[]; embedded: boolean; clientSecret?: string };
}

export type SignInMethod = 'browser' | 'print-url' | 'device-code';

export interface SignInOptions {
  /** Default: the proxy this device is enrolled with. */
  proxyUrl?: string;
  /** Several proxy origins of one deployment, in order of preference (docs/failover.md); wins over `proxyUrl`. */
  proxyUrls?: string[];
  caFingerprint?: string;
  caFile?: string;
  home: AgentHome;
  hostname?: string;
  method: SignInMethod;
  /** Shows the sign-in URL or the device code to the user. */
  say: (line: string) => void;
  /** Opens the system browser (default: {@link openSystemBrowser}). */
  open?: (url: string) => Promise<void>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SignInResult {
  enrollment: Enrollment;
  session: SessionState;
  /** True when this sign-in enrolled the device (a new key and certificate). */
  enrolled: boolean;
}

/** Device refusals after which the agent enrols again instead of reusing its certificate. */
const RE_ENROL_CODES = new Set(['ZG_ERR_AUTH_USER_MISMATCH', 'ZG_ERR_AUTH_DEVICE_REVOKED', 'ZG_ERR_AUTH_DEVICE_UNKNOWN', 'ZG_ERR_AUTH_CERT_INVALID', 'ZG_ERR_AUTH_CERT_REQUIRED']);

export async function fetchDiscovery(proxy: URL | ProxyEndpoints, caPem: string): Promise<ProxyDiscovery> {
  const endpoints = proxy instanceof ProxyEndpoints ? proxy : new ProxyEndpoints([proxy.origin]);
  const response = await proxyRequest(new URL('/.well-known/zerogate', endpoints.origins[0]), { tls: { ca: caPem }, endpoints });
  const body = parseJsonResponse<Partial<ProxyDiscovery>>(response, 'discovery');
  const oidc = body.oidc;
  if (oidc === undefined || typeof oidc.issuer !== 'string' || typeof oidc.clientId !== 'string' || !Array.isArray(oidc.scopes)) {
    throw new ZerogateError('ZG_ERR_TUNNEL_CONNECT', 'the proxy does not announce an identity provider: upgrade it, or enrol with --token');
  }
  return body as ProxyDiscovery;
}

/** The IdP client for a stored sign-in (renewal, logout). */
export async function clientFor(state: OidcState, caPem: string): Promise<OidcClient> {
  return discoverIssuer(
    {
      issuer: state.issuer,
      clientId: state.clientId,
      scopes: state.scopes,
      ...(state.acrValues.length > 0 ? { acrValues: state.acrValues.join(' ') } : {}),
      ...(typeof state.clientSecret === 'string' ? { clientSecret: state.clientSecret } : {}),
    },
    state.embedded ? { ca: caPem } : {},
  );
}

export async function signIn(options: SignInOptions): Promise<SignInResult> {
  const { home } = options;
  const existing = home.isEnrolled() ? home.loadCredentials() : undefined;
  const given = options.proxyUrls !== undefined && options.proxyUrls.length > 0 ? options.proxyUrls : options.proxyUrl === undefined ? undefined : [options.proxyUrl];
  const proxyInput = given ?? (existing === undefined ? undefined : proxyUrlsOf(existing.enrollment));
  if (proxyInput === undefined) throw new ZerogateError('ZG_ERR_USAGE', 'login needs --proxy https://HOST:PORT (this device is not enrolled yet)');
  const proxies = parseProxyUrls(proxyInput);
  const origins = proxies.map((p) => p.origin);
  // The same deployment when a URL is one this device is enrolled with (a node added or removed keeps it).
  const sameProxy = existing !== undefined && proxyUrlsOf(existing.enrollment).some((u) => origins.includes(u));
  // Signing in again to the proxy this device is enrolled with reuses its pinned CA.
  const pinned =
    options.caFingerprint === undefined && options.caFile === undefined && sameProxy
      ? { caPem: existing.caPem, fingerprint: existing.enrollment.caFingerprint }
      : await obtainPinnedCaFromAny(proxies, { ...(options.caFingerprint === undefined ? {} : { caFingerprint: options.caFingerprint }), ...(options.caFile === undefined ? {} : { caFile: options.caFile }) });
  const unreachable = proxies.length > 1 ? await checkSameDeployment(proxies, pinned.caPem, pinned.fingerprint) : [];
  for (const url of unreachable) options.say(`note: ${url.origin} cannot be reached now; it is kept as a proxy address and used when it answers`);
  const endpoints = new ProxyEndpoints(origins);
  const discovery = await fetchDiscovery(endpoints, pinned.caPem);
  const oidc: OidcState = {
    issuer: discovery.oidc.issuer,
    clientId: discovery.oidc.clientId,
    scopes: discovery.oidc.scopes,
    acrValues: Array.isArray(discovery.oidc.acrValues) ? discovery.oidc.acrValues : [],
    embedded: discovery.oidc.embedded === true,
    ...(typeof discovery.oidc.clientSecret === 'string' ? { clientSecret: discovery.oidc.clientSecret } : {}),
    refreshToken: undefined,
  };
  const client = await clientFor(oidc, pinned.caPem);
  const tokens = await authenticate(client, options);
  oidc.refreshToken = tokens.refreshToken;

  const reusable = sameProxy && existing !== undefined && existing.enrollment.caFingerprint === pinned.fingerprint && certValid(existing);
  if (reusable) {
    try {
      const response = await proxyRequest(new URL('/v1/session', origins[0]), {
        method: 'POST',
        body: { idToken: tokens.idToken },
        tls: { ca: existing.caPem, cert: existing.certPem, key: existing.keyPem },
        endpoints,
      });
      const session = sessionStateOf(parseJsonResponse<unknown>(response, 'sign-in'));
      // The proxy list given now replaces the stored one (a node added or retired).
      const enrollment: Enrollment = { ...withoutUrls(existing.enrollment), ...enrollmentUrls(proxies) };
      if (JSON.stringify(proxyUrlsOf(enrollment)) !== JSON.stringify(proxyUrlsOf(existing.enrollment))) home.saveEnrollment(enrollment);
      home.saveSession(session);
      home.saveOidc(oidc);
      return { enrollment, session, enrolled: false };
    } catch (error) {
      if (!(isZerogateError(error) && RE_ENROL_CODES.has(error.code))) throw error;
    }
  }

  const key = generateDeviceKey();
  const hostname = sanitizeHostname(options.hostname ?? osHostname());
  const csr = createCsr(key.privateKeyPem, { commonName: hostname });
  const response = await proxyRequest(new URL('/v1/enroll', origins[0]), {
    method: 'POST',
    body: { idToken: tokens.idToken, csr, hostname },
    tls: { ca: pinned.caPem },
    endpoints,
  });
  const result = parseJsonResponse<{ deviceId: string; user: string; certificate: string; notAfter: string; session: unknown }>(response, 'enrolment');
  checkIssuedCertificate(result.certificate, pinned.caPem, key.publicKeyPem);
  const session = sessionStateOf(result.session);
  const enrollment: Enrollment = {
    ...enrollmentUrls(proxies),
    deviceId: result.deviceId,
    user: result.user,
    caFingerprint: pinned.fingerprint,
    certNotAfter: result.notAfter,
    enrolledAt: new Date().toISOString(),
  };
  // Replace the previous enrolment whole: never a new key beside an old session.
  home.clear();
  home.saveCredentials({ enrollment, keyPem: key.privateKeyPem, certPem: result.certificate, caPem: pinned.caPem });
  home.saveSession(session);
  home.saveOidc(oidc);
  return { enrollment, session, enrolled: true };
}

async function authenticate(client: OidcClient, options: SignInOptions): Promise<TokenSet> {
  const common = { ...(options.signal === undefined ? {} : { signal: options.signal }) };
  if (options.method === 'device-code') {
    if (!client.supportsDeviceCode) {
      throw new ZerogateError('ZG_ERR_USAGE', 'the identity provider does not offer device codes: sign in with the browser, or use --no-browser');
    }
    return loginWithDeviceCode(client, {
      ...common,
      show: (prompt: DeviceCodePrompt) => {
        options.say(`To sign in, open ${prompt.verificationUri} and enter the code ${prompt.userCode}`);
        if (prompt.verificationUriComplete !== undefined) options.say(`(or open ${prompt.verificationUriComplete})`);
        options.say(`The code expires in ${Math.round(prompt.expiresInSeconds / 60)} minutes.`);
      },
    });
  }
  const open = options.open ?? openSystemBrowser;
  return loginWithBrowser(client, {
    ...common,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    open: async (url) => {
      if (options.method === 'print-url') {
        options.say(`Open this URL in a browser on this machine to sign in:\n${url}`);
        return;
      }
      try {
        await open(url);
        options.say('Continue the sign-in in your browser...');
      } catch {
        options.say(`Could not open a browser. Open this URL on this machine to sign in:\n${url}`);
      }
    },
  });
}

function withoutUrls(enrollment: Enrollment): Omit<Enrollment, 'proxyUrl' | 'proxyUrls'> {
  const { proxyUrl: _url, proxyUrls: _urls, ...rest } = enrollment;
  return rest;
}

function certValid(creds: DeviceCredentials): boolean {
  try {
    return new Date(new X509Certificate(creds.certPem).validTo).getTime() > Date.now() + 60_000;
  } catch {
    return false;
  }
}
