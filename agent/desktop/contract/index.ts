/** The window <-> main process contract: state shape, IPC channels and their argument rules. */
export { APP_ID_PATTERN, ARGUMENTS, BridgeArgumentError, CHANNELS, checkAppId, checkBoolean, checkProxyUrl, checkProxyUrls, checkSignIn, FINGERPRINT_PATTERN, INVOKE_CHANNELS, isInvokeChannel, MAX_PROXY_URL_LENGTH, MAX_PROXY_URLS, STATE_EVENT, type Channel, type ChannelName, type SignInInput } from './channels.ts';
export type { ZerogateBridge } from './bridge.ts';
export { NOTE_MAX_LENGTH, NOTES_MAX } from './state.ts';
export type { AppView, CallResult, CheckStatus, CheckView, ConnectionView, DesktopState, EndpointView, Phase, ProblemView } from './state.ts';
