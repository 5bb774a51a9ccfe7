/**
 * The fixed IPC surface between the window and the main process (as VS Code's preload does:
 * a closed list of channels, each with its argument rules, checked on both sides). Pure: no
 * Node, no Electron, so the renderer, the preload and the main process share it.
 */

/** Invoke channels (renderer -> main, answered with a CallResult). */
export const CHANNELS = {
  getState: 'zerogate:get-state',
  signIn: 'zerogate:sign-in',
  cancelSignIn: 'zerogate:cancel-sign-in',
  signOut: 'zerogate:sign-out',
  connect: 'zerogate:connect',
  disconnect: 'zerogate:disconnect',
  setStartAtLogin: 'zerogate:set-start-at-login',
} as const;

/** The one event channel (main -> renderer): the new DesktopState. */
export const STATE_EVENT = 'zerogate:state';

export type ChannelName = keyof typeof CHANNELS;
export type Channel = (typeof CHANNELS)[ChannelName];

export const INVOKE_CHANNELS: readonly Channel[] = Object.values(CHANNELS);

/** App ids as the proxy's config allows them (lower-case, digits, dashes; at most 63). */
export const APP_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A CA fingerprint: SHA-256, 64 hex digits, optionally in colon-separated pairs. */
export const FINGERPRINT_PATTERN = /^(?:[0-9A-Fa-f]{64}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31})$/;
export const MAX_PROXY_URL_LENGTH = 2048;

export interface SignInInput {
  proxyUrl?: string;
  caFingerprint?: string;
}

/** Thrown (preload) or answered (main) for a call whose arguments break the rules. */
export class BridgeArgumentError extends TypeError {
  readonly code = 'ZG_ERR_USAGE';
}

function fail(message: string): never {
  throw new BridgeArgumentError(message);
}

export function checkAppId(value: unknown): string {
  if (typeof value !== 'string' || !APP_ID_PATTERN.test(value)) fail('an app id is 1-63 lower-case letters, digits and dashes');
  return value;
}

export function checkBoolean(value: unknown): boolean {
  if (typeof value !== 'boolean') fail('expected true or false');
  return value;
}

/** An https proxy origin, no credentials, path, query or fragment. */
export function checkProxyUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PROXY_URL_LENGTH) fail('the proxy address is an https URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('the proxy address is an https URL, e.g. https://access.example.com:8443');
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    fail('the proxy address is an https URL with a host and an optional port only');
  }
  return url.origin;
}

/** Sign-in input: nothing (a device already enrolled), or the proxy and, optionally, its CA fingerprint. */
export function checkSignIn(value: unknown): SignInInput {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) fail('sign-in takes an object');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) if (key !== 'proxyUrl' && key !== 'caFingerprint') fail(`unknown sign-in field "${key.slice(0, 40)}"`);
  const out: SignInInput = {};
  if (input.proxyUrl !== undefined && input.proxyUrl !== '') out.proxyUrl = checkProxyUrl(input.proxyUrl);
  if (input.caFingerprint !== undefined && input.caFingerprint !== '') {
    if (typeof input.caFingerprint !== 'string' || !FINGERPRINT_PATTERN.test(input.caFingerprint.trim())) fail('the CA fingerprint is 64 hexadecimal digits (SHA-256)');
    out.caFingerprint = input.caFingerprint.trim();
  }
  if (out.caFingerprint !== undefined && out.proxyUrl === undefined) fail('a CA fingerprint needs the proxy address');
  return out;
}

/** Each channel's argument rules: the parsed arguments, or a BridgeArgumentError. */
export const ARGUMENTS: { readonly [K in Channel]: (args: readonly unknown[]) => unknown[] } = {
  [CHANNELS.getState]: (args) => exactly(args, 0),
  [CHANNELS.signIn]: (args) => (args.length === 0 ? [] : [checkSignIn(exactly(args, 1)[0])]),
  [CHANNELS.cancelSignIn]: (args) => exactly(args, 0),
  [CHANNELS.signOut]: (args) => exactly(args, 0),
  [CHANNELS.connect]: (args) => [checkAppId(exactly(args, 1)[0])],
  [CHANNELS.disconnect]: (args) => [checkAppId(exactly(args, 1)[0])],
  [CHANNELS.setStartAtLogin]: (args) => [checkBoolean(exactly(args, 1)[0])],
};

function exactly(args: readonly unknown[], n: number): unknown[] {
  if (args.length !== n) fail(`expected ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
  return [...args];
}

export function isInvokeChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(value);
}
