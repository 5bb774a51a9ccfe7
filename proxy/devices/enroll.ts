import { randomUUID } from 'node:crypto';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import { signDeviceCsr, type LoadedPki } from '../pki/index.ts';
import type { Store, TokenRefusal } from '../store/index.ts';
import { normalizeSerial } from './authenticate.ts';
import { parseEnrollmentToken } from './tokens.ts';

export interface EnrollDeps {
  store: Store;
  pki: LoadedPki;
  audit: AuditLog;
  certTtlMs: number;
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
  const result = await deps.store.enrollDevice({
    tokenId: parsed.id,
    secretHash: parsed.secretHash,
    now,
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
  return {
    deviceId,
    user: result.device.user,
    certificate: issued.certPem,
    ca: deps.pki.ca.certPem,
    notAfter: issued.notAfter.toISOString(),
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
