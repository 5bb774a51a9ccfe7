/** The device posture report (DESIGN.md §5): its types and the validator of untrusted reports. */
export {
  POSTURE_CHECKS,
  type CheckStatus,
  type DiskEncryptionCheck,
  type EdrAgent,
  type EdrCheck,
  type EdrVendor,
  type FirewallCheck,
  type OsCheck,
  type PatchCheck,
  type PostureCheckName,
  type PosturePlatform,
  type PostureReport,
  type ScreenLockCheck,
  type VolumeEncryption,
} from './report.ts';
export { parsePostureReport, POSTURE_REPORT_LIMITS } from './validate.ts';
