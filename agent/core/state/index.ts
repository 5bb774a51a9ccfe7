export { AgentHome, FILES, proxyUrlsOf, resolveHome, SECRET_FILES, type AgentHomeOptions, type DeviceCredentials, type Enrollment, type EndpointInUse, type OidcState, type SessionState } from './home.ts';
export { isSealed, SEALED_PREFIX, type SecretBox } from './secret-box.ts';
