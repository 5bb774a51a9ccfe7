/**
 * The main side of the IPC bridge: one handler per fixed channel. Arguments are validated again
 * here (the renderer is never trusted, whatever the preload checked), calls are accepted only
 * from the app's own page, and every answer is plain data: `{ok, state}` or `{ok: false, error}`.
 */
import { ARGUMENTS, BridgeArgumentError, CHANNELS, type CallResult, type Channel, type DesktopState, type SignInInput } from '../contract/index.ts';
import { problemOf, type DesktopController } from './controller.ts';
import type { ElectronPort, IpcEvent } from './electron-port.ts';
import { isTrustedSender } from './window-security.ts';

type Call = (controller: DesktopController, args: unknown[]) => DesktopState | Promise<DesktopState>;

const CALLS: { readonly [K in Channel]: Call } = {
  [CHANNELS.getState]: (c) => c.state(),
  [CHANNELS.signIn]: (c, args) => c.signIn(args[0] as SignInInput | undefined),
  [CHANNELS.cancelSignIn]: (c) => c.cancelSignIn(),
  [CHANNELS.signOut]: (c) => c.signOut(),
  [CHANNELS.connect]: (c, args) => c.connect(args[0] as string),
  [CHANNELS.disconnect]: (c, args) => c.disconnect(args[0] as string),
  [CHANNELS.setStartAtLogin]: (c, args) => c.setStartAtLogin(args[0] as boolean),
};

/** Handles one call: the sender and arguments checked, the answer plain data. */
export async function handleCall(controller: DesktopController, pageUrl: string, channel: Channel, event: IpcEvent, args: unknown[]): Promise<CallResult> {
  if (!isTrustedSender(event.senderFrame?.url, pageUrl)) {
    return { ok: false, error: { code: 'ZG_ERR_USAGE', message: 'calls are accepted from the Zerogate window only', reasons: [] } };
  }
  let parsed: unknown[];
  try {
    parsed = ARGUMENTS[channel](args);
  } catch (error) {
    const message = error instanceof BridgeArgumentError ? error.message : 'invalid arguments';
    return { ok: false, error: { code: 'ZG_ERR_USAGE', message, reasons: [] } };
  }
  try {
    return { ok: true, state: await CALLS[channel](controller, parsed) };
  } catch (error) {
    return { ok: false, error: problemOf(error) };
  }
}

export function registerIpc(electron: ElectronPort, controller: DesktopController, pageUrl: string): void {
  for (const channel of Object.values(CHANNELS)) {
    electron.handle(channel, (event, ...args) => handleCall(controller, pageUrl, channel, event, args));
  }
}
