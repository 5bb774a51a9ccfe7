/**
 * The agent's secrets sealed with Electron safeStorage (DESIGN.md §3): the OS keychain holds the
 * key (macOS Keychain, Windows DPAPI, libsecret or KWallet on Linux). When none is usable, the
 * box refuses to seal: the desktop app never writes a token in plain text.
 */
import { ZerogateError } from '../../../shared/errors.ts';
import type { SecretBox } from '../../core/state/index.ts';
import type { SafeStorageLike } from './electron-port.ts';

/** The error code a refusal carries (docs/errors.md). */
export const SECRETS_UNAVAILABLE_CODE = 'ZG_ERR_SECRETS_UNAVAILABLE';

export interface SecretStoreStatus {
  available: boolean;
  /** For people: where the key lives. */
  store: string;
  /** Why it is unavailable, and what to do. */
  message?: string;
}

function storeName(platform: NodeJS.Platform, backend: string | undefined): string {
  if (platform === 'darwin') return 'the macOS Keychain';
  if (platform === 'win32') return 'Windows (DPAPI)';
  if (backend === 'kwallet' || backend === 'kwallet5' || backend === 'kwallet6') return 'KWallet';
  if (backend === 'gnome_libsecret') return 'the Secret Service (GNOME Keyring)';
  return 'the system keyring';
}

/** Whether safeStorage can protect secrets here, and in words why not. */
export function secretStoreStatus(safeStorage: SafeStorageLike, platform: NodeJS.Platform): SecretStoreStatus {
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined;
  const store = storeName(platform, backend);
  if (!safeStorage.isEncryptionAvailable()) {
    return { available: false, store, message: `Zerogate cannot encrypt its secrets: ${store} is not available. Unlock or install a keyring (GNOME Keyring or KWallet on Linux) and restart Zerogate. Zerogate will not store your sign-in unencrypted.` };
  }
  // On Linux without a keyring Electron falls back to a key built into Chromium: no protection.
  if (backend === 'basic_text' || backend === 'unknown') {
    return { available: false, store, message: 'Zerogate cannot encrypt its secrets: no keyring (GNOME Keyring or KWallet) is running, only a fixed built-in key. Start a keyring and restart Zerogate. Zerogate will not store your sign-in unencrypted.' };
  }
  return { available: true, store };
}

export class SafeStorageBox implements SecretBox {
  readonly name: string;
  readonly #safeStorage: SafeStorageLike;
  readonly #platform: NodeJS.Platform;

  constructor(safeStorage: SafeStorageLike, platform: NodeJS.Platform) {
    this.#safeStorage = safeStorage;
    this.#platform = platform;
    this.name = secretStoreStatus(safeStorage, platform).store;
  }

  /** Checked at every write: a keyring can be locked or go away while the app runs. */
  seal(plain: string): Uint8Array {
    const status = secretStoreStatus(this.#safeStorage, this.#platform);
    if (!status.available) throw new ZerogateError(SECRETS_UNAVAILABLE_CODE, status.message ?? 'secret storage is unavailable');
    return this.#safeStorage.encryptString(plain);
  }

  open(sealed: Uint8Array): string {
    return this.#safeStorage.decryptString(sealed);
  }
}
