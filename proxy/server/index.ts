export { buildApp, BODY_LIMIT, ENROLL_RATE_PER_MINUTE, TUNNEL_RATE_PER_MINUTE, VERSION, type AppDeps, type BuiltApp } from './app.ts';
export { openStore, startProxy, STORE_FILE, type RunningProxy, type StartOptions } from './start.ts';
export { TLS_OPTIONS, TLS_CIPHERS } from './tls.ts';
