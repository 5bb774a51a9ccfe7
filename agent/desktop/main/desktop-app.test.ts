/**
 * The desktop main process in Node against a fake `electron` (test-electron.ts) and a real
 * proxy (test/helpers/stack.ts): sign-in (the IdP step replaced by a one-time-token enrolment
 * through the same AgentHome), the tray through signed out -> connecting -> connected ->
 * blocked -> connected as the device's posture changes, notifications when access is lost and
 * restored with the reason, local listeners, secrets sealed with safeStorage, the sign-in prompt
 * before the session ends, start at login, the window's security options and the IPC checks.
 *
 * With ZG_RECORD_DESKTOP_FIXTURES=1 the states seen here are written to test/fixtures/desktop/,
 * which the renderer test replays; otherwise the fixtures are checked against them.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostureReport } from '../../../shared/posture/index.ts';
import { createEnrollmentToken } from '../../../proxy/devices/index.ts';
import { echoCheck } from '../../../test/helpers/agent.ts';
import { compliantReport, unencryptedReport } from '../../../test/helpers/posture.ts';
import { crashable, startSecondNode, type CrashableNode } from '../../../test/helpers/failover.ts';
import { startEchoServer, startEchoStack, startStack, TEST_USER, waitFor, tempDir, type CountingServer, type EchoStack, type Stack } from '../../../test/helpers/stack.ts';
import { fetchApps } from '../../core/apps/index.ts';
import { enrollWithToken } from '../../core/enroll/index.ts';
import type { SignInOptions, SignInResult } from '../../core/session/index.ts';
import { SEALED_PREFIX } from '../../core/state/index.ts';
import { CHANNELS, NOTE_MAX_LENGTH, NOTES_MAX, type DesktopState } from '../contract/index.ts';
import { DesktopApp } from './app.ts';
import { FakeElectron } from './test-electron.ts';

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/desktop');
const RECORD = process.env.ZG_RECORD_DESKTOP_FIXTURES === '1';
const recorded: Record<string, DesktopState> = {};

/** Keeps a state for the renderer's replay (fixtures), or checks the stored one still matches. */
function record(name: string, state: DesktopState): void {
  recorded[name] = structuredClone(state);
}

function checkFixtures(): void {
  for (const [name, state] of Object.entries(recorded)) {
    const file = join(FIXTURES, `${name}.json`);
    if (RECORD) {
      writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
      continue;
    }
    const stored = JSON.parse(readFileSync(file, 'utf8')) as DesktopState;
    // The parts a screen depends on; times, ports and ids differ from run to run.
    const shape = (s: DesktopState) => ({
      phase: s.phase,
      needsProxy: s.needsProxy,
      tunnel: s.tunnel,
      apps: s.apps.map((a) => ({ id: a.id, allowed: a.allowed, reasons: a.reasons, remediation: a.remediation, connection: a.connection.state })),
      posture: s.posture.map((c) => ({ check: c.check, status: c.status, remediation: c.remediation })),
      blocked: s.blocked,
      expiringSoon: s.session?.expiringSoon,
      secrets: s.secrets.available,
      proxies: s.proxies?.length,
      // Which of the addresses is in use (the ports differ from run to run).
      inUse: s.endpoint === undefined ? undefined : s.proxies?.indexOf(s.endpoint.origin),
    });
    expect(shape(state), `${name}.json is stale: ZG_RECORD_DESKTOP_FIXTURES=1 npx vitest run ${'agent/desktop/main/desktop-app.test.ts'}`).toEqual(shape(stored));
  }
}

afterAll(() => checkFixtures());

const PAGE = '/opt/Zerogate/resources/app.asar/agent/desktop/dist/renderer/index.html';
const PAGE_URL = `file://${PAGE}`;

function newApp(electron: FakeElectron, homeDir: string, posture: () => PostureReport, signIn?: (options: SignInOptions) => Promise<SignInResult>, core: ConstructorParameters<typeof DesktopApp>[0]['core'] = {}) {
  return new DesktopApp({
    electron,
    homeDir,
    preloadPath: '/opt/Zerogate/resources/app.asar/agent/desktop/dist/preload.js',
    pagePath: PAGE,
    appsRefreshMs: 60_000,
    core: {
      collectPosture: async () => posture(),
      tunnel: { backoff: { initialMs: 50, maxMs: 500 } },
      reporter: { collectIntervalMs: 100 },
      ...(signIn === undefined ? {} : { signIn }),
      ...core,
    },
  });
}

describe('desktop app against a real proxy', () => {
  let echo: CountingServer;
  let stack: Stack;
  let electron: FakeElectron;
  let desktop: DesktopApp;
  let homeDir: string;
  let posture: PostureReport = compliantReport();
  let releaseSignIn: () => void = () => undefined;
  const states: DesktopState[] = [];

  beforeAll(async () => {
    echo = await startEchoServer();
    const upstream = `tcp://127.0.0.1:${echo.port}`;
    stack = await startStack({
      apps: [
        { id: 'wiki', name: 'Team wiki', upstream, policy: 'managed-device' },
        { id: 'chat', name: 'Chat', upstream, users: [TEST_USER] },
        { id: 'payroll', name: 'Payroll', upstream, users: ['someone-else@example.com'] },
      ],
      policies: {
        'managed-device': { allow: [{ users: [TEST_USER] }], require: { posture: { maxAge: '5m', diskEncryption: true } } },
      },
    } as Parameters<typeof startStack>[0]);
    homeDir = join(tempDir('zg-desktop-'), 'home');
    electron = new FakeElectron();
    // The IdP step of `zerogate login` is the browser's; here a one-time token enrols instead,
    // into the same (sealing) home the real sign-in would write.
    const signIn = async (options: SignInOptions): Promise<SignInResult> => {
      await options.open?.('https://idp.example.com/authorize?client_id=zerogate&code_challenge=x');
      await new Promise<void>((resolve) => (releaseSignIn = resolve));
      const { token } = await createEnrollmentToken(stack.proxy.store, TEST_USER, 60_000);
      const enrollment = await enrollWithToken({ proxyUrls: options.proxyUrls!, token, caFingerprint: options.caFingerprint!, home: options.home, hostname: 'laptop-1' });
      return { enrollment, session: options.home.loadSession()!, enrolled: true };
    };
    desktop = newApp(electron, homeDir, () => posture, signIn);
    desktop.controller.subscribe((s) => states.push(s));
    await desktop.start();
  }, 60_000);

  afterAll(async () => {
    await desktop?.controller.stop();
    await stack?.close();
    await echo?.close();
  });

  const current = () => desktop.controller.state();

  it('starts signed out: tray, tooltip and menu say so; the checklist is there; start at login is off', () => {
    expect(current()).toMatchObject({ phase: 'signed-out', needsProxy: true, tunnel: 'off', settings: { startAtLogin: false }, secrets: { available: true } });
    expect(current().posture.map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    expect(electron.tray).toMatchObject({ icon: 'signed-out', tooltip: 'Zerogate: signed out' });
    expect(electron.tray!.menu.map((m) => m.label)).toContain('Sign in…');
    expect(electron.loginItem).toBe(false);
    expect(electron.permissionsDenied).toBe(true);
    record('signed-out', current());
  });

  it('asks a device that is not enrolled for the proxy and its CA fingerprint', async () => {
    const result = await electron.invoke(PAGE_URL, CHANNELS.signIn);
    expect(result).toMatchObject({ ok: true, state: { phase: 'signed-out', problem: { code: 'ZG_ERR_USAGE' } } });
    expect(electron.opened).toEqual([]);
  });

  it('signs in through the system browser, then connects: signing in -> connecting -> connected', async () => {
    const answer = electron.invoke(PAGE_URL, CHANNELS.signIn, { proxyUrls: [stack.proxy.url], caFingerprint: stack.proxy.pki.caFingerprint });
    await waitFor(() => current().phase === 'signing-in', 5_000, 'signing in');
    expect(electron.opened).toEqual(['https://idp.example.com/authorize?client_id=zerogate&code_challenge=x']);
    expect(electron.tray).toMatchObject({ icon: 'connecting', tooltip: 'Zerogate: signing in (continue in your browser)' });
    record('signing-in', current());
    releaseSignIn();
    expect(await answer).toMatchObject({ ok: true });
    await waitFor(() => current().phase === 'connected', 10_000, 'connected');
    const phases = states.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(['signed-out', 'signing-in', 'connecting', 'connected']);
    const trayIcons = electron.trays.map((t) => t.icon).filter((p, i, all) => p !== all[i - 1]);
    expect(trayIcons).toEqual(['signed-out', 'connecting', 'connected']);
    const state = current();
    expect(state).toMatchObject({ user: TEST_USER, tunnel: 'connected', needsProxy: false, proxy: stack.proxy.url, proxies: [stack.proxy.url], endpoint: { origin: stack.proxy.url } });
    // Payroll is not this user's app at all: not listed.
    expect(state.apps.map((a) => [a.id, a.allowed])).toEqual([
      ['wiki', true],
      ['chat', true],
    ]);
    expect(electron.notifications).toEqual([]);
  });

  it('keeps the key, the session token and the refresh token sealed with safeStorage on disk', () => {
    const token = desktop.home.loadSession()!.token;
    expect(token.length).toBeGreaterThan(20);
    for (const file of readdirSync(homeDir)) {
      const raw = readFileSync(join(homeDir, file), 'utf8');
      expect(raw, file).not.toContain(token);
      expect(raw, file).not.toContain('PRIVATE KEY');
    }
    for (const file of ['session.json', 'device.key']) expect(readFileSync(join(homeDir, file), 'utf8').startsWith(SEALED_PREFIX)).toBe(true);
  });

  it('serves a connected app on 127.0.0.1 with its address, through the real tunnel', async () => {
    const result = (await electron.invoke(PAGE_URL, CHANNELS.connect, 'chat')) as { ok: true; state: DesktopState };
    const chat = result.state.apps.find((a) => a.id === 'chat')!;
    expect(chat.connection).toEqual({ state: 'on', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(await echoCheck(Number(chat.connection.address!.split(':')[1]), 4096)).toBe(true);
    await electron.invoke(PAGE_URL, CHANNELS.connect, 'wiki');
    expect(electron.tray?.tooltip).toBe(`Zerogate: connected to ${new URL(stack.proxy.url).host} (2 apps open)`);
    record('connected', current());
  });

  it('goes blocked when the disk encryption check fails: says which app and why, with what to do, and notifies', async () => {
    posture = unencryptedReport();
    await waitFor(() => current().phase === 'blocked', 10_000, 'blocked');
    const state = current();
    expect(state.blocked).toEqual({ apps: ['wiki'], reasons: ['disk-unencrypted'] });
    const wiki = state.apps.find((a) => a.id === 'wiki')!;
    expect(wiki).toMatchObject({ allowed: false, reasons: ['disk-unencrypted'] });
    expect(wiki.remediation[0]).toMatch(/encrypt/i);
    const disk = state.posture.find((c) => c.check === 'diskEncryption')!;
    expect(disk).toMatchObject({ status: 'fail', label: 'Disk encryption' });
    expect(disk.remediation).toMatch(/encrypt/i);
    expect(electron.tray).toMatchObject({ icon: 'blocked', tooltip: 'Zerogate: blocked: Team wiki (fix: disk encryption)' });
    await waitFor(() => electron.notifications.length > 0, 5_000, 'a notification');
    expect(electron.notifications).toEqual([
      { title: 'Access to Team wiki lost', body: 'Zerogate cut access to Team wiki because the disk is not encrypted. Open Zerogate to see what to do.', click: expect.any(Function) },
    ]);
    // Chat does not need posture: still allowed and served.
    expect(state.apps.find((a) => a.id === 'chat')!.allowed).toBe(true);
    record('blocked', state);
  });

  it('restores access when the check passes again, and says so', async () => {
    posture = compliantReport();
    await waitFor(() => current().phase === 'connected', 10_000, 'connected again');
    await waitFor(() => electron.notifications.length === 2, 5_000, 'the restored notification');
    expect(electron.notifications[1]).toMatchObject({ title: 'Access to Team wiki restored', body: 'You can use Team wiki again: this device meets its policy now.' });
    const trayIcons = electron.trays.map((t) => t.icon).filter((p, i, all) => p !== all[i - 1]);
    expect(trayIcons).toEqual(['signed-out', 'connecting', 'connected', 'blocked', 'connected']);
    // A notification's click opens the window.
    electron.notifications[1]!.click!();
    expect(electron.windows).toHaveLength(1);
  });

  it('opens a sandboxed, isolated window that cannot navigate away or open windows', async () => {
    const win = electron.windows[0]!;
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false });
    expect(win.options.webPreferences.preload).toMatch(/preload\.js$/);
    expect(win.loaded).toBe(PAGE);
    expect(win.webContents.emit('will-navigate', 'https://evil.example/')).toBe(true);
    expect(win.webContents.emit('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(win.webContents.emit('will-redirect', { url: 'https://evil.example/' })).toBe(true);
    expect(win.webContents.emit('will-frame-navigate', { url: 'https://evil.example/' })).toBe(true);
    expect(win.webContents.emit('will-attach-webview', {})).toBe(true);
    expect(win.webContents.emit('will-navigate', `${PAGE_URL}#apps`)).toBe(false);
    expect(win.webContents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    // The window gets every new state as plain data (the fake sends it through structuredClone).
    await desktop.controller.refreshApps();
    expect(win.webContents.sent.at(-1)).toMatchObject({ channel: 'zerogate:state', data: { phase: 'connected' } });
  });

  it('turns start at login on only when asked', async () => {
    expect(electron.loginItem).toBe(false);
    expect(await electron.invoke(PAGE_URL, CHANNELS.setStartAtLogin, true)).toMatchObject({ ok: true, state: { settings: { startAtLogin: true } } });
    expect(electron.loginItem).toBe(true);
    expect(await electron.invoke(PAGE_URL, CHANNELS.setStartAtLogin, false)).toMatchObject({ ok: true, state: { settings: { startAtLogin: false } } });
    expect(electron.loginItem).toBe(false);
  });

  it.each([
    ['connect', CHANNELS.connect, ['../../etc']],
    ['connect', CHANNELS.connect, [{ id: 'wiki' }]],
    ['connect', CHANNELS.connect, []],
    ['disconnect', CHANNELS.disconnect, ['WIKI']],
    ['setStartAtLogin', CHANNELS.setStartAtLogin, ['yes']],
    ['signIn', CHANNELS.signIn, [{ proxyUrls: ['file:///etc/passwd'] }]],
    ['signIn', CHANNELS.signIn, [{ proxyUrls: ['https://a.example'], __proto__: { x: 1 } }]],
    ['signIn', CHANNELS.signIn, [{ proxyUrls: ['https://a.example, https://u:p@b.example'], caFingerprint: 'ab'.repeat(32) }]],
    ['signIn', CHANNELS.signIn, [{ proxyUrls: Array.from({ length: 17 }, (_, i) => `https://zg${i}.example.com`), caFingerprint: 'ab'.repeat(32) }]],
    ['signIn', CHANNELS.signIn, [{ proxyUrl: 'https://a.example', caFingerprint: 'ab'.repeat(32) }]],
    ['getState', CHANNELS.getState, [1]],
  ])('the main side refuses bad input to %s (%#), whatever the preload did', async (_name, channel, args) => {
    const before = electron.loginItem;
    expect(await electron.invoke(PAGE_URL, channel, ...args)).toMatchObject({ ok: false, error: { code: 'ZG_ERR_USAGE' } });
    expect(electron.loginItem).toBe(before);
  });

  it('refuses calls from any frame but its own page', async () => {
    expect(await electron.invoke('https://evil.example/', CHANNELS.setStartAtLogin, true)).toMatchObject({ ok: false, error: { code: 'ZG_ERR_USAGE' } });
    expect(await electron.invoke('file:///tmp/other.html', CHANNELS.getState)).toMatchObject({ ok: false });
    expect(electron.loginItem).toBe(false);
    expect([...electron.handlers.keys()].sort()).toEqual(Object.values(CHANNELS).sort());
  });

  it('signs out: the tunnel stops, the secrets are deleted, the tray says signed out', async () => {
    const result = (await electron.invoke(PAGE_URL, CHANNELS.signOut)) as { ok: true; state: DesktopState };
    expect(result.state).toMatchObject({ phase: 'signed-out', tunnel: 'off', apps: [] });
    expect(readdirSync(homeDir).filter((f) => f !== 'ports.json')).toEqual([]);
    expect(electron.tray?.icon).toBe('signed-out');
  });
});

describe('desktop app: the session about to end', () => {
  it('asks the user to sign in again shortly before the session ends (a certificate that ends in 8 minutes)', async () => {
    const echo = await startEchoServer();
    const stack = await startStack({ apps: [{ id: 'chat', name: 'Chat', upstream: `tcp://127.0.0.1:${echo.port}`, users: [TEST_USER] }], devices: { certTtl: '8m' } } as Parameters<typeof startStack>[0]);
    const electron = new FakeElectron();
    const enrolled = await stack.enroll(TEST_USER);
    const desktop = newApp(electron, enrolled.home.dir, () => compliantReport());
    try {
      await desktop.start();
      await waitFor(() => desktop.controller.state().phase === 'connected', 10_000, 'connected');
      const state = desktop.controller.state();
      expect(state.session).toMatchObject({ expiringSoon: true });
      expect(Date.parse(state.session!.endsAt) - Date.now()).toBeLessThan(9 * 60_000);
      expect(electron.notifications).toEqual([{ title: 'Zerogate: sign in again soon', body: expect.stringMatching(/^Your session ends at .+\. Sign in again now to keep access to your apps\.$/), click: expect.any(Function) }]);
      expect(electron.tray!.menu.map((m) => m.label)).toContain('Session ends soon: sign in again…');
      // The plain secrets the token enrolment wrote were sealed as the app read them.
      expect(readFileSync(join(enrolled.home.dir, 'session.json'), 'utf8').startsWith(SEALED_PREFIX)).toBe(true);
      await electron.invoke(PAGE_URL, CHANNELS.connect, 'chat');
      record('session-expiring', desktop.controller.state());
    } finally {
      await desktop.controller.stop();
      await stack.close();
      await echo.close();
    }
  }, 30_000);
});

describe("desktop app: the sign-in's notes", () => {
  it('shows the core\'s note: lines (not its other lines) until the next sign-in, bounded in number and length', async () => {
    const electron = new FakeElectron();
    const homeDir = join(tempDir('zg-desktop-'), 'home');
    let lines: string[] = [];
    const desktop = newApp(electron, homeDir, () => compliantReport(), async (options) => {
      for (const line of lines) options.say(line);
      throw Object.assign(new Error('the identity provider cannot be reached: try again shortly'), { code: 'ZG_ERR_AUTH_IDP_UNAVAILABLE' });
    });
    await desktop.start();
    try {
      const input = { proxyUrls: ['https://a.example:8443, https://b.example:8443'], caFingerprint: 'ab'.repeat(32) };
      lines = ['Opening your browser to sign in', 'note: https://b.example:8443 cannot be reached now; it is kept as a proxy address and used when it answers'];
      const first = (await electron.invoke(PAGE_URL, CHANNELS.signIn, input)) as { ok: true; state: DesktopState };
      expect(first.state.notes).toEqual(['https://b.example:8443 cannot be reached now; it is kept as a proxy address and used when it answers']);
      expect(first.state.phase).toBe('signed-out');
      lines = Array.from({ length: 20 }, (_, i) => `note: ${String(i).repeat(400)}`);
      const second = (await electron.invoke(PAGE_URL, CHANNELS.signIn, input)) as { ok: true; state: DesktopState };
      expect(second.state.notes).toHaveLength(NOTES_MAX);
      expect(second.state.notes!.every((n) => n.length <= NOTE_MAX_LENGTH && n.endsWith('…'))).toBe(true);
      lines = [];
      const third = (await electron.invoke(PAGE_URL, CHANNELS.signIn, input)) as { ok: true; state: DesktopState };
      expect(third.state.notes).toBeUndefined();
    } finally {
      await desktop.controller.stop();
    }
  });
});

describe('desktop app without a usable keyring', () => {
  it.each([
    ['safeStorage unavailable', (e: FakeElectron) => (e.safeStorage.available = false)],
    ['only the built-in basic_text key', (e: FakeElectron) => (e.safeStorage.backend = 'basic_text')],
  ])('refuses to sign in and store secrets in plain text: %s', async (_name, breakIt) => {
    const electron = new FakeElectron();
    breakIt(electron);
    const homeDir = join(tempDir('zg-desktop-'), 'home');
    const desktop = newApp(electron, homeDir, () => compliantReport(), async () => {
      throw new Error('sign-in must not start');
    });
    await desktop.start();
    expect(desktop.controller.state().secrets).toMatchObject({ available: false, message: expect.stringContaining('will not store your sign-in unencrypted') });
    const result = (await electron.invoke(PAGE_URL, CHANNELS.signIn, { proxyUrls: ['https://proxy.example:8443'], caFingerprint: 'ab'.repeat(32) })) as { ok: true; state: DesktopState };
    expect(result.state).toMatchObject({ phase: 'signed-out', problem: { message: expect.stringContaining('cannot encrypt') } });
    expect(electron.opened).toEqual([]);
    // And the home itself refuses to write a secret.
    expect(() => desktop.home.saveSession({ sessionId: 's', user: 'u', token: 'TOKEN', expiresAt: '2030-01-01T00:00:00Z', sessionExpiresAt: '2030-01-01T00:00:00Z' })).toThrow(/cannot encrypt/);
    expect(() => readdirSync(homeDir)).toThrow();
    if (electron.safeStorage.available) record('secrets-unavailable', desktop.controller.state());
  });
});

describe('desktop app with two proxy nodes: failover (docs/failover.md)', () => {
  let stack: EchoStack;
  let nodeA: CrashableNode;
  let nodeB: CrashableNode;
  let electron: FakeElectron;
  let desktop: DesktopApp;
  let homeDir: string;
  const signIns: SignInOptions[] = [];
  /** Each app-list request the controller made: the endpoints it gave, and where it went. */
  const fetched: { origins: readonly string[]; ok: boolean; current?: string | undefined }[] = [];
  const states: DesktopState[] = [];
  const current = () => desktop.controller.state();
  const host = (url: string) => new URL(url).host;

  beforeAll(async () => {
    stack = await startEchoStack();
    nodeA = crashable(stack.proxy);
    nodeB = crashable(await startSecondNode(stack.proxy));
    homeDir = join(tempDir('zg-desktop-'), 'home');
    electron = new FakeElectron();
    const signIn = async (options: SignInOptions): Promise<SignInResult> => {
      signIns.push(options);
      const { token } = await createEnrollmentToken(stack.proxy.store, TEST_USER, 60_000);
      const enrollment = await enrollWithToken({ proxyUrls: options.proxyUrls!, token, caFingerprint: options.caFingerprint!, home: options.home, hostname: 'laptop-2' });
      return { enrollment, session: options.home.loadSession()!, enrolled: true };
    };
    desktop = newApp(electron, homeDir, () => compliantReport(), signIn, {
      fetchApps: async (creds, bearer, endpoints) => {
        try {
          const apps = await fetchApps(creds, bearer, endpoints);
          fetched.push({ origins: endpoints.origins, ok: true, current: endpoints.current?.origin });
          return apps;
        } catch (error) {
          fetched.push({ origins: endpoints.origins, ok: false });
          throw error;
        }
      },
    });
    desktop.controller.subscribe((s) => states.push(s));
    await desktop.start();
  }, 60_000);

  afterAll(async () => {
    await desktop?.controller.stop();
    await nodeB?.close();
    await nodeA?.close();
    await stack?.echo.close();
    if (stack !== undefined) rmSync(stack.dir, { recursive: true, force: true });
  });

  it('signs in with two addresses (one comma-separated field), stores both as the CLI does, and connects to the first', async () => {
    const result = await electron.invoke(PAGE_URL, CHANNELS.signIn, { proxyUrls: [` ${nodeA.url}/ , ${nodeB.url}`], caFingerprint: stack.proxy.pki.caFingerprint });
    expect(result).toMatchObject({ ok: true });
    expect(signIns.map((o) => o.proxyUrls)).toEqual([[nodeA.url, nodeB.url]]);
    await waitFor(() => current().phase === 'connected', 10_000, 'connected');
    const enrollment = JSON.parse(readFileSync(join(homeDir, 'enrollment.json'), 'utf8')) as { proxyUrl: string; proxyUrls: string[] };
    expect(enrollment).toMatchObject({ proxyUrl: nodeA.url, proxyUrls: [nodeA.url, nodeB.url] });
    expect(current()).toMatchObject({ proxy: nodeA.url, proxies: [nodeA.url, nodeB.url], endpoint: { origin: nodeA.url, label: nodeA.url } });
    expect(electron.tray?.tooltip).toBe(`Zerogate: connected to ${host(nodeA.url)}`);
    // The app list went over the run's endpoints, the very ones of the tunnel: both nodes, the first in use.
    expect(fetched.at(-1)).toEqual({ origins: [nodeA.url, nodeB.url], ok: true, current: nodeA.url });
    // `zerogate status` on this home would mark the node in use, as for `zerogate up`.
    expect(desktop.home.loadEndpointInUse()).toMatchObject({ origin: nodeA.url, pid: process.pid });
  });

  it('when the first node crashes: the state and the tray show the second in use, and the app and the app list keep working', async () => {
    const opened = (await electron.invoke(PAGE_URL, CHANNELS.connect, 'echo')) as { ok: true; state: DesktopState };
    const port = Number(opened.state.apps.find((a) => a.id === 'echo')!.connection.address!.split(':')[1]);
    expect(await echoCheck(port, 4096)).toBe(true);
    const seen = states.length;
    await nodeA.crash();
    await waitFor(() => current().endpoint?.origin === nodeB.url && current().phase === 'connected', 10_000, 'the desktop app on node B');
    const state = current();
    expect(state).toMatchObject({ tunnel: 'connected', proxies: [nodeA.url, nodeB.url], endpoint: { origin: nodeB.url, label: nodeB.url } });
    expect(Date.parse(state.endpoint!.since)).toBeGreaterThan(Date.parse(opened.state.endpoint!.since) - 1);
    // On the way the window was told the node was gone (no endpoint while reconnecting).
    expect(states.slice(seen).some((s) => s.endpoint === undefined)).toBe(true);
    expect(electron.tray?.tooltip).toBe(`Zerogate: connected to ${host(nodeB.url)} (1 app open)`);
    expect(desktop.home.loadEndpointInUse()).toMatchObject({ origin: nodeB.url });
    // The same local port carries new connections through node B.
    expect(await echoCheck(port, 4096)).toBe(true);
    // The app list is asked of node B.
    const before = fetched.length;
    await desktop.controller.refreshApps();
    expect(fetched.slice(before)).toEqual([{ origins: [nodeA.url, nodeB.url], ok: true, current: nodeB.url }]);
    expect(current().apps.map((a) => [a.id, a.allowed, a.connection.state])).toEqual([['echo', true, 'on']]);
    record('failover', current());
  });
});
