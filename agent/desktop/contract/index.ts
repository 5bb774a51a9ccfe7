/** The window <-> main process contract: state shape, IPC channels and their argument rules. */
export { APP_ID_PATTERN, ARGUMENTS, BridgeArgumentError, CHANNELS, checkAppId, checkBoolean, checkProxyUrl, checkSignIn, FINGERPRINT_PATTERN, INVOKE_CHANNELS, isInvokeChannel, MAX_PROXY_URL_LENGTH, STATE_EVENT, type Channel, type ChannelName, type SignInInput } from './channels.ts';
export type { ZerogateBridge } from './bridge.ts';
export type { AppView, CallResult, CheckStatus, CheckView, ConnectionView, DesktopState, Phase, ProblemView } from './state.ts';
