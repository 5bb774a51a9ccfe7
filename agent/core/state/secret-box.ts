/**
 * A seam for encrypting the agent's secrets at rest (DESIGN.md §3: "on the desktop, secrets are
 * encrypted with Electron safeStorage"). The CLI uses no box: its secrets are files readable only
 * by the user (0600). The desktop app passes a box backed by the OS keychain; with one, the
 * device key, the session token and the IdP refresh token are written sealed, and a box that
 * cannot encrypt refuses to write rather than fall back to plain text.
 */
import { ZerogateError } from '../../../shared/errors.ts';

export interface SecretBox {
  /** For messages: which store protects the secrets (e.g. "the macOS Keychain"). */
  readonly name: string;
  /** Encrypts `plain`; throws a ZerogateError when encryption is not available (never stores plain text). */
  seal(plain: string): Uint8Array;
  /** Decrypts what `seal` produced; throws when it cannot (other user, other machine, keychain reset). */
  open(sealed: Uint8Array): string;
}

/** Sealed files are text: this prefix, then the sealed bytes in base64. */
export const SEALED_PREFIX = 'zerogate-sealed:v1:';

export function isSealed(content: string): boolean {
  return content.startsWith(SEALED_PREFIX);
}

export function sealText(box: SecretBox, plain: string): string {
  return `${SEALED_PREFIX}${Buffer.from(box.seal(plain)).toString('base64')}\n`;
}

/** Opens a sealed file's content; a box that cannot open it is an unreadable file (undefined). */
export function openText(box: SecretBox, content: string): string | undefined {
  const body = content.slice(SEALED_PREFIX.length).trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  try {
    return box.open(Buffer.from(body, 'base64'));
  } catch {
    return undefined;
  }
}

/** What the CLI says about a secret sealed by the desktop app, which it cannot open. */
export function sealedElsewhere(file: string): ZerogateError {
  return new ZerogateError('ZG_ERR_AUTH_NOT_ENROLLED', `${file} is encrypted by the Zerogate desktop app: sign in there, or set ZEROGATE_HOME to another directory for the CLI`);
}
