import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { Store } from '../../store/index.ts';

/** Models whose instances belong to a grant and go when it is revoked (as oidc-provider's memory adapter). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/**
 * An oidc-provider adapter class backed by the store's `idpPayload*` methods, so sessions,
 * grants, codes and refresh tokens survive a restart and are shared by every proxy node.
 *
 * Expiry is checked against `Date.now()`, never an injected clock: oidc-provider computes
 * `expiresIn` and validates `exp` with the system clock, and the two must agree.
 */
export function storeAdapter(store: Store): AdapterConstructor {
  return class StoreAdapter implements Adapter {
    readonly #model: string;

    constructor(model: string) {
      this.#model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
      const expiresAt = typeof expiresIn === 'number' && expiresIn > 0 ? Date.now() + expiresIn * 1000 : undefined;
      await store.idpPayloadUpsert(
        { model: this.#model, id, payload: { ...payload }, expiresAt },
        {
          grantId: GRANTABLE.has(this.#model) ? stringOrUndefined(payload.grantId) : undefined,
          userCode: stringOrUndefined(payload.userCode),
          uid: this.#model === 'Session' ? stringOrUndefined(payload.uid) : undefined,
        },
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return (await store.idpPayloadFind(this.#model, id, Date.now()))?.payload;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return (await store.idpPayloadFindBy(this.#model, 'userCode', userCode, Date.now()))?.payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return (await store.idpPayloadFindBy(this.#model, 'uid', uid, Date.now()))?.payload;
    }

    async consume(id: string): Promise<void> {
      await store.idpPayloadConsume(this.#model, id, Date.now());
    }

    async destroy(id: string): Promise<void> {
      await store.idpPayloadDestroy(this.#model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.idpPayloadRevokeByGrantId(grantId);
    }
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Deletes expired IdP payloads every `intervalMs` (an unref'd timer: it never keeps the process
 * alive). A failed sweep is retried at the next tick; expired rows already read as absent.
 */
export class PayloadSweeper {
  readonly #timer: NodeJS.Timeout;
  #running: Promise<unknown> | undefined;

  constructor(store: Store, intervalMs: number) {
    this.#timer = setInterval(() => {
      this.#running ??= store
        .idpPayloadSweep(Date.now())
        .catch(() => 0)
        .finally(() => {
          this.#running = undefined;
        });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
