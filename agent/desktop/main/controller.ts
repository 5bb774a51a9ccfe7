/**
 * The desktop app's logic over the agent core (DESIGN.md §10): sign-in through the system
 * browser, the tunnel with its session keeper and posture reporter, the app list and local
 * listeners, and what the tray, the window and the notifications say about it. Plain Node:
 * Electron is reached only through the ElectronPort.
 */
import { isZerogateError } from '../../../shared/errors.ts';
import type { PostureReport } from '../../../shared/posture/index.ts';
import type { ControlMessage, Problem } from '../../../shared/wire/index.ts';
import { parseProxyUrls } from '../../core/enroll/index.ts';
import { describeEndpoint, endpointsFor, type ProxyEndpoint, type ProxyEndpoints } from '../../core/http/index.ts';
import { CHECK_LABELS, collectPosture, PostureReporter, postureChecklist, ToolOutputCache } from '../../core/posture/index.ts';
import { SessionKeeper, signIn, signOut, SIGN_IN_WARNING_MS, type SignInOptions, type SignInResult, type SignOutResult } from '../../core/session/index.ts';
import { FILES, proxyUrlsOf, type AgentHome, type DeviceCredentials, type Enrollment } from '../../core/state/index.ts';
import { listenApp, TunnelClient, type AppListener, type TunnelClientOptions, type TunnelState } from '../../core/tunnel/index.ts';
import { NOTE_MAX_LENGTH, NOTES_MAX, type AppView, type CheckView, type ConnectionView, type DesktopState, type EndpointView, type Phase, type ProblemView, type SignInInput } from '../contract/index.ts';
import { fetchApps, type AppVerdict } from '../../core/apps/index.ts';
import type { ElectronPort } from './electron-port.ts';
import { SECRETS_UNAVAILABLE_CODE, secretStoreStatus } from './secret-box.ts';
import { forDesktop, reasonsPhrase, SIGN_IN_AGAIN_REASONS } from './wording.ts';

export const AGENT_VERSION = '0.1.0';
/** The app list is fetched again this often while connected (and at once after a notice or posture change). */
export const APPS_REFRESH_MS = 30_000;
/** After a posture report goes out, wait this long for the proxy to store it before asking for verdicts. */
export const APPS_AFTER_POSTURE_MS = 300;

export interface CoreDeps {
  signIn: (options: SignInOptions) => Promise<SignInResult>;
  signOut: (home: AgentHome) => Promise<SignOutResult>;
  collectPosture: () => Promise<PostureReport>;
  /** The app list over the run's endpoints (those of its tunnel and session keeper). */
  fetchApps: (creds: DeviceCredentials, bearer: string | undefined, endpoints: ProxyEndpoints) => Promise<AppVerdict[]>;
  /** Extra tunnel options (tests: a short backoff). */
  tunnel?: Partial<TunnelClientOptions>;
  /** Posture reporter intervals (tests: faster than the defaults). */
  reporter?: { collectIntervalMs?: number; sendIntervalMs?: number };
  now: () => number;
}

export interface ControllerOptions {
  home: AgentHome;
  electron: ElectronPort;
  core?: Partial<CoreDeps>;
  /** Shows the window (a notification or the tray was clicked). */
  showWindow?: () => void;
  appsRefreshMs?: number;
}

interface Run {
  creds: DeviceCredentials;
  /** The enrolment's proxy endpoints, shared by the tunnel, the session keeper and the app list (failover: docs/failover.md). */
  endpoints: ProxyEndpoints;
  client: TunnelClient;
  keeper: SessionKeeper;
  reporter: PostureReporter;
  listeners: Map<string, AppListener>;
}

type Listener = (state: DesktopState) => void;
/** What the tunnel client tells with a state change (the problem, the endpoint). */
type TunnelStateDetail = Parameters<NonNullable<TunnelClientOptions['onState']>>[1];

export class DesktopController {
  readonly #home: AgentHome;
  readonly #electron: ElectronPort;
  readonly #core: CoreDeps;
  readonly #showWindow: () => void;
  readonly #refreshMs: number;
  readonly #listeners = new Set<Listener>();
  #run: Run | undefined;
  #signIn: AbortController | undefined;
  #signInStartedAt: number | undefined;
  #tunnel: TunnelState | 'off' = 'off';
  #tunnelProblem: Problem | undefined;
  /** The node the live tunnel is connected to, and since when. */
  #endpoint: { endpoint: ProxyEndpoint; since: number } | undefined;
  #apps: AppVerdict[] = [];
  #appsLoaded = false;
  readonly #connections = new Map<string, ConnectionView>();
  /** Each app's access as last told to the user: notifications fire on a change. */
  readonly #access = new Map<string, boolean>();
  #posture: PostureReport | undefined;
  #problem: ProblemView | undefined;
  /** The last sign-in's `note:` lines (DesktopState.notes). */
  #notes: string[] = [];
  #sessionWarned = false;
  /** A posture report reached the proxy in this run: until then `posture-missing` is expected, not news. */
  #postureSent = false;
  #startAtLogin: boolean;
  #refreshTimer: NodeJS.Timeout | undefined;
  #periodic: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: ControllerOptions) {
    this.#home = options.home;
    this.#electron = options.electron;
    const slowTools = new ToolOutputCache();
    this.#core = {
      signIn,
      signOut,
      collectPosture: () => collectPosture({ agentVersion: AGENT_VERSION, cache: slowTools }),
      fetchApps,
      now: Date.now,
      ...options.core,
    };
    this.#showWindow = options.showWindow ?? (() => undefined);
    this.#refreshMs = options.appsRefreshMs ?? APPS_REFRESH_MS;
    this.#startAtLogin = options.electron.getStartAtLogin();
  }

  /** Calls `listener` with every new state; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resumes the stored session when there is one; collects the posture for the checklist. */
  async start(): Promise<void> {
    if (this.#sessionValid()) this.#startRun();
    else this.#publish();
    if (this.#run === undefined) {
      await this.#core.collectPosture().then(
        (report) => this.#setPosture(report),
        () => undefined,
      );
    }
  }

  state(): DesktopState {
    const secrets = secretStoreStatus(this.#electron.safeStorage, this.#electron.platform);
    const enrollment = this.#enrollment();
    const session = this.#run === undefined ? undefined : this.#run.keeper.session;
    const apps = this.#appViews();
    const blocked = this.#blocked(apps);
    const state: DesktopState = {
      phase: this.#phase(blocked),
      needsProxy: enrollment === undefined,
      tunnel: this.#run === undefined ? 'off' : this.#tunnel === 'stopped' ? 'off' : this.#tunnel,
      apps,
      posture: this.#checklist(),
      settings: { startAtLogin: this.#startAtLogin },
      secrets: { available: secrets.available, store: secrets.store, ...(secrets.message === undefined ? {} : { message: secrets.message }) },
    };
    if (enrollment !== undefined) {
      const proxies = proxyUrlsOf(enrollment);
      state.proxy = proxies[0]!;
      state.proxies = proxies;
      state.deviceId = enrollment.deviceId;
    }
    const endpoint = this.#endpointView();
    if (endpoint !== undefined) state.endpoint = endpoint;
    if (session !== undefined) {
      state.user = session.user;
      const ends = Date.parse(session.sessionExpiresAt);
      state.session = { endsAt: session.sessionExpiresAt, expiringSoon: this.#sessionWarned || ends - this.#core.now() <= SIGN_IN_WARNING_MS };
    }
    if (this.#signInStartedAt !== undefined) state.signInStartedAt = new Date(this.#signInStartedAt).toISOString();
    if (this.#posture !== undefined) state.postureCollectedAt = this.#posture.collectedAt;
    if (blocked.apps.length > 0 || blocked.reasons.length > 0) state.blocked = blocked;
    if (this.#problem !== undefined) state.problem = this.#problem;
    if (this.#notes.length > 0) state.notes = [...this.#notes];
    return state;
  }

  #note(line: string): void {
    if (!line.startsWith('note: ') || this.#notes.length >= NOTES_MAX) return;
    const text = line.slice('note: '.length);
    this.#notes.push(text.length > NOTE_MAX_LENGTH ? `${text.slice(0, NOTE_MAX_LENGTH - 1)}…` : text);
    this.#publish();
  }

  /**
   * Signs in through the system browser (OIDC code + PKCE, loopback redirect: `zerogate login`)
   * and connects. A device not enrolled yet needs the proxy address and its CA fingerprint.
   */
  async signIn(input: SignInInput = {}): Promise<DesktopState> {
    if (this.#signIn !== undefined) return this.state();
    const secrets = secretStoreStatus(this.#electron.safeStorage, this.#electron.platform);
    if (!secrets.available) return this.#fail({ code: SECRETS_UNAVAILABLE_CODE, message: secrets.message ?? 'secret storage is unavailable', reasons: [] });
    if (this.#enrollment() === undefined && (input.proxyUrls === undefined || input.caFingerprint === undefined)) {
      return this.#fail({ code: 'ZG_ERR_USAGE', message: 'This device is not enrolled yet: enter the proxy address and the CA fingerprint your administrator gave you.', reasons: [] });
    }
    let proxyUrls: string[] | undefined;
    try {
      // The CLI's own parser on top of the IPC check: `zerogate login --proxy` rules, whatever the window sent.
      proxyUrls = input.proxyUrls === undefined ? undefined : parseProxyUrls(input.proxyUrls).map((u) => u.origin);
    } catch (error) {
      return this.#fail(problemOf(error));
    }
    const abort = new AbortController();
    this.#signIn = abort;
    this.#signInStartedAt = this.#core.now();
    this.#problem = undefined;
    this.#notes = [];
    this.#publish();
    try {
      await this.#core.signIn({
        home: this.#home,
        method: 'browser',
        signal: abort.signal,
        // The core's `note:` lines (what `zerogate login` prints) are shown in the window; its
        // other lines narrate the sign-in, which the window shows its own way.
        say: (line) => this.#note(line),
        open: (url) => this.#openBrowser(url),
        ...(proxyUrls === undefined ? {} : { proxyUrls }),
        ...(input.caFingerprint === undefined ? {} : { caFingerprint: input.caFingerprint }),
      });
    } catch (error) {
      this.#signIn = undefined;
      this.#signInStartedAt = undefined;
      if (abort.signal.aborted) return this.#publish();
      return this.#fail(problemOf(error));
    }
    this.#signIn = undefined;
    this.#signInStartedAt = undefined;
    await this.#stopRun();
    this.#sessionWarned = false;
    this.#startRun();
    return this.state();
  }

  cancelSignIn(): DesktopState {
    this.#signIn?.abort();
    return this.state();
  }

  /** Ends the session at the proxy and the IdP, and deletes this device's secrets (`zerogate logout`). */
  async signOut(): Promise<DesktopState> {
    this.#signIn?.abort();
    await this.#stopRun();
    const result = await this.#core.signOut(this.#home).catch((error: unknown) => ({ problems: [problemOf(error).message] }));
    this.#apps = [];
    this.#appsLoaded = false;
    this.#access.clear();
    this.#connections.clear();
    this.#sessionWarned = false;
    this.#problem = result.problems.length > 0 ? { code: 'ZG_ERR_INTERNAL', message: `Signed out on this device. ${result.problems.join('; ')}.`, reasons: [] } : undefined;
    return this.#publish();
  }

  /** Serves `appId` on a local port (127.0.0.1, the port it had before when free). */
  async connect(appId: string): Promise<DesktopState> {
    const run = this.#run;
    const app = this.#apps.find((a) => a.id === appId);
    if (run === undefined) return this.#fail({ code: 'ZG_ERR_AUTH_SESSION_REQUIRED', message: 'Sign in first.', reasons: [] });
    if (app === undefined) return this.#fail({ code: 'ZG_ERR_POLICY_APP_NOT_FOUND', message: `There is no app "${appId}".`, reasons: ['app-not-found'] });
    if (run.listeners.has(appId) || this.#connections.get(appId)?.state === 'starting') return this.state();
    this.#connections.set(appId, { state: 'starting' });
    this.#publish();
    const ports = this.#ports();
    const events = {
      onDenied: (id: string, problem: Problem) => this.#accessLost(id, problem.reasons),
      onError: () => undefined,
    };
    let listener: AppListener;
    try {
      listener = await listenApp(run.client, appId, { host: '127.0.0.1', port: ports[appId] ?? 0 }, events).catch(() =>
        // The remembered port is taken now: any free one.
        listenApp(run.client, appId, { host: '127.0.0.1', port: 0 }, events),
      );
    } catch (error) {
      this.#connections.delete(appId);
      return this.#fail(problemOf(error));
    }
    if (this.#run !== run) {
      await listener.close();
      return this.state();
    }
    run.listeners.set(appId, listener);
    this.#connections.set(appId, { state: 'on', address: `127.0.0.1:${listener.address.port}` });
    ports[appId] = listener.address.port;
    this.#home.write(FILES.ports, `${JSON.stringify(ports, null, 2)}\n`, 0o600);
    return this.#publish();
  }

  async disconnect(appId: string): Promise<DesktopState> {
    const listener = this.#run?.listeners.get(appId);
    this.#run?.listeners.delete(appId);
    this.#connections.delete(appId);
    await listener?.close();
    return this.#publish();
  }

  /** Start at login: off unless the user turns it on (app.setLoginItemSettings). */
  setStartAtLogin(enabled: boolean): DesktopState {
    this.#electron.setStartAtLogin(enabled);
    this.#startAtLogin = this.#electron.getStartAtLogin();
    return this.#publish();
  }

  /** Stops the tunnel and listeners (the app quits); the session stays for next time. */
  async stop(): Promise<void> {
    this.#signIn?.abort();
    await this.#stopRun();
  }

  /** Fetches the apps' verdicts now (joined when one is in flight). */
  refreshApps(): Promise<void> {
    this.#refreshing ??= this.#refreshApps().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  // --- the run: tunnel, keeper, reporter -------------------------------------------------

  #startRun(): void {
    let creds: DeviceCredentials;
    try {
      creds = this.#home.loadCredentials();
    } catch (error) {
      this.#fail(problemOf(error));
      return;
    }
    // One sticky node choice for the run, as `zerogate up` has: the enrolment's shared endpoints.
    const endpoints = endpointsFor(proxyUrlsOf(creds.enrollment));
    const keeper = new SessionKeeper({ home: this.#home, credentials: creds, endpoints, warn: (message) => this.#sessionWarning(message), now: this.#core.now });
    const client = new TunnelClient({
      credentials: creds,
      endpoints,
      bearer: () => keeper.bearer(),
      beforeConnect: () => keeper.ensureFresh(),
      onControl: (message) => {
        if (!keeper.handleControl(message)) this.#onControl(message);
      },
      onState: (state, detail) => this.#onTunnelState(state, detail),
      ...this.#core.tunnel,
    });
    const reporter = new PostureReporter({
      ...this.#core.reporter,
      // Each report that reaches the proxy may change the verdicts: ask again shortly after.
      channel: {
        sendControl: (message) => {
          const sent = client.sendControl(message);
          if (sent) {
            this.#postureSent = true;
            this.#refreshSoon(APPS_AFTER_POSTURE_MS);
          }
          return sent;
        },
      },
      collect: async () => {
        const report = await this.#core.collectPosture();
        this.#setPosture(report);
        return report;
      },
    });
    const run: Run = { creds, endpoints, client, keeper, reporter, listeners: new Map() };
    this.#run = run;
    this.#postureSent = false;
    this.#tunnel = 'connecting';
    this.#problem = undefined;
    keeper.attach(client);
    keeper.start();
    reporter.start();
    client.start();
    this.#periodic = setInterval(() => void this.refreshApps(), this.#refreshMs);
    this.#periodic.unref();
    this.#publish();
  }

  async #stopRun(): Promise<void> {
    const run = this.#run;
    this.#run = undefined;
    clearInterval(this.#periodic);
    clearTimeout(this.#refreshTimer);
    if (run === undefined) return;
    run.reporter.stop();
    run.keeper.stop();
    await Promise.all([...run.listeners.values()].map((l) => l.close()));
    await run.client.stop();
    this.#tunnel = 'off';
    this.#setEndpoint(undefined);
    this.#connections.clear();
  }

  #onTunnelState(state: TunnelState, detail: TunnelStateDetail | undefined): void {
    if (this.#run === undefined) return;
    const problem = detail?.problem;
    this.#tunnel = state;
    // Only a live tunnel has a node in use; `connecting` names the node that just failed.
    this.#setEndpoint(state === 'connected' ? detail?.endpoint : undefined);
    if (state === 'connected') {
      this.#tunnelProblem = undefined;
      // The first report goes out at once on each connection (as `zerogate up` does).
      this.#run.reporter.connected();
      this.#refreshSoon(APPS_AFTER_POSTURE_MS);
    }
    if (state === 'denied' && problem !== undefined) {
      this.#tunnelProblem = problem;
      if (problem.reasons.some((r) => SIGN_IN_AGAIN_REASONS.has(r))) {
        void this.#sessionOver(problem);
        return;
      }
    }
    this.#publish();
  }

  /** The proxy no longer accepts this session: stop, and ask the user to sign in again. */
  async #sessionOver(problem: Problem): Promise<void> {
    await this.#stopRun();
    this.#problem = { code: problem.code, message: `${forDesktop(problem.message)}: sign in again.`, reasons: problem.reasons };
    this.#electron.notify({ title: 'Zerogate: sign in again', body: `You were signed out because ${reasonsPhrase(problem.reasons)}. Sign in again to keep working.` }, this.#showWindow);
    this.#publish();
  }

  #onControl(message: ControlMessage): void {
    if (message.type !== 'notice') return;
    const reasons = Array.isArray(message.reasons) ? message.reasons.filter((r): r is string => typeof r === 'string').slice(0, 16) : [];
    if (typeof message.app === 'string' && message.level === 'error') {
      this.#accessLost(message.app, reasons);
      this.#refreshSoon(APPS_AFTER_POSTURE_MS);
      return;
    }
    if (message.code === 'ZG_ERR_AUTH_SESSION_EXPIRED' && message.level === 'warning') {
      this.#sessionWarning(typeof message.message === 'string' ? message.message : 'your session ends soon');
      return;
    }
    if (message.level === 'error' && typeof message.message === 'string') {
      this.#problem = { code: typeof message.code === 'string' ? message.code : 'ZG_ERR_TUNNEL_CLOSED', message: forDesktop(message.message.slice(0, 500)), reasons };
      this.#publish();
    }
  }

  /** The session keeper's warning: the session ends soon, or could not be renewed. Once per session. */
  #sessionWarning(_message: string): void {
    if (this.#sessionWarned) return;
    this.#sessionWarned = true;
    const ends = this.#run?.keeper.session?.sessionExpiresAt;
    const at = ends === undefined ? 'soon' : `at ${new Date(ends).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
    this.#electron.notify({ title: 'Zerogate: sign in again soon', body: `Your session ends ${at}. Sign in again now to keep access to your apps.` }, this.#showWindow);
    this.#publish();
  }

  // --- apps and notifications -----------------------------------------------------------------

  #refreshSoon(delayMs: number): void {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => void this.refreshApps(), delayMs);
    this.#refreshTimer.unref();
  }

  async #refreshApps(): Promise<void> {
    const run = this.#run;
    if (run === undefined) return;
    let apps: AppVerdict[];
    try {
      await run.keeper.ensureFresh();
      apps = await this.#core.fetchApps(run.creds, run.keeper.bearer(), run.endpoints);
    } catch (error) {
      if (this.#run !== run) return;
      const problem = problemOf(error);
      if (problem.reasons.some((r) => SIGN_IN_AGAIN_REASONS.has(r))) return this.#sessionOver(problem);
      // Offline or the proxy is down: keep the last list; the tunnel state says what is going on.
      return;
    }
    if (this.#run !== run) return;
    // Apps this user is not admitted to at all are not theirs to reach: not listed.
    this.#apps = apps.filter((a) => a.allowed || !a.reasons.includes('user-not-allowed'));
    this.#appsLoaded = true;
    for (const app of this.#apps) this.#noteAccess(app);
    this.#publish();
  }

  /** Tells the user when an app's access changes (not on the first look: nothing changed then). */
  #noteAccess(app: AppVerdict): void {
    // Before this device's first report the proxy cannot judge posture: not a verdict to tell.
    if (!this.#postureSent && isOnlyPostureMissing(app.reasons)) return;
    const before = this.#access.get(app.id);
    this.#access.set(app.id, app.allowed);
    if (before === undefined || before === app.allowed) return;
    if (app.allowed) this.#notifyRestored(app.name);
    else this.#notifyLost(app.name, app.reasons);
  }

  /** A reset (RST + notice) or a refused OPEN: access to `appId` ended, with `reasons`. */
  #accessLost(appId: string, reasons: string[]): void {
    const app = this.#apps.find((a) => a.id === appId);
    if (app !== undefined && reasons.length > 0) {
      app.allowed = false;
      app.reasons = reasons;
      app.remediation = [];
    }
    const before = this.#access.get(appId);
    this.#access.set(appId, false);
    if (before !== false) this.#notifyLost(app?.name ?? appId, reasons);
    this.#publish();
  }

  #notifyLost(name: string, reasons: readonly string[]): void {
    this.#electron.notify({ title: `Access to ${name} lost`, body: `Zerogate cut access to ${name} because ${reasonsPhrase(reasons)}. Open Zerogate to see what to do.` }, this.#showWindow);
  }

  #notifyRestored(name: string): void {
    this.#electron.notify({ title: `Access to ${name} restored`, body: `You can use ${name} again: this device meets its policy now.` }, this.#showWindow);
  }

  // --- state ----------------------------------------------------------------------------------

  #setPosture(report: PostureReport): void {
    this.#posture = report;
    this.#publish();
  }

  #checklist(): CheckView[] {
    if (this.#posture === undefined) return [];
    return postureChecklist(this.#posture).map((item) => {
      return { check: item.check, label: CHECK_LABELS[item.check].label, status: item.status, summary: item.summary, ...(item.remediation === undefined ? {} : { remediation: forDesktop(item.remediation) }) };
    });
  }

  #appViews(): AppView[] {
    return this.#apps.map((app) => ({
      id: app.id,
      name: app.name,
      protocol: app.protocol,
      allowed: app.allowed,
      reasons: [...app.reasons],
      remediation: app.remediation.map(forDesktop),
      reportOnly: app.reportOnly,
      connection: { ...(this.#connections.get(app.id) ?? { state: 'off' }) },
    }));
  }

  #blocked(apps: AppView[]): { apps: string[]; reasons: string[] } {
    const denied = apps.filter((a) => !a.allowed && (this.#postureSent || !isOnlyPostureMissing(a.reasons)));
    const reasons = new Set(denied.flatMap((a) => a.reasons));
    if (this.#run !== undefined && this.#tunnel === 'denied') for (const r of this.#tunnelProblem?.reasons ?? []) reasons.add(r);
    return { apps: denied.map((a) => a.id), reasons: [...reasons] };
  }

  #phase(blocked: { apps: string[]; reasons: string[] }): Phase {
    if (this.#signIn !== undefined) return 'signing-in';
    if (this.#run === undefined) return 'signed-out';
    if (this.#tunnel === 'denied') return 'blocked';
    if (this.#tunnel !== 'connected' || !this.#appsLoaded) return 'connecting';
    return blocked.apps.length > 0 ? 'blocked' : 'connected';
  }

  /**
   * Notes the node in use (undefined: none), and writes it to the home's `endpoint.json` for
   * `zerogate status`, as the CLI's `connect` and `up` do; a failure to write must not stop the app.
   */
  #setEndpoint(endpoint: ProxyEndpoint | undefined): void {
    const known = this.#endpoint?.endpoint;
    if (endpoint === undefined ? known === undefined : known !== undefined && known.origin === endpoint.origin && known.address === endpoint.address) return;
    this.#endpoint = endpoint === undefined ? undefined : { endpoint, since: this.#core.now() };
    try {
      this.#home.saveEndpointInUse(endpoint === undefined ? undefined : { origin: endpoint.origin, address: endpoint.address, since: new Date(this.#endpoint!.since).toISOString(), pid: process.pid });
    } catch {
      // the window still shows it
    }
  }

  #endpointView(): EndpointView | undefined {
    const inUse = this.#endpoint;
    if (inUse === undefined || this.#run === undefined || this.#tunnel !== 'connected') return undefined;
    const { endpoint, since } = inUse;
    return { origin: endpoint.origin, address: endpoint.address, label: describeEndpoint(endpoint), since: new Date(since).toISOString() };
  }

  #publish(): DesktopState {
    const state = this.state();
    for (const listener of this.#listeners) listener(state);
    return state;
  }

  #fail(problem: ProblemView): DesktopState {
    this.#problem = problem;
    return this.#publish();
  }

  /** The enrolment record (not secret, so readable without unsealing anything), when it has the fields the window shows. */
  #enrollment(): Pick<Enrollment, 'proxyUrl' | 'proxyUrls' | 'deviceId'> | undefined {
    try {
      const record = this.#home.isEnrolled() ? (JSON.parse(this.#home.read(FILES.enrollment) ?? 'null') as Partial<Enrollment> | null) : null;
      if (record === null || typeof record.proxyUrl !== 'string' || typeof record.deviceId !== 'string') return undefined;
      return { proxyUrl: record.proxyUrl, deviceId: record.deviceId, ...(Array.isArray(record.proxyUrls) ? { proxyUrls: record.proxyUrls } : {}) };
    } catch {
      return undefined;
    }
  }

  #sessionValid(): boolean {
    if (!this.#home.isEnrolled()) return false;
    let session;
    try {
      session = this.#home.loadSession();
    } catch {
      return false;
    }
    return session !== undefined && Date.parse(session.sessionExpiresAt) > this.#core.now();
  }

  #ports(): Record<string, number> {
    try {
      const parsed = JSON.parse(this.#home.read(FILES.ports) ?? '{}') as unknown;
      if (parsed === null || typeof parsed !== 'object') return {};
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => Number.isInteger(e[1]) && e[1] > 0 && e[1] < 65536));
    } catch {
      return {};
    }
  }

  /** Only http(s) URLs reach the system browser: the IdP's authorization URL. */
  async #openBrowser(url: string): Promise<void> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('only http and https URLs are opened');
    await this.#electron.openExternal(parsed.href);
  }
}

function isOnlyPostureMissing(reasons: readonly string[]): boolean {
  return reasons.length > 0 && reasons.every((r) => r === 'posture-missing');
}

/** Any error as plain words for the window: code, message (no secrets: ZerogateError messages carry none), reasons. */
export function problemOf(error: unknown): ProblemView {
  if (isZerogateError(error)) return { code: error.code, message: forDesktop(error.message), reasons: [...error.reasons] };
  return { code: 'ZG_ERR_INTERNAL', message: error instanceof Error ? error.message.slice(0, 300) : 'something went wrong', reasons: [] };
}
