import { ZerogateError } from '../../../shared/errors.ts';

/** The error of a sign-in that the user (or the app, through its AbortSignal) cancelled on this device. */
export function cancelled(): ZerogateError {
  return new ZerogateError('ZG_ERR_AUTH_LOGIN_FAILED', 'the sign-in was cancelled', { detail: { cancelled: true } });
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw cancelled();
}
