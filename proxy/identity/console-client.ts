/**
 * The web console's client at the embedded IdP: a confidential web client (the proxy itself)
 * with the authorization code grant, PKCE and a client secret kept in the data dir.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { ClientMetadata } from 'oidc-provider';
import { ZerogateError } from '../../shared/errors.ts';

/** The console's client id at the embedded IdP. */
export const CONSOLE_CLIENT_ID = 'zerogate-console';

/** Where the IdP sends the browser back, under the proxy's public URL. */
export const CONSOLE_CALLBACK_PATH = '/console/callback';

/** The data dir file with the console client's secret (0600). */
export const CONSOLE_CLIENT_SECRET_FILE = 'console-client-secret';

/** 32 random bytes, base64url: 43 characters. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43,128}$/;

/**
 * The console client's metadata. `redirect_uris` is exact (no wildcard, no loopback port
 * freedom: this is a web client), and the secret is sent with HTTP Basic at the token endpoint.
 */
export function consoleClient(publicUrl: string, secret: string): ClientMetadata {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_secret: secret,
    client_name: 'Zerogate console',
    application_type: 'web',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${publicUrl}${CONSOLE_CALLBACK_PATH}`],
  };
}

/**
 * The console client's secret (see {@link loadOrCreateSecret}). Every node of one store must use
 * the same secret, since the IdP's client is the same.
 */
export function loadOrCreateConsoleSecret(file: string): string {
  return loadOrCreateSecret(file, 'a console client secret');
}

/**
 * A random secret kept in `file`: read, or made once and written with mode 0600 (the `wx` flag:
 * of two nodes starting at once on a shared data dir, one writes and the other reads it).
 */
export function loadOrCreateSecret(file: string, what: string): string {
  try {
    return checkSecret(readFileSync(file, 'utf8').trim(), file, what);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return checkSecret(readFileSync(file, 'utf8').trim(), file, what);
    throw error;
  }
  chmodSync(file, 0o600);
  return secret;
}

function checkSecret(secret: string, file: string, what: string): string {
  if (!SECRET_PATTERN.test(secret)) {
    throw new ZerogateError('ZG_ERR_IDP_KEYS_INVALID', `${file} does not hold ${what}: delete it to have a new one made (every proxy node sharing the store must then get the new file)`);
  }
  return secret;
}
