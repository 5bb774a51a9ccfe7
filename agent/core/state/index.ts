export { AgentHome, FILES, resolveHome, type DeviceCredentials, type Enrollment, type OidcState, type SessionState } from './home.ts';
