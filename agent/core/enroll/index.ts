export {
  checkIssuedCertificate,
  checkSameDeployment,
  enrollmentUrls,
  enrollWithToken,
  obtainPinnedCa,
  obtainPinnedCaFromAny,
  parseProxyUrl,
  parseProxyUrls,
  proxyUrlsFromOptions,
  sanitizeHostname,
  sessionStateOf,
  type EnrollResult,
  type IssuedSession,
  type TokenEnrollOptions,
} from './token-enroll.ts';
export { createCsr, generateDeviceKey } from './keys.ts';
