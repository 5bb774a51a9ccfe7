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
/**
 * The most proxy addresses an enrolment keeps: the same bound as `zerogate login --proxy`
 * (agent/core/http MAX_PROXY_URLS; a test keeps the two equal).
 */
export const MAX_PROXY_URLS = 16;

export interface SignInInput {
  /**
   * The proxy addresses, in order of preference (docs/failover.md); each entry may itself be a
   * comma-separated list, as `--proxy` may. Checked, the answer holds one origin per entry.
   */
  proxyUrls?: string[];
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

/**
 * Proxy addresses as `zerogate login --proxy` takes them: each entry an https origin or a
 * comma-separated list of them; blanks skipped, duplicates dropped (order kept), at most
 * MAX_PROXY_URLS. An empty list is no list (a device already enrolled keeps its own).
 */
export function checkProxyUrls(value: unknown): string[] {
  if (!Array.isArray(value)) fail('the proxy addresses are a list of https URLs');
  if (value.length > MAX_PROXY_URLS) fail(`at most ${MAX_PROXY_URLS} proxy addresses may be given`);
  const origins: string[] = [];
  for (const entry of value as unknown[]) {
    // A comma-separated entry may hold up to MAX_PROXY_URLS addresses, no more text than that.
    if (typeof entry !== 'string' || entry.length > MAX_PROXY_URLS * (MAX_PROXY_URL_LENGTH + 1)) fail('each proxy address is an https URL');
    for (const part of entry.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
      const origin = checkProxyUrl(part);
      if (!origins.includes(origin)) origins.push(origin);
      if (origins.length > MAX_PROXY_URLS) fail(`at most ${MAX_PROXY_URLS} proxy addresses may be given`);
    }
  }
  return origins;
}

/** Sign-in input: nothing (a device already enrolled), or the proxy addresses and, optionally, the CA fingerprint. */
export function checkSignIn(value: unknown): SignInInput {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) fail('sign-in takes an object');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) if (key !== 'proxyUrls' && key !== 'caFingerprint') fail(`unknown sign-in field "${key.slice(0, 40)}"`);
  const out: SignInInput = {};
  if (input.proxyUrls !== undefined) {
    const origins = checkProxyUrls(input.proxyUrls);
    if (origins.length > 0) out.proxyUrls = origins;
  }
  if (input.caFingerprint !== undefined && input.caFingerprint !== '') {
    if (typeof input.caFingerprint !== 'string' || !FINGERPRINT_PATTERN.test(input.caFingerprint.trim())) fail('the CA fingerprint is 64 hexadecimal digits (SHA-256)');
    out.caFingerprint = input.caFingerprint.trim();
  }
  if (out.caFingerprint !== undefined && out.proxyUrls === undefined) fail('a CA fingerprint needs the proxy address');
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
