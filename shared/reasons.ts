/**
 * The catalogue of access-decision reasons (DESIGN.md §6): stable kebab-case codes that a
 * refusal carries in `reasons[]` (HTTP 401/403 bodies, OPEN_FAIL and RST frames, audit events).
 * A user, a helpdesk person and a SIEM can each act on them. `docs/reasons.md` documents every
 * one, with the same remediation text, and `test/docs/reasons-doc.test.ts` keeps the two and the
 * reasons the proxy actually emits in step.
 *
 * Pure data: no Node-only imports, no runtime dependencies (this is `shared/`).
 */

/** One catalogue entry. */
export interface ReasonEntry {
  /** What the reason means, for logs and admins (one line). */
  readonly summary: string;
  /** What the user should do, in plain words and the second person, safe to show as is. */
  readonly remediation: string;
}

/** Every reason, with its summary and the remediation text shown to the user. */
export const REASONS = {
  // identity
  'user-unauthenticated': {
    summary: 'the request carries no valid proof of who the user is: no session token, or a bad, unknown, expired or used enrolment token',
    remediation:
      'You are not signed in. Sign in again with `zerogate login`; if you used a one-time enrolment token, ask your administrator for a new one.',
  },
  'token-expired': {
    summary: 'the session token has expired and could not be renewed',
    remediation: 'Your session has expired. Sign in again with `zerogate login`.',
  },
  'token-invalid': {
    summary: 'the session token is malformed, badly signed, or not bound to this device certificate',
    remediation:
      'Your session is not valid on this device. Sign in again with `zerogate login`; if this keeps happening, contact your helpdesk.',
  },
  'session-revoked': {
    summary: 'the session was ended: the user signed out, was disabled, or an administrator revoked it (addition to DESIGN.md §6)',
    remediation: 'Your session was ended. Sign in again with `zerogate login`; if you did not sign out yourself, contact your helpdesk.',
  },
  'mfa-required': {
    summary: 'the policy requires multi-factor authentication and the sign-in did not use it',
    remediation: 'This app needs you to sign in with a second factor. Sign in again and complete the second step (a code or your security key).',
  },
  'auth-too-old': {
    summary: 'the sign-in is older than the policy allows (require.maxAuthAge)',
    remediation: 'You signed in too long ago for this app. Sign in again with `zerogate login`.',
  },
  'user-not-allowed': {
    summary: 'the user is not among those the app or its policy admits',
    remediation:
      'Your account is not allowed to use this app. If you need it for your work, ask your administrator or helpdesk for access.',
  },
  // device
  'device-unenrolled': {
    summary: 'no device certificate was presented, or it names a device the proxy does not know',
    remediation: 'This device is not enrolled. Enrol it with `zerogate login` (ask your administrator for a one-time token).',
  },
  'device-revoked': {
    summary: 'the device, or the certificate it presented, was revoked',
    remediation: 'An administrator has blocked this device. Contact your helpdesk; do not try to work around it.',
  },
  'certificate-invalid': {
    summary: 'the device certificate is expired, not yet valid, not issued by this proxy, or does not name a device',
    remediation:
      'Your device certificate is not valid (it may have expired). Sign in again with `zerogate login`; if that fails, contact your helpdesk.',
  },
  // posture
  'posture-missing': {
    summary: 'the policy requires a posture report and the device has sent none',
    remediation:
      'Zerogate has not received your device\'s security check. Make sure the Zerogate agent is running and up to date, then try again.',
  },
  'posture-stale': {
    summary: 'the latest posture report is older than the policy allows (require.posture.maxAge)',
    remediation:
      'Your device\'s security check is out of date. Make sure the Zerogate agent is running and connected; it sends a fresh check every minute.',
  },
  'os-outdated': {
    summary: 'the operating system (or Linux kernel) is older than the policy\'s minimum version',
    remediation: 'Your operating system is too old for this app. Install the latest system update, restart, and try again.',
  },
  'patch-outdated': {
    summary: 'the last installed update is older than the policy allows, or security updates are pending',
    remediation: 'Your computer is missing recent security updates. Install all pending updates, restart if asked, and try again.',
  },
  'disk-unencrypted': {
    summary: 'the system disk is not fully encrypted (off, suspended, in progress or unknown)',
    remediation:
      'Your disk is not encrypted. Turn on disk encryption (FileVault, BitLocker or LUKS) and let it finish, then try again; ask your helpdesk if you need help.',
  },
  'edr-missing': {
    summary: 'none of the endpoint security agents the policy accepts is running',
    remediation:
      'The company\'s endpoint security software is not running on this device. Start or reinstall it, or ask your helpdesk.',
  },
  'firewall-off': {
    summary: 'the host firewall is off or its state cannot be determined',
    remediation: 'Your firewall is turned off. Turn it on in your system settings and try again.',
  },
  'screen-lock-off': {
    summary: 'automatic screen lock is off, or its timeout is longer than allowed',
    remediation: 'Your screen does not lock by itself. Turn on automatic screen lock with a password in your system settings.',
  },
  // context
  'source-not-allowed': {
    summary: 'the connection comes from a network address outside the policy\'s sourceCidrs',
    remediation:
      'This app cannot be reached from the network you are on. Connect from an allowed network (for example the office), or ask your helpdesk.',
  },
  // the request itself
  'app-not-found': {
    summary: 'no published app has the requested id',
    remediation: 'You asked for an app that does not exist. Check the name against the list that `zerogate apps` shows.',
  },
  'app-changed': {
    summary: "an administrator changed the app's upstream address or HTTP handling: live connections made under the old publication were closed (addition to DESIGN.md §6)",
    remediation: 'The app was changed by your administrator, so your open connection to it was closed. Connect again: your access is unchanged.',
  },
  'target-not-allowed': {
    summary: 'an OPEN named a target host:port, but the app publishes a single upstream (addition to DESIGN.md §6)',
    remediation:
      'This app does not let you choose a destination. Connect to the app by its name only; if you think this is wrong, contact your helpdesk.',
  },
  'rate-limited': {
    summary: 'too many enrolment attempts from one address, or too many new or open streams on one tunnel',
    remediation: 'Your device made too many requests or connections in a short time. Wait a minute and try again.',
  },
  // HTTP-aware apps (issue 8)
  'request-invalid': {
    summary: "an HTTP request to an app is malformed (unparsable, headers or body too large) or does not match the app's OpenAPI document: unknown path, method not allowed, a bad parameter or body",
    remediation:
      'Your request does not match what this app accepts (its path, method, parameters or body). Check the app\'s API documentation; if the app itself sent it, report it to the app\'s team or your helpdesk.',
  },
  'anomaly-detected': {
    summary: 'an anomaly detector saw an attack pattern from this identity or source address (credential stuffing, object enumeration, unusual data volume) and blocked it for a while',
    remediation:
      'Your account or network was blocked for a while because its activity looked like an attack (many failed sign-ins, walking through many records, or unusually large downloads). Wait until the time shown, and contact your helpdesk if you need access sooner.',
  },
} as const satisfies Record<string, ReasonEntry>;

/** A reason code from the catalogue. */
export type Reason = keyof typeof REASONS;

/** Whether `value` is a reason of the catalogue (reasons from a peer are untrusted strings). */
export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && Object.hasOwn(REASONS, value);
}
