export { authenticateDevice, normalizeSerial, type DeviceIdentity, type DeviceRefusal } from './authenticate.ts';
export { enrollWithIdToken, enrollWithToken, type EnrollDeps, type EnrollRequest, type EnrollResponse, type IdTokenEnrollRequest } from './enroll.ts';
export { createEnrollmentToken, parseEnrollmentToken, hashSecret, validateUser, type CreatedToken } from './tokens.ts';
export { RevocationWatcher, REVOCATION_POLL_MS } from './revocation-watcher.ts';
