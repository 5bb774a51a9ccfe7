import { generateKeyPair, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { ZerogateError } from '../../../shared/errors.ts';
import { writeFileAtomic } from '../../pki/atomic-file.ts';

/** RSA 2048 signs ID tokens with RS256, the algorithm every OIDC client accepts (OIDC Core §15.1). */
export const IDP_SIGNING_KEY_BITS = 2048;
export const IDP_SIGNING_ALG = 'RS256';
/** Cookie signing keys (Keygrip): 32 random bytes each. */
export const COOKIE_KEY_BYTES = 32;
const KEYS_FILE_VERSION = 1;
const KEYS_FILE_MODE = 0o600;
const POSIX = process.platform !== 'win32';

/** The IdP's secrets: its private signing keys and the keys that sign its cookies. */
export interface IdpKeys {
  jwks: { keys: JsonWebKey[] };
  cookieKeys: string[];
}

/**
 * Reads the IdP keys file, or creates it (mode 0600, written atomically) on first start. The
 * same keys after a restart keep issued ID tokens verifiable and signed-in browsers signed in.
 * A file that exists but cannot be used is `ZG_ERR_IDP_KEYS_INVALID`: it is never replaced,
 * since that would silently invalidate every token in flight.
 */
export async function loadOrCreateIdpKeys(file: string): Promise<IdpKeys> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw invalid(file, 'cannot be read', error);
    const keys = await generateIdpKeys();
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, `${JSON.stringify({ version: KEYS_FILE_VERSION, ...keys }, null, 2)}\n`, KEYS_FILE_MODE);
    return keys;
  }
  const keys = parseKeysFile(file, text);
  if (POSIX && ((await stat(file)).mode & 0o077) !== 0) await chmod(file, KEYS_FILE_MODE);
  return keys;
}

/** The public half of each signing key, for verifying ID tokens without a JWKS round trip. */
export function publicJwksOf(keys: IdpKeys): { keys: JsonWebKey[] } {
  return {
    keys: keys.jwks.keys.map((k) => ({ kty: k.kty, n: k.n, e: k.e, kid: k.kid as string, alg: k.alg as string, use: 'sig' }) as JsonWebKey),
  };
}

async function generateIdpKeys(): Promise<IdpKeys> {
  const { privateKey } = await new Promise<{ privateKey: KeyObject }>((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: IDP_SIGNING_KEY_BITS }, (error, _publicKey, key) => (error === null ? resolve({ privateKey: key }) : reject(error)));
  });
  const jwk = privateKey.export({ format: 'jwk' });
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n as string, e: jwk.e as string });
  return {
    jwks: { keys: [{ ...jwk, kid, alg: IDP_SIGNING_ALG, use: 'sig' } as JsonWebKey] },
    cookieKeys: [randomBytes(COOKIE_KEY_BYTES).toString('base64url')],
  };
}

function parseKeysFile(file: string, text: string): IdpKeys {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw invalid(file, 'is not JSON', error);
  }
  if (typeof data !== 'object' || data === null) throw invalid(file, 'is not a JSON object');
  const record = data as Record<string, unknown>;
  if (record.version !== KEYS_FILE_VERSION) throw invalid(file, `has version ${JSON.stringify(record.version)}, expected ${KEYS_FILE_VERSION}`);
  const jwks = record.jwks as { keys?: unknown } | undefined;
  const keys = jwks?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw invalid(file, 'has no signing keys');
  for (const key of keys as Record<string, unknown>[]) {
    const complete = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'kid'].every((name) => typeof key?.[name] === 'string');
    if (key?.kty !== 'RSA' || key.alg !== IDP_SIGNING_ALG || !complete) throw invalid(file, 'has a signing key that is not a private RS256 RSA key');
  }
  const cookieKeys = record.cookieKeys;
  if (!Array.isArray(cookieKeys) || cookieKeys.length === 0 || !cookieKeys.every((k) => typeof k === 'string' && k.length >= 32)) {
    throw invalid(file, 'has no usable cookie keys');
  }
  return { jwks: { keys: keys as JsonWebKey[] }, cookieKeys: cookieKeys as string[] };
}

function invalid(file: string, problem: string, cause?: unknown): ZerogateError {
  return new ZerogateError('ZG_ERR_IDP_KEYS_INVALID', `the embedded IdP keys file ${file} ${problem}: restore it from a backup, or delete it to make new keys (everyone signs in again)`, {
    cause,
    detail: { file },
  });
}
