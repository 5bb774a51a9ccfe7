import { createGuardrails, generate, generateSecret, generateURI, verify } from 'otplib';
import type { Store } from '../../store/index.ts';

/** RFC 6238 as authenticator apps implement it: SHA-1, 6 digits, 30 s steps. */
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_S = 30;
/** Codes one step early or late are accepted (clock drift, typing time), RFC 6238 §5.2. */
export const TOTP_WINDOW_STEPS = 1;
/** Secrets made at enrolment: 160 bits, as RFC 4226 §4 recommends. */
export const TOTP_SECRET_BYTES = 20;
/**
 * Shortest secret accepted from the config file (16 base32 characters, what many
 * authenticator exports hold); otplib's default floor is 16 bytes.
 */
export const MIN_TOTP_SECRET_BYTES = 10;

const GUARDRAILS = createGuardrails({ MIN_SECRET_BYTES: MIN_TOTP_SECRET_BYTES });
const CODE_PATTERN = new RegExp(`^\\d{${TOTP_DIGITS}}$`);
/** Store model holding each user's last accepted time step (replay protection). */
const LAST_STEP_MODEL = 'ZerogateTotpStep';

export type TotpOutcome = 'ok' | 'bad-code' | 'code-replayed';

/** A new random base32 secret for enrolment. */
export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES });
}

/** The `otpauth://` URI an authenticator app scans (Key Uri Format). */
export function totpUri(issuer: string, username: string, secret: string): string {
  return generateURI({ issuer, label: username, secret });
}

/** True when `secret` is base32 that otplib can use (checked once for config secrets). */
export async function isUsableTotpSecret(secret: string): Promise<boolean> {
  try {
    await generate({ secret, guardrails: GUARDRAILS });
    return true;
  } catch {
    return false;
  }
}

/** Strips the spaces people type or paste between digit groups. */
export function normalizeTotpCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/**
 * Verifies TOTP codes (RFC 6238) with a ±{@link TOTP_WINDOW_STEPS} window and refuses a code
 * whose time step is not newer than the last one accepted for the same user (RFC 6238 §5.2:
 * a verifier must not accept an OTP twice). The last step lives in the store so that every
 * proxy node refuses the replay; checks for one user are serialised within this process.
 *
 * Across nodes sharing a store, the step update (`#advance`) is one conditional write
 * (`idpPayloadAdvanceStep`): of two nodes checking the same code at once, one wins.
 */
export class TotpVerifier {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(store: Store, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  async verify(username: string, secret: string, code: string): Promise<TotpOutcome> {
    const previous = this.#queues.get(username) ?? Promise.resolve();
    const current = previous.then(() => this.#verifyNow(username, secret, code));
    const settled = current.catch(() => undefined);
    this.#queues.set(username, settled);
    void settled.then(() => {
      if (this.#queues.get(username) === settled) this.#queues.delete(username);
    });
    return current;
  }

  async #verifyNow(username: string, secret: string, code: string): Promise<TotpOutcome> {
    const token = normalizeTotpCode(code);
    if (!CODE_PATTERN.test(token)) return 'bad-code';
    const now = this.#now();
    let result: Awaited<ReturnType<typeof verify>>;
    try {
      result = await verify({
        secret,
        token,
        epoch: Math.floor(now / 1000),
        epochTolerance: TOTP_WINDOW_STEPS * TOTP_PERIOD_S,
        period: TOTP_PERIOD_S,
        digits: TOTP_DIGITS,
        guardrails: GUARDRAILS,
      });
    } catch {
      return 'bad-code';
    }
    if (!result.valid || !('timeStep' in result)) return 'bad-code';
    return (await this.#advance(username, result.timeStep, now)) ? 'ok' : 'code-replayed';
  }

  /** Records `step` as the user's last accepted step if it is newer than the one stored; false (a replay) if not. */
  async #advance(username: string, step: number, now: number): Promise<boolean> {
    // Once the window has moved past this step no code at or before it can verify: the record may go.
    const expiresAt = (step + 2 * TOTP_WINDOW_STEPS + 1) * TOTP_PERIOD_S * 1000;
    return this.#store.idpPayloadAdvanceStep(LAST_STEP_MODEL, username, step, expiresAt, now);
  }
}
