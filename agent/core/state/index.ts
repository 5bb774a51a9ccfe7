export { AgentHome, FILES, resolveHome, type DeviceCredentials, type Enrollment } from './home.ts';
