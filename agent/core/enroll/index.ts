export { enrollWithToken, obtainPinnedCa, parseProxyUrl, type TokenEnrollOptions } from './token-enroll.ts';
export { createCsr, generateDeviceKey } from './keys.ts';
