import { randomUUID, X509Certificate } from 'node:crypto';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import { signDeviceCsr, type LoadedPki } from '../pki/index.ts';
import type { Store, TokenRefusal } from '../store/index.ts';
import { certificateThumbprint, type IssuedSession, type SessionService } from '../identity/index.ts';
import { normalizeSerial } from './authenticate.ts';
import { parseEnrollmentToken } from './tokens.ts';

export interface EnrollDeps {
  store: Store;
  pki: LoadedPki;
  audit: AuditLog;
  certTtlMs: number;
  /** Issues the device's first session token. */
  sessions: SessionService;
  /** Per-user enrolment budget (proxy/server/identity-rate.ts); throws 429 when used up. */
  perUser?: { take(user: string): void };
  now?: () => number;
}

export interface EnrollRequest {
  token: string;
  csr: string;
  hostname: string;
}

export interface EnrollResponse {
  deviceId: string;
  user: string;
  certificate: string;
  ca: string;
  notAfter: string;
  /** The first session on the new device (DESIGN.md §3 step 3). */
  session: IssuedSession;
}

export interface IdTokenEnrollRequest {
  idToken: string;
  csr: string;
  hostname: string;
}

function thumbprintOf(certPem: string): string {
  return certificateThumbprint(new X509Certificate(certPem).raw);
}

/**
 * Enrols a device for the user an ID token names (DESIGN.md §3: login and enrolment): verifies
 * the token (signature, issuer, audience, times, MFA, auth age) before any signing work, signs the
 * CSR, records the device and its first session in one transaction, and returns both.
 */
export async function enrollWithIdToken(deps: EnrollDeps, request: IdTokenEnrollRequest, source: string): Promise<EnrollResponse> {
  const identity = await deps.sessions.verifyIdToken(request.idToken, source, 'enroll');
  // Counted only once the token is verified, so nobody spends another user's budget; before the
  // token is spent, so a refused attempt can be retried with the same sign-in.
  takeBudget(deps, identity.user, source);
  await deps.sessions.claimIdToken(request.idToken, identity, source, 'enroll');
  const now = deps.now?.() ?? Date.now();
  const deviceId = randomUUID();
  const issued = signDeviceCsr(deps.pki.ca, request.csr, { deviceId, ttlMs: deps.certTtlMs, now: new Date(now) });
  const certNotAfter = issued.notAfter.getTime();
  const record = deps.sessions.newRecord(deviceId, identity.user, identity, certNotAfter);
  const device = await deps.store.enrollDeviceForUser(
    {
      id: deviceId,
      user: identity.user,
      hostname: request.hostname,
      createdAt: now,
      certSerial: normalizeSerial(issued.serial),
      certNotAfter,
      certFingerprint: issued.fingerprint,
    },
    record,
  );
  deps.audit.record({
    type: 'device.enroll',
    decision: 'allow',
    source,
    user: device.user,
    device: deviceId,
    detail: { hostname: request.hostname, method: 'oidc', serial: device.certSerial, amr: identity.amr },
  });
  const session = await deps.sessions.issue(record, thumbprintOf(issued.certPem), source, 'session.start');
  // The answer acknowledges the enrolment: its events (device.enroll, session.start) are stored first.
  await deps.audit.flush();
  return { deviceId, user: device.user, certificate: issued.certPem, ca: deps.pki.ca.certPem, notAfter: issued.notAfter.toISOString(), session };
}

function takeBudget(deps: EnrollDeps, user: string, source: string): void {
  try {
    deps.perUser?.take(user);
  } catch (error) {
    deps.audit.record({ type: 'device.enroll', decision: 'deny', source, user, reasons: ['rate-limited'], detail: { refusal: 'user-rate-limited' } });
    throw error;
  }
}

const REFUSAL_MESSAGES = {
  'token-unknown': 'the enrolment token is not valid',
  'token-expired': 'the enrolment token has expired: ask your administrator for a new one',
  'token-used': 'the enrolment token was already used: ask your administrator for a new one',
} as const;

/**
 * Enrols a device with a one-time token: signs its CSR into a short-lived client certificate and
 * records the device, consuming the token in the same store transaction. The CSR is checked
 * before the token is touched, so a malformed request does not burn the token.
 */
export async function enrollWithToken(deps: EnrollDeps, request: EnrollRequest, source: string): Promise<EnrollResponse> {
  const now = deps.now?.() ?? Date.now();
  let parsed;
  try {
    parsed = parseEnrollmentToken(request.token);
  } catch (error) {
    deps.audit.record({ type: 'device.enroll', decision: 'deny', source, reasons: ['user-unauthenticated'], detail: { refusal: 'token-malformed' } });
    throw error;
  }
  // Check the token before signing anything: an unauthenticated caller costs one lookup, not a
  // signature. The transaction below checks again and consumes it.
  const precheck = await deps.store.checkEnrollmentToken(parsed.id, parsed.secretHash, now);
  if (!precheck.ok) refuse(deps, precheck, parsed.id, source);
  const deviceId = randomUUID();
  const issued = signDeviceCsr(deps.pki.ca, request.csr, { deviceId, ttlMs: deps.certTtlMs, now: new Date(now) });
  // A token-enrolled device has no IdP sign-in: its session lasts as long as its certificate
  // and is renewed with the certificate alone. Recorded with the device, in one transaction.
  const { user: _unknownYet, ...draft } = deps.sessions.newRecord(deviceId, '', undefined, issued.notAfter.getTime());
  const result = await deps.store.enrollDevice({
    tokenId: parsed.id,
    secretHash: parsed.secretHash,
    now,
    session: draft,
    device: {
      id: deviceId,
      hostname: request.hostname,
      createdAt: now,
      certSerial: normalizeSerial(issued.serial),
      certNotAfter: issued.notAfter.getTime(),
      certFingerprint: issued.fingerprint,
    },
  });
  if (!result.ok) refuse(deps, result, parsed.id, source);
  deps.audit.record({
    type: 'device.enroll',
    decision: 'allow',
    source,
    user: result.device.user,
    device: deviceId,
    detail: { hostname: request.hostname, tokenId: parsed.id, serial: result.device.certSerial },
  });
  const session = await deps.sessions.issue({ ...draft, user: result.device.user }, thumbprintOf(issued.certPem), source, 'session.start');
  // The answer acknowledges the enrolment: its events (device.enroll, session.start) are stored first.
  await deps.audit.flush();
  return {
    deviceId,
    user: result.device.user,
    certificate: issued.certPem,
    ca: deps.pki.ca.certPem,
    notAfter: issued.notAfter.toISOString(),
    session,
  };
}

function refuse(deps: EnrollDeps, result: { refusal: TokenRefusal; user: string | undefined }, tokenId: string, source: string): never {
  deps.audit.record({
    type: 'device.enroll',
    decision: 'deny',
    source,
    user: result.user,
    reasons: ['user-unauthenticated'],
    detail: { refusal: result.refusal, tokenId },
  });
  throw new ZerogateError('ZG_ERR_AUTH_TOKEN_INVALID', REFUSAL_MESSAGES[result.refusal], { reasons: ['user-unauthenticated'] });
}
