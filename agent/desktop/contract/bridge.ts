import type { SignInInput } from './channels.ts';
import type { CallResult, DesktopState } from './state.ts';

/**
 * What the preload exposes as `window.zerogate` (contextBridge): every call is validated in the
 * preload and again in the main process, and answers plain data.
 */
export interface ZerogateBridge {
  getState(): Promise<CallResult>;
  /** Opens the system browser to sign in (OIDC + PKCE, loopback redirect, as `zerogate login`). */
  signIn(input?: SignInInput): Promise<CallResult>;
  cancelSignIn(): Promise<CallResult>;
  signOut(): Promise<CallResult>;
  connect(appId: string): Promise<CallResult>;
  disconnect(appId: string): Promise<CallResult>;
  setStartAtLogin(enabled: boolean): Promise<CallResult>;
  /** Calls `listener` with each new state; returns the unsubscribe function. */
  onState(listener: (state: DesktopState) => void): () => void;
}
