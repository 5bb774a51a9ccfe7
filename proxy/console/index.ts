/**
 * The web console at `/console/` (issue 5): OIDC sign-in with the proxy as a confidential
 * client, a secure session cookie, CSRF protection, strict CSP, and the bundled front-end.
 * Registered by proxy/server/app.ts; everything console-specific lives under proxy/console/.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/index.ts';
import type { ProxyConfig } from '../config/index.ts';
import type { Identity } from '../identity/setup.ts';
import type { LoadedPki } from '../pki/index.ts';
import type { Store } from '../store/index.ts';
import type { ConsoleAuth } from './auth.ts';

export interface ConsolePluginOptions {
  consoleAuth: ConsoleAuth;
  config: ProxyConfig;
  store: Store;
  pki: LoadedPki;
  audit: AuditLog;
  identity: Identity;
  version: string;
}

export async function consolePlugin(_app: FastifyInstance, _options: ConsolePluginOptions): Promise<void> {
  // Filled in by the console work of issue 5.
}
