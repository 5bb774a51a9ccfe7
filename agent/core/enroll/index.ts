export {
  checkIssuedCertificate,
  enrollWithToken,
  obtainPinnedCa,
  parseProxyUrl,
  sanitizeHostname,
  sessionStateOf,
  type EnrollResult,
  type IssuedSession,
  type TokenEnrollOptions,
} from './token-enroll.ts';
export { createCsr, generateDeviceKey } from './keys.ts';
