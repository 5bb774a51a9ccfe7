/**
 * The API the preload exposes as `window.zerogate`: a frozen object of small functions over a
 * fixed list of IPC channels. Every call's arguments are checked here before anything is sent
 * (and again in the main process); the renderer never sees ipcRenderer or an IPC event.
 */
import { ARGUMENTS, BridgeArgumentError, CHANNELS, STATE_EVENT, type CallResult, type Channel, type DesktopState, type ZerogateBridge } from '../contract/index.ts';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** The main process answers plain data; anything else is reported, not passed on. */
function asResult(value: unknown): CallResult {
  if (value !== null && typeof value === 'object' && typeof (value as { ok?: unknown }).ok === 'boolean') return value as CallResult;
  return { ok: false, error: { code: 'ZG_ERR_INTERNAL', message: 'the Zerogate app gave an unexpected answer', reasons: [] } };
}

export function createBridge(ipc: IpcRendererLike): ZerogateBridge {
  const call = (channel: Channel, args: unknown[]): Promise<CallResult> => {
    let checked: unknown[];
    try {
      checked = ARGUMENTS[channel](args);
    } catch (error) {
      return Promise.reject(error instanceof BridgeArgumentError ? error : new BridgeArgumentError('invalid arguments'));
    }
    return ipc.invoke(channel, ...checked).then(asResult);
  };
  // Rest parameters, so that a call with extra arguments is refused rather than trimmed.
  const bridge: ZerogateBridge = {
    getState: (...args: unknown[]) => call(CHANNELS.getState, args),
    signIn: (...args: unknown[]) => call(CHANNELS.signIn, args),
    cancelSignIn: (...args: unknown[]) => call(CHANNELS.cancelSignIn, args),
    signOut: (...args: unknown[]) => call(CHANNELS.signOut, args),
    connect: (...args: unknown[]) => call(CHANNELS.connect, args),
    disconnect: (...args: unknown[]) => call(CHANNELS.disconnect, args),
    setStartAtLogin: (...args: unknown[]) => call(CHANNELS.setStartAtLogin, args),
    onState(listener: (state: DesktopState) => void): () => void {
      if (typeof listener !== 'function') throw new BridgeArgumentError('onState takes a function');
      const forward = (_event: unknown, state: unknown): void => listener(state as DesktopState);
      ipc.on(STATE_EVENT, forward);
      return () => void ipc.removeListener(STATE_EVENT, forward);
    },
  } as ZerogateBridge;
  return Object.freeze(bridge);
}
