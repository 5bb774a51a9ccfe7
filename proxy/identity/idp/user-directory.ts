import { ZerogateError } from '../../../shared/errors.ts';
import type { Store } from '../../store/index.ts';
import type { IdpUserConfig } from './options.ts';
import { parsePasswordHash } from './password.ts';
import { isUsableTotpSecret } from './totp.ts';

/** A user who may sign in at the embedded IdP, from the config file or the store. */
export interface IdpAccount {
  username: string;
  email: string;
  name: string | undefined;
  groups: string[];
  passwordHash: string;
  disabled: boolean;
  source: 'config' | 'store';
  /** The secret from the config file, if it names one (it then wins over the store's). */
  configTotpSecret: string | undefined;
}

/**
 * The users of the embedded IdP: config users first (they win on a name clash), then the
 * store's. Store users are read on every lookup, so disabling one takes effect at once.
 */
export class UserDirectory {
  readonly #config: ReadonlyMap<string, IdpAccount>;
  readonly #store: Store;

  private constructor(config: Map<string, IdpAccount>, store: Store) {
    this.#config = config;
    this.#store = store;
  }

  /**
   * Checks config users once at start: a malformed hash or TOTP secret, or a username listed
   * twice, is `ZG_ERR_CONFIG_INVALID` (the proxy would otherwise start with users who can never
   * sign in).
   */
  static async create(users: readonly IdpUserConfig[], store: Store): Promise<UserDirectory> {
    const config = new Map<string, IdpAccount>();
    for (const user of users) {
      const where = { user: user.username };
      if (typeof user.username !== 'string' || user.username.length === 0) throw new ZerogateError('ZG_ERR_CONFIG_INVALID', 'an embedded IdP user has no username', { detail: where });
      if (config.has(user.username)) throw new ZerogateError('ZG_ERR_CONFIG_INVALID', `the embedded IdP user ${user.username} is listed twice`, { detail: where });
      if (parsePasswordHash(user.passwordHash) === undefined) {
        throw new ZerogateError('ZG_ERR_CONFIG_INVALID', `the password hash of ${user.username} is not an scrypt hash from \`zerogate-proxy user hash-password\``, { detail: where });
      }
      if (user.totpSecret !== undefined && !(await isUsableTotpSecret(user.totpSecret))) {
        throw new ZerogateError('ZG_ERR_CONFIG_INVALID', `the TOTP secret of ${user.username} is not base32 of at least 10 bytes`, { detail: where });
      }
      config.set(user.username, {
        username: user.username,
        email: user.email,
        name: user.name,
        groups: [...user.groups],
        passwordHash: user.passwordHash,
        disabled: false,
        source: 'config',
        configTotpSecret: user.totpSecret,
      });
    }
    return new UserDirectory(config, store);
  }

  /** The user, enabled or not; undefined when nobody has that name. */
  async find(username: string): Promise<IdpAccount | undefined> {
    const fromConfig = this.#config.get(username);
    if (fromConfig !== undefined) return fromConfig;
    const record = await this.#store.getIdpUser(username);
    if (record === undefined) return undefined;
    return {
      username: record.username,
      email: record.email,
      name: record.name,
      groups: [...record.groups],
      passwordHash: record.passwordHash,
      disabled: record.disabled,
      source: 'store',
      configTotpSecret: undefined,
    };
  }

  /** The user's TOTP secret (config first, then the store); undefined: the user must enrol. */
  async totpSecret(account: IdpAccount): Promise<string | undefined> {
    return account.configTotpSecret ?? (await this.#store.getTotpSecret(account.username));
  }
}
