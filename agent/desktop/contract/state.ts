/**
 * What the desktop window shows: plain data the main process builds from the agent core and
 * sends to the renderer (structured-clone safe, no functions, no secrets). The renderer and the
 * preload depend on this file and on nothing of the main process.
 */

/** The app's overall state, as the tray shows it. */
export type Phase = 'signed-out' | 'signing-in' | 'connecting' | 'connected' | 'blocked';

export type CheckStatus = 'pass' | 'fail' | 'unknown';

/** One posture check, in words (agent/core/posture/checklist.ts). */
export interface CheckView {
  check: string;
  label: string;
  status: CheckStatus;
  /** "Disk encryption: off (/)". */
  summary: string;
  /** What to do about a failing check, in plain words. */
  remediation?: string;
}

/** The local listener of a connected app. */
export interface ConnectionView {
  state: 'off' | 'starting' | 'on';
  /** 127.0.0.1:PORT while on. */
  address?: string;
}

/** One app this user may reach, with its verdict for this device right now. */
export interface AppView {
  id: string;
  name: string;
  protocol: string;
  allowed: boolean;
  /** Kebab-case reason codes (docs/reasons.md) for a denial, or a report-only would-deny. */
  reasons: string[];
  /** What to do about each reason, in plain words. */
  remediation: string[];
  reportOnly: boolean;
  connection: ConnectionView;
}

export interface ProblemView {
  code: string;
  message: string;
  reasons: string[];
}

/** The proxy node the tunnel is connected to (docs/failover.md). */
export interface EndpointView {
  /** The configured proxy address (https origin) it belongs to: one of `DesktopState.proxies`. */
  origin: string;
  /** The IP address connected to (the host itself for an IP address in the URL). */
  address: string;
  /** The origin, plus the address when the host name resolved to several: for display. */
  label: string;
  /** When the tunnel connected to it (ISO 8601). */
  since: string;
}

/** Most notes a state carries, and the longest one. */
export const NOTES_MAX = 8;
export const NOTE_MAX_LENGTH = 300;

export interface DesktopState {
  phase: Phase;
  /** The signed-in user, when there is a session. */
  user?: string;
  /** The first (preferred) proxy address this device is enrolled with (https origin). */
  proxy?: string;
  /** Every proxy address of the enrolment, in order of preference (one or more). */
  proxies?: string[];
  /** The node in use while the tunnel is connected; it moves when the agent fails over. */
  endpoint?: EndpointView;
  deviceId?: string;
  /** True until this device has enrolled: sign-in then needs the proxy address and its CA fingerprint. */
  needsProxy: boolean;
  /** While signing in: the browser was opened at this time (ISO 8601). */
  signInStartedAt?: string;
  session?: {
    /** The session's hard end (ISO 8601): the user must sign in again by then. */
    endsAt: string;
    /** The end is near: the window asks the user to sign in again. */
    expiringSoon: boolean;
  };
  tunnel: 'off' | 'connecting' | 'connected' | 'disconnected' | 'denied';
  apps: AppView[];
  posture: CheckView[];
  postureCollectedAt?: string;
  /** What blocks access (phase `blocked`): which apps, and the failing checks behind it. */
  blocked?: { apps: string[]; reasons: string[] };
  /** The last thing that went wrong that the user should know about. */
  problem?: ProblemView;
  /**
   * What the last sign-in noted that is not an error (as `zerogate login` prints `note:` lines),
   * e.g. a proxy address that cannot be reached now and is kept for later. At most
   * {@link NOTES_MAX}, each at most {@link NOTE_MAX_LENGTH} characters.
   */
  notes?: string[];
  settings: { startAtLogin: boolean };
  /** Whether this machine can encrypt the agent's secrets (safeStorage). */
  secrets: { available: boolean; store: string; message?: string };
}

/** An IPC call's answer: plain data, never an Error object. */
export type CallResult = { ok: true; state: DesktopState } | { ok: false; error: ProblemView };
