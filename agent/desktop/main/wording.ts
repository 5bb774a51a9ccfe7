/**
 * The core's words adapted for the desktop app: its remediation texts tell CLI users to run
 * `zerogate login`, which in the app is the Sign in button; and short phrases for notifications.
 */
import { isReason, type Reason } from '../../../shared/reasons.ts';

/** "Sign in again with `zerogate login`" becomes "Sign in again in the Zerogate window". */
export function forDesktop(text: string): string {
  return text
    .replace(/\s*(?:with|by running|run)\s+`zerogate login`/g, ' in the Zerogate window')
    .replace(/`zerogate login`/g, 'the Sign in button in the Zerogate window');
}

/** Why access is refused, as a short phrase that completes "because ...". */
const PHRASES: Partial<Record<Reason, string>> = {
  'user-unauthenticated': 'you are not signed in',
  'token-expired': 'your session has expired',
  'token-invalid': 'your session is not valid on this device',
  'session-revoked': 'your session was ended',
  'mfa-required': 'the app needs a sign-in with a second factor',
  'auth-too-old': 'you signed in too long ago for this app',
  'user-not-allowed': 'your account is not allowed to use this app',
  'device-unenrolled': 'this device is not enrolled',
  'device-revoked': 'an administrator has blocked this device',
  'certificate-invalid': "this device's certificate is no longer valid",
  'posture-missing': 'the proxy has no security report from this device yet',
  'posture-stale': "this device's security report is out of date",
  'os-outdated': 'the operating system is out of date',
  'patch-outdated': 'updates are missing',
  'disk-unencrypted': 'the disk is not encrypted',
  'edr-missing': 'endpoint security is not running',
  'firewall-off': 'the firewall is off',
  'screen-lock-off': 'the screen lock is off',
  'source-not-allowed': 'your network location is not allowed',
  'app-not-found': 'the app is no longer published',
  'target-not-allowed': 'that address is not part of the app',
  'rate-limited': 'too many attempts in a short time',
};

export function reasonPhrase(reason: string): string {
  return (isReason(reason) ? PHRASES[reason] : undefined) ?? reason;
}

export function reasonsPhrase(reasons: readonly string[]): string {
  const phrases = [...new Set(reasons.map(reasonPhrase))];
  if (phrases.length === 0) return 'the proxy refused it';
  if (phrases.length === 1) return phrases[0]!;
  return `${phrases.slice(0, -1).join(', ')} and ${phrases.at(-1)!}`;
}

/** Reasons after which the session is over: the user must sign in again. */
export const SIGN_IN_AGAIN_REASONS: ReadonlySet<string> = new Set(['user-unauthenticated', 'token-expired', 'token-invalid', 'session-revoked']);
