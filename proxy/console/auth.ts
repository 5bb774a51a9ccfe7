/**
 * Console sessions as API principals: the admin, helpdesk and `/v1/me` routes accept, besides
 * their own credentials, the console's session cookie (with CSRF protection on changes). This
 * module resolves a request to the signed-in console user, or undefined.
 */
import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/index.ts';
import type { ProxyConfig } from '../config/index.ts';
import type { Identity } from '../identity/setup.ts';
import type { LoadedPki } from '../pki/index.ts';
import type { Store } from '../store/index.ts';

export type ConsoleRole = 'admin' | 'helpdesk' | 'employee';

/** A user signed in to the console. */
export interface ConsolePrincipal {
  user: string;
  name?: string;
  email?: string;
  groups: string[];
  role: ConsoleRole;
}

export interface ConsoleAuth {
  /**
   * The console user of this request, or undefined when it carries no console cookie. Throws a
   * ZerogateError (401/403) for a cookie that is invalid, or a change without a valid CSRF token.
   */
  principal(request: FastifyRequest): Promise<ConsolePrincipal | undefined>;
}

export interface ConsoleAuthDeps {
  config: ProxyConfig;
  store: Store;
  pki: LoadedPki;
  audit: AuditLog;
  identity: Identity;
}

export async function createConsoleAuth(_deps: ConsoleAuthDeps): Promise<ConsoleAuth> {
  // Filled in by the console work of issue 5: no console sessions exist yet.
  return { principal: async () => undefined };
}
