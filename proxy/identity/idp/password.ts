import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** OWASP password storage cheat sheet minimum for scrypt: N=2^14 (here 2^14, r=8, p=1 takes ~50 ms). */
export const SCRYPT_COST = 16_384;
export const SCRYPT_BLOCK_SIZE = 8;
export const SCRYPT_PARALLELISM = 1;
export const SCRYPT_SALT_BYTES = 16;
export const SCRYPT_KEY_BYTES = 32;
/**
 * The most expensive parameters a stored hash may ask for. A hash is data (from a config file or
 * the store): one naming N=2^30 must not make each sign-in allocate gigabytes.
 */
export const SCRYPT_MAX_COST = 1 << 20;
export const SCRYPT_MAX_BLOCK_SIZE = 32;
export const SCRYPT_MAX_PARALLELISM = 16;
const SCRYPT_MAX_KEY_BYTES = 128;
const SCRYPT_MIN_SALT_BYTES = 8;

const PREFIX = 'scrypt';
const B64URL = /^[A-Za-z0-9_-]+$/;

/** A parsed `scrypt$N=..,r=..,p=..$<salt>$<hash>` string. */
export interface ParsedPasswordHash {
  cost: number;
  blockSize: number;
  parallelism: number;
  salt: Buffer;
  hash: Buffer;
}

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keyLength, options, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}

function scryptOptions(cost: number, blockSize: number, parallelism: number): ScryptOptions {
  // Node refuses to run when 128 * N * r * p exceeds maxmem; allow exactly what the parameters need.
  return { N: cost, r: blockSize, p: parallelism, maxmem: 256 * cost * blockSize * parallelism };
}

/**
 * NIST SP 800-63B §5.1.1.2: passwords are compared after Unicode normalisation, so the same
 * password typed on two keyboards (composed or decomposed accents) matches.
 */
function normalize(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Hashes a password with scrypt (RFC 7914) into a self-describing string,
 * `scrypt$N=16384,r=8,p=1$<salt, base64url>$<hash, base64url>`, that {@link verifyPassword}
 * reads back. An empty password is a `TypeError`.
 */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new TypeError('password must be a non-empty string');
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const hash = await scrypt(normalize(password), salt, SCRYPT_KEY_BYTES, scryptOptions(SCRYPT_COST, SCRYPT_BLOCK_SIZE, SCRYPT_PARALLELISM));
  return `${PREFIX}$N=${SCRYPT_COST},r=${SCRYPT_BLOCK_SIZE},p=${SCRYPT_PARALLELISM}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * Parses a hash made by {@link hashPassword}; undefined when it is malformed or asks for
 * parameters outside the bounds above.
 */
export function parsePasswordHash(value: string): ParsedPasswordHash | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.split('$');
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  const params = /^N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})$/.exec(parts[1] ?? '');
  const saltText = parts[2] ?? '';
  const hashText = parts[3] ?? '';
  if (params === null || !B64URL.test(saltText) || !B64URL.test(hashText)) return undefined;
  const cost = Number(params[1]);
  const blockSize = Number(params[2]);
  const parallelism = Number(params[3]);
  const powerOfTwo = cost > 1 && (cost & (cost - 1)) === 0;
  if (!powerOfTwo || cost > SCRYPT_MAX_COST) return undefined;
  if (blockSize < 1 || blockSize > SCRYPT_MAX_BLOCK_SIZE || parallelism < 1 || parallelism > SCRYPT_MAX_PARALLELISM) return undefined;
  const salt = Buffer.from(saltText, 'base64url');
  const hash = Buffer.from(hashText, 'base64url');
  if (salt.length < SCRYPT_MIN_SALT_BYTES || hash.length < 16 || hash.length > SCRYPT_MAX_KEY_BYTES) return undefined;
  return { cost, blockSize, parallelism, salt, hash };
}

/**
 * Checks a password against a hash from {@link hashPassword}, comparing in constant time.
 * A malformed hash is simply not a match (false).
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parsed = parsePasswordHash(hash);
  if (parsed === undefined || typeof password !== 'string') return false;
  const derived = await scrypt(normalize(password), parsed.salt, parsed.hash.length, scryptOptions(parsed.cost, parsed.blockSize, parsed.parallelism));
  return timingSafeEqual(derived, parsed.hash);
}
