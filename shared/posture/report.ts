/**
 * The device posture report (DESIGN.md §5): what the agent sends over CONTROL `posture` and the
 * proxy stores and evaluates. Every check is `pass | fail | unknown`: a check that cannot be
 * determined is `unknown`, never `pass`. Pure types and a validator (this is `shared/`).
 */

export type CheckStatus = 'pass' | 'fail' | 'unknown';

export type PosturePlatform = 'linux' | 'darwin' | 'win32';

/** A known endpoint security product (ids used in policies' `require.posture.edr`). */
export type EdrVendor =
  | 'crowdstrike'
  | 'sentinelone'
  | 'defender'
  | 'elastic'
  | 'sophos'
  | 'clamav'
  | 'carbonblack'
  | 'cortex'
  | 'bitdefender'
  | (string & {});

export interface OsCheck {
  status: CheckStatus;
  platform: PosturePlatform;
  name: string | undefined;
  /** e.g. "14.6.1", "10.0.22631", "22.04". */
  version: string | undefined;
  build: string | undefined;
  /** Linux: the kernel release (policies compare `osMinVersion.linux` with it). */
  kernel: string | undefined;
  detail?: string | undefined;
}

export interface PatchCheck {
  status: CheckStatus;
  /** ISO 8601 time of the last installed update, when knowable. */
  lastUpdateAt: string | undefined;
  /** Security updates pending, when knowable. */
  pendingSecurityUpdates: number | undefined;
  detail?: string | undefined;
}

export interface VolumeEncryption {
  /** Mount point or drive (`/`, `C:`). */
  volume: string;
  state: 'on' | 'off' | 'unknown';
  /** LUKS2, FileVault, BitLocker ... */
  method?: string | undefined;
}

export interface DiskEncryptionCheck {
  status: CheckStatus;
  volumes: VolumeEncryption[];
  detail?: string | undefined;
}

export interface EdrAgent {
  vendor: EdrVendor;
  running: boolean;
  detail?: string | undefined;
}

export interface EdrCheck {
  status: CheckStatus;
  agents: EdrAgent[];
  detail?: string | undefined;
}

export interface FirewallCheck {
  status: CheckStatus;
  detail?: string | undefined;
}

export interface ScreenLockCheck {
  status: CheckStatus;
  /** Seconds of inactivity before the screen locks, when knowable. */
  timeoutSeconds: number | undefined;
  detail?: string | undefined;
}

export interface PostureReport {
  /** Schema version of this report. */
  version: 1;
  /** ISO 8601, when the agent collected it. */
  collectedAt: string;
  agentVersion: string;
  hostname: string;
  hardwareId: string | undefined;
  os: OsCheck;
  patch: PatchCheck;
  diskEncryption: DiskEncryptionCheck;
  edr: EdrCheck;
  firewall: FirewallCheck;
  screenLock: ScreenLockCheck;
}

/** The checks of a report that carry a status, by name (for checklists and policies). */
export const POSTURE_CHECKS = ['os', 'patch', 'diskEncryption', 'edr', 'firewall', 'screenLock'] as const;
export type PostureCheckName = (typeof POSTURE_CHECKS)[number];
