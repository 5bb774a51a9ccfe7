/**
 * The preload's bridge called directly, as the renderer would through contextBridge: bad
 * arguments never reach ipcRenderer; good ones go to the fixed channels; answers and events
 * arrive as plain data without the IPC event. The entry exposes it as `window.zerogate`.
 */
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, INVOKE_CHANNELS, STATE_EVENT } from '../contract/index.ts';
import { createBridge, type IpcRendererLike } from './bridge.ts';

function fakeIpc() {
  const invoked: { channel: string; args: unknown[] }[] = [];
  const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push({ channel, args });
      return { ok: true, state: { phase: 'signed-out' } };
    },
    on: (channel, listener) => listeners.set(channel, [...(listeners.get(channel) ?? []), listener]),
    removeListener: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== listener)),
  };
  const emit = (channel: string, ...args: unknown[]) => (listeners.get(channel) ?? []).forEach((l) => l({ sender: 'ipc-event' }, ...args));
  return { ipc, invoked, listeners, emit };
}

describe('preload bridge', () => {
  it('sends valid calls on their fixed channels', async () => {
    const { ipc, invoked } = fakeIpc();
    const zg = createBridge(ipc);
    await zg.getState();
    await zg.connect('wiki');
    await zg.disconnect('db-prod-2');
    await zg.setStartAtLogin(true);
    await zg.signIn();
    await zg.signIn({ proxyUrls: ['https://access.example.com:8443/'], caFingerprint: 'ab'.repeat(32) });
    // Several addresses: separate entries or a comma-separated list, as `--proxy`; blanks and duplicates dropped.
    await zg.signIn({ proxyUrls: [' https://zg1.example.com:8443 , https://zg2.example.com:8443', '', 'https://ZG1.example.com:8443', 'https://[2001:db8::1]:8443'], caFingerprint: 'ab'.repeat(32) });
    await zg.signIn({ proxyUrls: Array.from({ length: 16 }, (_, i) => `https://zg${i}.example.com`), caFingerprint: 'ab'.repeat(32) });
    await zg.cancelSignIn();
    await zg.signOut();
    expect(invoked).toEqual([
      { channel: CHANNELS.getState, args: [] },
      { channel: CHANNELS.connect, args: ['wiki'] },
      { channel: CHANNELS.disconnect, args: ['db-prod-2'] },
      { channel: CHANNELS.setStartAtLogin, args: [true] },
      { channel: CHANNELS.signIn, args: [] },
      { channel: CHANNELS.signIn, args: [{ proxyUrls: ['https://access.example.com:8443'], caFingerprint: 'ab'.repeat(32) }] },
      { channel: CHANNELS.signIn, args: [{ proxyUrls: ['https://zg1.example.com:8443', 'https://zg2.example.com:8443', 'https://[2001:db8::1]:8443'], caFingerprint: 'ab'.repeat(32) }] },
      { channel: CHANNELS.signIn, args: [{ proxyUrls: Array.from({ length: 16 }, (_, i) => `https://zg${i}.example.com`), caFingerprint: 'ab'.repeat(32) }] },
      { channel: CHANNELS.cancelSignIn, args: [] },
      { channel: CHANNELS.signOut, args: [] },
    ]);
    expect(new Set(invoked.map((i) => i.channel))).toEqual(new Set(INVOKE_CHANNELS));
  });

  it.each([
    ['an app id with a path', (zg: ReturnType<typeof createBridge>) => zg.connect('../etc')],
    ['an upper-case app id', (zg: ReturnType<typeof createBridge>) => zg.connect('Wiki')],
    ['a number as app id', (zg: ReturnType<typeof createBridge>) => zg.disconnect(42 as unknown as string)],
    ['an object as app id', (zg: ReturnType<typeof createBridge>) => zg.connect({ toString: () => 'wiki' } as unknown as string)],
    ['a 64-character app id', (zg: ReturnType<typeof createBridge>) => zg.connect('a'.repeat(64))],
    ['extra arguments', (zg: ReturnType<typeof createBridge>) => (zg.connect as (...a: unknown[]) => Promise<unknown>)('wiki', 'extra')],
    ['no argument', (zg: ReturnType<typeof createBridge>) => (zg.connect as (...a: unknown[]) => Promise<unknown>)()],
    ['a string for a boolean', (zg: ReturnType<typeof createBridge>) => zg.setStartAtLogin('true' as unknown as boolean)],
    ['1 for a boolean', (zg: ReturnType<typeof createBridge>) => zg.setStartAtLogin(1 as unknown as boolean)],
    ['an http proxy', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['http://access.example.com'], caFingerprint: 'ab'.repeat(32) })],
    ['a proxy with credentials', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['https://u:p@access.example.com'] })],
    ['a proxy with a path', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['https://access.example.com/evil?x=1'] })],
    ['a javascript: URL', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['javascript:alert(1)'] })],
    ['a bad address after a good one', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['https://a.example', 'https://b.example/path'], caFingerprint: 'ab'.repeat(32) })],
    ['a bad address inside a comma-separated list', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['https://a.example,http://b.example'], caFingerprint: 'ab'.repeat(32) })],
    ['17 proxy addresses in one list', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: [Array.from({ length: 17 }, (_, i) => `https://zg${i}.example.com`).join(',')], caFingerprint: 'ab'.repeat(32) })],
    ['17 proxy address entries', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: Array.from({ length: 17 }, () => 'https://zg.example.com'), caFingerprint: 'ab'.repeat(32) })],
    ['a string for the address list', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: 'https://a.example' as never, caFingerprint: 'ab'.repeat(32) })],
    ['a number in the address list', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['https://a.example', 443 as never], caFingerprint: 'ab'.repeat(32) })],
    ['an overlong address', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: [`https://${'a'.repeat(2100)}.example`], caFingerprint: 'ab'.repeat(32) })],
    ['the old single proxyUrl field', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrl: 'https://a.example', caFingerprint: 'ab'.repeat(32) } as never)],
    ['a short fingerprint', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['https://a.example'], caFingerprint: 'abcd' })],
    ['a fingerprint without a proxy', (zg: ReturnType<typeof createBridge>) => zg.signIn({ caFingerprint: 'ab'.repeat(32) })],
    ['a fingerprint with only blank addresses', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: [' ', ','], caFingerprint: 'ab'.repeat(32) })],
    ['an unknown sign-in field', (zg: ReturnType<typeof createBridge>) => zg.signIn({ proxyUrls: ['https://a.example'], evil: 1 } as never)],
    ['an array for sign-in', (zg: ReturnType<typeof createBridge>) => zg.signIn([] as never)],
    ['arguments to getState', (zg: ReturnType<typeof createBridge>) => (zg.getState as (...a: unknown[]) => Promise<unknown>)('x')],
  ])('refuses %s without calling ipcRenderer', async (_name, call) => {
    const { ipc, invoked } = fakeIpc();
    const zg = createBridge(ipc);
    await expect(call(zg)).rejects.toMatchObject({ name: 'TypeError', code: 'ZG_ERR_USAGE' });
    expect(invoked).toEqual([]);
  });

  it('passes state events to the listener without the IPC event, and unsubscribes', () => {
    const { ipc, emit, listeners } = fakeIpc();
    const zg = createBridge(ipc);
    const seen: unknown[][] = [];
    const off = zg.onState((...args: unknown[]) => seen.push(args));
    emit(STATE_EVENT, { phase: 'connected' });
    off();
    emit(STATE_EVENT, { phase: 'blocked' });
    expect(seen).toEqual([[{ phase: 'connected' }]]);
    expect(listeners.get(STATE_EVENT)).toEqual([]);
    expect(() => zg.onState('not a function' as never)).toThrow(TypeError);
  });

  it('is frozen, and turns an unexpected answer into an error result', async () => {
    const { ipc } = fakeIpc();
    ipc.invoke = async () => 'surprise';
    const zg = createBridge(ipc);
    expect(Object.isFrozen(zg)).toBe(true);
    expect(await zg.getState()).toMatchObject({ ok: false, error: { code: 'ZG_ERR_INTERNAL' } });
  });

  it('exposes the bridge as window.zerogate through contextBridge (the preload entry)', async () => {
    const exposed: { key: string; api: unknown }[] = [];
    vi.doMock('electron', () => ({
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push({ key, api }) },
      ipcRenderer: fakeIpc().ipc,
    }));
    await import('./index.ts');
    expect(exposed).toHaveLength(1);
    expect(exposed[0]!.key).toBe('zerogate');
    expect(Object.keys(exposed[0]!.api as object).sort()).toEqual(['cancelSignIn', 'connect', 'disconnect', 'getState', 'onState', 'setStartAtLogin', 'signIn', 'signOut']);
    vi.doUnmock('electron');
  });
});
