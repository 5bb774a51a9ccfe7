import type { Store } from '../../store/index.ts';

/**
 * Where one sign-in (one oidc-provider interaction) stands after its password step:
 * `totp` asks for a code; `enrol` shows a new authenticator secret, which is kept here (server
 * side, never in a form field) until a valid code proves the app holds it. `switch`: the
 * browser is signed in already, and the person chose "sign in as someone else" on the
 * confirmation page, so the password page is shown although oidc-provider asks only for consent.
 */
export type LoginState =
  | { stage: 'switch' }
  | { stage: 'totp'; username: string }
  | { stage: 'enrol'; username: string; secret: string; shown: boolean };

/** A state after a correct password: a code is asked for next. */
export type CodeState = Exclude<LoginState, { stage: 'switch' }>;

/** Store model of login states; keyed by interaction uid, gone when the interaction expires. */
const MODEL = 'ZerogateLogin';

/**
 * Login states in the store (next to oidc-provider's own models), so a sign-in started on one
 * proxy node can finish on another and the pending secret never reaches the browser twice.
 */
export class LoginStates {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async get(uid: string): Promise<LoginState | undefined> {
    const record = await this.#store.idpPayloadFind(MODEL, uid, Date.now());
    return record === undefined ? undefined : parse(record.payload);
  }

  /** `expiresAt` (ms): the interaction's own expiry. */
  async set(uid: string, state: LoginState, expiresAt: number): Promise<void> {
    await this.#store.idpPayloadUpsert({ model: MODEL, id: uid, payload: { ...state }, expiresAt }, {});
  }

  async delete(uid: string): Promise<void> {
    await this.#store.idpPayloadDestroy(MODEL, uid);
  }
}

function parse(payload: Record<string, unknown>): LoginState | undefined {
  const { stage, username, secret, shown } = payload;
  if (stage === 'switch') return { stage };
  if (typeof username !== 'string') return undefined;
  if (stage === 'totp') return { stage, username };
  if (stage === 'enrol' && typeof secret === 'string' && typeof shown === 'boolean') return { stage, username, secret, shown };
  return undefined;
}
