import { createCsr, generateDeviceKey } from '../../agent/core/enroll/index.ts';
/**
 * Session renewal, expiry, refusal and logout end to end (DESIGN.md §3): a real proxy with its
 * embedded IdP, devices signed in through the IdP pages by the agent's own sign-in code, and
 * the agent's SessionKeeper renewing in-band over a live tunnel or over HTTP.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { generate, generateSecret } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { discoverIssuer, refreshTokens, type OidcClient } from '../../agent/core/auth/index.ts';
import { parseJsonResponse, proxyRequest, type ProxyResponse } from '../../agent/core/http/request.ts';
import { SessionKeeper, signIn, signOut } from '../../agent/core/session/index.ts';
import { AgentHome, FILES, type DeviceCredentials, type OidcState, type SessionState } from '../../agent/core/state/index.ts';
import { listenApp, TunnelClient, type AppListener } from '../../agent/core/tunnel/index.ts';
import { AuditLog } from '../../proxy/audit/index.ts';
import { certificateThumbprint, SessionService, SessionTokens, verifyIdToken, type IdTokenPolicy, type PresentedDevice } from '../../proxy/identity/index.ts';
import { hashPassword } from '../../proxy/identity/idp/index.ts';
import { Browser, completeSignIn } from '../../proxy/identity/idp/test-helpers.ts';
import { SqliteStore, type Device } from '../../proxy/store/index.ts';
import { EXPIRY_WARNING_MS, type TunnelSession } from '../../proxy/tunnel/session.ts';
import { isZerogateError } from '../../shared/errors.ts';
import type { ControlMessage } from '../../shared/wire/index.ts';
import { echoCheck, tryUpgrade } from '../helpers/agent.ts';
import { startEchoServer, startStack, waitFor, type CountingServer, type Stack } from '../helpers/stack.ts';

interface TestUser {
  username: string;
  password: string;
  totpSecret: string;
}

const user = (username: string): TestUser => ({ username, password: `${username}-password-1`, totpSecret: generateSecret() });
/** Config users of the embedded IdP (one sign-in each: the IdP refuses a TOTP code twice). */
const ALICE = user('alice');
const BOB = user('bob');
const ERIN = user('erin');
const FRANK = user('frank');
const GINA = user('gina');
const HANK = user('hank');
/** A store user, so that it can be disabled. */
const DORA = user('dora');

let echo: CountingServer;
let stack: Stack;
let homes = 0;

beforeAll(async () => {
  echo = await startEchoServer();
  const configUsers = await Promise.all(
    [ALICE, BOB, ERIN, FRANK, GINA, HANK].map(async (u) => ({ username: u.username, email: `${u.username}@example.com`, passwordHash: await hashPassword(u.password), totpSecret: u.totpSecret })),
  );
  stack = await startStack({
    apps: [{ id: 'echo', upstream: `tcp://127.0.0.1:${echo.port}`, users: ['alice', 'bob', 'dora', 'erin', 'frank', 'gina', 'hank'] }],
    identity: { users: configUsers },
  });
  await stack.proxy.store.addIdpUser({ username: DORA.username, email: 'dora@example.com', name: undefined, groups: [], passwordHash: await hashPassword(DORA.password), disabled: false, createdAt: Date.now() });
  await stack.proxy.store.setTotpSecret(DORA.username, DORA.totpSecret, Date.now());
});

afterAll(async () => {
  await stack?.close();
  await echo?.close();
});

/** Walks the embedded IdP's pages like a user (password, then TOTP), then delivers the loopback redirect. */
async function driveBrowser(url: string, who: TestUser): Promise<void> {
  const browser = new Browser(stack.proxy.pki.ca.certPem);
  const start = await browser.get(url);
  const { final } = await completeSignIn(browser, new URL(url).origin, start, {
    username: who.username,
    password: who.password,
    code: () => generate({ secret: who.totpSecret }),
  });
  if (final.location === undefined || !final.location.startsWith('http://127.0.0.1:')) throw new Error(`the IdP did not redirect to the loopback (${final.status})`);
  const delivered = await fetch(final.location);
  await delivered.text();
}

/** `zerogate login` as `who` on a fresh agent home: the agent's signIn, the browser scripted. */
async function signInDevice(who: TestUser): Promise<{ home: AgentHome; creds: DeviceCredentials }> {
  const home = new AgentHome(join(stack.dir, `agent-${who.username}-${++homes}`));
  // A failed walk through the pages fails the sign-in at once, not at its timeout.
  let walkFailed: (error: unknown) => void = () => undefined;
  const walk = new Promise<never>((_, reject) => (walkFailed = reject));
  const result = await Promise.race([
    signIn({
      proxyUrl: stack.proxy.url,
      caFingerprint: stack.proxy.pki.caFingerprint,
      home,
      hostname: `host-${who.username}`,
      method: 'browser',
      say: () => undefined,
      timeoutMs: 20_000,
      open: async (url) => {
        driveBrowser(url, who).catch(walkFailed);
      },
    }),
    walk,
  ]);
  expect(result).toMatchObject({ enrolled: true, session: { user: who.username } });
  return { home, creds: home.loadCredentials() };
}

/** The `exp` of a session token, ms (what the proxy ends a tunnel at). */
function expOf(token: string): number {
  return Number((JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp) * 1000;
}

function thumbprintOf(creds: DeviceCredentials): string {
  return certificateThumbprint(new X509Certificate(creds.certPem).raw);
}

function stateOf(issued: { sessionId: string; user: string; token: string; expiresAt: string; sessionExpiresAt: string }): SessionState {
  return { sessionId: issued.sessionId, user: issued.user, token: issued.token, expiresAt: issued.expiresAt, sessionExpiresAt: issued.sessionExpiresAt };
}

/** A new token for `creds`' current session that expires at `expiresAt` (the config's minimum TTL is 1 min). */
async function tokenExpiringAt(creds: DeviceCredentials, expiresAt: number): Promise<SessionState> {
  const sessionId = creds.session?.sessionId;
  if (sessionId === undefined) throw new Error('no session');
  const record = await stack.proxy.store.getSession(sessionId);
  if (record === undefined) throw new Error('unknown session');
  return stateOf(await stack.proxy.identity.sessions.issue({ ...record, tokenExpiresAt: expiresAt }, thumbprintOf(creds), 'test', 'session.renew'));
}

/** The OIDC client the agent stored at sign-in, and a fresh ID token from its refresh token (saved back rotated). */
async function oidcOf(home: AgentHome, creds: DeviceCredentials): Promise<{ client: OidcClient; state: OidcState }> {
  const state = home.loadOidc();
  if (state === undefined) throw new Error('no oidc state');
  const client = await discoverIssuer({ issuer: state.issuer, clientId: state.clientId, scopes: state.scopes }, { ca: creds.caPem });
  return { client, state };
}

async function freshIdToken(home: AgentHome, creds: DeviceCredentials): Promise<string> {
  const { client, state } = await oidcOf(home, creds);
  const tokens = await refreshTokens(client, state.refreshToken!);
  home.saveOidc({ ...state, refreshToken: tokens.refreshToken ?? state.refreshToken });
  return tokens.idToken;
}

/** The proxy's live tunnel of `deviceId`. */
function liveTunnel(deviceId: string): TunnelSession | undefined {
  return stack.proxy.built.sessions.all().find((s) => s.device.id === deviceId);
}

/** An agent (tunnel client, optional keeper, one echo listener) with control messages recorded. */
async function startDevice(creds: DeviceCredentials, keeper?: SessionKeeper) {
  const controls: ControlMessage[] = [];
  const client = new TunnelClient({
    credentials: creds,
    backoff: { initialMs: 50, maxMs: 200 },
    ...(keeper === undefined ? {} : { bearer: () => keeper.bearer() }),
    onControl: (message) => {
      if (keeper?.handleControl(message) === true) return;
      controls.push(message);
    },
  });
  keeper?.attach(client);
  client.start();
  await client.waitConnected(10_000);
  const listener: AppListener = await listenApp(client, 'echo', { host: '127.0.0.1', port: 0 });
  return {
    client,
    controls,
    port: listener.address.port,
    async stop() {
      keeper?.stop();
      await listener.close();
      await client.stop();
    },
  };
}

/** One echo connection through the tunnel, kept open; `ended` says how (and when) the application saw it end. */
async function liveStream(port: number): Promise<{ socket: Socket; ended: Promise<{ how: string; at: number }> }> {
  const socket = connect({ host: '127.0.0.1', port });
  const ended = new Promise<{ how: string; at: number }>((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => resolve({ how: e.code ?? 'error', at: Date.now() }));
    socket.on('end', () => resolve({ how: 'end', at: Date.now() }));
  });
  socket.write('ping');
  await new Promise<void>((r) => socket.once('data', () => r()));
  return { socket, ended };
}

/** A bare tunnel WebSocket, to see the close code the proxy ends it with. */
function openRaw(creds: DeviceCredentials): Promise<{ closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${stack.proxy.url.replace('https:', 'wss:')}/v1/tunnel`, {
      ...tlsOf(creds),
      ...(creds.session === undefined ? {} : { headers: { authorization: `Bearer ${creds.session.token}` } }),
      perMessageDeflate: false,
    });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('open', () => resolve({ closed }));
    ws.on('error', reject);
  });
}

async function post(creds: DeviceCredentials, path: string, bearer: string | undefined, body?: unknown): Promise<ProxyResponse> {
  return proxyRequest(new URL(path, stack.proxy.url), {
    method: 'POST',
    ...(body === undefined ? {} : { body }),
    bearer,
    tls: { ca: creds.caPem, cert: creds.certPem, key: creds.keyPem },
  });
}

/** Attempts a tunnel upgrade with `creds`' certificate and `bearer`. */
function upgrade(creds: DeviceCredentials, bearer: string | undefined) {
  return tryUpgrade(stack.proxy.url, tlsOf(creds), bearer);
}

const tlsOf = (creds: DeviceCredentials) => ({ ca: creds.caPem, cert: creds.certPem, key: creds.keyPem });

async function auditEvents(type: string, device: string) {
  await stack.proxy.audit.flush();
  return stack.proxy.store.queryAudit({ type, device });
}

describe('in-band renewal of an IdP sign-in', () => {
  it('renews over the live tunnel: the proxy extends the tunnel, the agent saves the new token, and streams keep flowing', async () => {
    const { home, creds } = await signInDevice(ALICE);
    const warnings: string[] = [];
    const keeper = new SessionKeeper({ home, credentials: creds, warn: (m) => warnings.push(m) });
    const device = await startDevice(creds, keeper);
    expect(await echoCheck(device.port, 64 * 1024)).toBe(true);

    const tunnel = liveTunnel(creds.enrollment.deviceId);
    expect(tunnel).toBeDefined();
    const before = { expiresAt: tunnel!.tokenExpiresAt, token: keeper.bearer() };
    const stream = await liveStream(device.port);

    await keeper.renewNow();

    expect(tunnel!.tokenExpiresAt).toBeGreaterThan(before.expiresAt);
    const saved = home.loadSession();
    expect(saved?.token).toBeDefined();
    expect(saved!.token).not.toBe(before.token);
    expect(saved!.token).toBe(keeper.bearer());
    expect(saved!.sessionId).toBe(creds.session!.sessionId);
    expect(Date.parse(saved!.expiresAt)).toBe(tunnel!.tokenExpiresAt);
    expect((await stack.proxy.store.getSession(saved!.sessionId))?.tokenExpiresAt).toBe(tunnel!.tokenExpiresAt);
    const renewals = await auditEvents('session.renew', creds.enrollment.deviceId);
    expect(renewals.some((e) => e.decision === 'allow' && e.user === 'alice')).toBe(true);

    // The same tunnel, the same live stream: nothing was re-established.
    expect(liveTunnel(creds.enrollment.deviceId)).toBe(tunnel);
    expect(device.client.state).toBe('connected');
    stream.socket.write('pong');
    await new Promise<void>((r) => stream.socket.once('data', () => r()));
    expect(await echoCheck(device.port, 64 * 1024)).toBe(true);
    // The renewed token opens a tunnel of its own.
    expect(await upgrade(creds, saved!.token)).toEqual({ opened: true });
    expect(warnings).toEqual([]);
    stream.socket.destroy();
    await device.stop();
  });
});

describe('expiry of an unrenewed session token', () => {
  it('ends the tunnel at the token expiry (streams reset, close 4403 ZG_ERR_AUTH_SESSION_EXPIRED) and refuses the token afterwards with 401 token-expired', async () => {
    const enrolled = await stack.enroll('alice');
    const { home: _home, ...creds } = enrolled;
    const short = await tokenExpiringAt(creds, Date.now() + 2_000);
    const shortCreds: DeviceCredentials = { ...creds, session: short };
    const expiresAt = expOf(short.token);

    // The agent, without a keeper: nothing renews.
    const device = await startDevice(shortCreds);
    const stream = await liveStream(device.port);
    const raw = await openRaw(shortCreds);

    const ended = await stream.ended;
    expect(ended.how).toBe('ECONNRESET');
    expect(ended.at).toBeGreaterThanOrEqual(expiresAt - 20);
    expect(ended.at).toBeLessThan(expiresAt + 2_000);
    expect(await raw.closed).toEqual({ code: 4403, reason: 'ZG_ERR_AUTH_SESSION_EXPIRED' });
    await waitFor(() => device.controls.some((m) => m.type === 'notice' && m.level === 'error'), 2_000, 'the expiry notice');
    expect(device.controls.find((m) => m.type === 'notice' && m.level === 'error')).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_EXPIRED', reasons: ['token-expired'] });
    expect(device.controls.find((m) => m.type === 'notice' && m.level === 'error')?.message).toContain('zerogate login');

    // Reconnecting with the same token is refused at the upgrade.
    expect(await upgrade(creds, short.token)).toMatchObject({ opened: false, status: 401, body: { code: 'ZG_ERR_AUTH_SESSION_EXPIRED', reasons: ['token-expired'] } });
    await waitFor(() => device.client.state === 'denied', 3_000, 'the reconnect to be refused');
    expect(device.client.lastProblem).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_EXPIRED', reasons: ['token-expired'] });
    await device.stop();
  });

  it('warns the agent EXPIRY_WARNING_MS before an unrenewed token expires, and the tunnel carries on meanwhile', async () => {
    const { home: _home, ...creds } = await stack.enroll('alice');
    const token = await tokenExpiringAt(creds, Date.now() + EXPIRY_WARNING_MS + 1_500);
    const expiresAt = expOf(token.token);
    const device = await startDevice({ ...creds, session: token });
    await waitFor(() => device.controls.some((m) => m.type === 'notice'), 3_000, 'the expiry warning');
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - EXPIRY_WARNING_MS - 20);
    expect(device.controls).toEqual([
      expect.objectContaining({ type: 'notice', level: 'warning', code: 'ZG_ERR_AUTH_SESSION_EXPIRED', reasons: ['token-expired'], expiresAt: new Date(expiresAt).toISOString() }),
    ]);
    expect(device.controls[0]!.message).toContain('zerogate login');
    expect(device.client.state).toBe('connected');
    expect(await echoCheck(device.port, 16 * 1024)).toBe(true);
    await device.stop();
  });

  it('keeps the tunnel past the old expiry once the keeper renewed in-band (a token-enrolled device renews with its certificate alone)', async () => {
    const { home, ...creds } = await stack.enroll('alice');
    const short = await tokenExpiringAt(creds, Date.now() + 2_500);
    home.saveSession(short);
    const oldExpiry = expOf(short.token);
    const warnings: string[] = [];
    const keeper = new SessionKeeper({ home, credentials: { ...creds, session: short }, warn: (m) => warnings.push(m) });
    const device = await startDevice({ ...creds, session: short }, keeper);
    const stream = await liveStream(device.port);
    const tunnel = liveTunnel(creds.enrollment.deviceId);

    await keeper.renewNow();
    expect(home.loadOidc()).toBeUndefined();
    expect(keeper.bearer()).not.toBe(short.token);
    expect(tunnel?.tokenExpiresAt).toBeGreaterThan(Date.now() + 60_000);

    await new Promise((r) => setTimeout(r, Math.max(0, oldExpiry - Date.now() + 500)));
    expect(liveTunnel(creds.enrollment.deviceId)).toBe(tunnel);
    stream.socket.write('after the old expiry');
    await new Promise<void>((r) => stream.socket.once('data', () => r()));
    expect(device.controls.filter((m) => m.type === 'notice')).toEqual([]);
    expect(warnings).toEqual([]);
    stream.socket.destroy();
    await device.stop();
  });
});

describe('a refused renewal', () => {
  it('rejects with ZG_ERR_AUTH_REAUTH_REQUIRED once the user is disabled, tells the user to sign in again, and keeps the tunnel up until the token expires', async () => {
    const { home, creds } = await signInDevice(DORA);
    // A token with little time left, so that its end is seen (the config's shortest TTL is 1 min).
    const short = await tokenExpiringAt(creds, Date.now() + 4_000);
    home.saveSession(short);
    const shortCreds: DeviceCredentials = { ...creds, session: short };
    const expiresAt = expOf(short.token);
    const warnings: string[] = [];
    const keeper = new SessionKeeper({ home, credentials: shortCreds, warn: (m) => warnings.push(m) });
    const device = await startDevice(shortCreds, keeper);
    const stream = await liveStream(device.port);

    expect(await stack.proxy.store.setIdpUserDisabled(DORA.username, true)).toBe(true);
    const refusal = await keeper.renewNow().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isZerogateError(refusal, 'ZG_ERR_AUTH_REAUTH_REQUIRED')).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ZG_ERR_AUTH_REAUTH_REQUIRED');
    expect(warnings[0]).toContain('zerogate login');
    // Nothing changed at the proxy or on disk: the old token still runs.
    expect(home.loadSession()?.token).toBe(short.token);
    expect(liveTunnel(creds.enrollment.deviceId)?.tokenExpiresAt).toBe(expiresAt);

    // Access continues until the token expires...
    expect(device.client.state).toBe('connected');
    expect(await echoCheck(device.port, 16 * 1024)).toBe(true);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() - 700)));
    stream.socket.write('still here');
    await new Promise<void>((r) => stream.socket.once('data', () => r()));
    expect(Date.now()).toBeLessThan(expiresAt);
    // ... and ends then, not before.
    const ended = await stream.ended;
    expect(ended.how).toBe('ECONNRESET');
    expect(ended.at).toBeGreaterThanOrEqual(expiresAt - 20);
    await waitFor(() => device.controls.some((m) => m.type === 'notice' && m.level === 'error'), 2_000, 'the expiry notice');
    expect(device.controls.find((m) => m.type === 'notice' && m.level === 'error')).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_EXPIRED', reasons: ['token-expired'] });
    expect(warnings).toHaveLength(1);
    await device.stop();
  });

  it('is refused in-band by the proxy (the IdP answers for another user): the agent warns once, the tunnel stays up and the refusal is audited', async () => {
    const { home, creds } = await signInDevice(GINA);
    const other = await signInDevice(HANK);
    // The IdP sign-in the agent holds now belongs to another user.
    home.saveOidc(other.home.loadOidc()!);
    const warnings: string[] = [];
    const keeper = new SessionKeeper({ home, credentials: creds, warn: (m) => warnings.push(m) });
    const device = await startDevice(creds, keeper);
    const tunnel = liveTunnel(creds.enrollment.deviceId)!;
    const before = tunnel.tokenExpiresAt;

    const refusal = await keeper.renewNow().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isZerogateError(refusal, 'ZG_ERR_AUTH_USER_MISMATCH')).toBe(true);
    expect((refusal as { reasons: string[] }).reasons).toEqual(['user-not-allowed']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('zerogate login');
    const denials = await auditEvents('session.renew', creds.enrollment.deviceId);
    expect(denials[0]).toMatchObject({ decision: 'deny', reasons: ['user-not-allowed'], detail: { code: 'ZG_ERR_AUTH_USER_MISMATCH' } });
    // The refusal leaves the token to run out: same tunnel, same expiry, still carrying traffic.
    expect(liveTunnel(creds.enrollment.deviceId)).toBe(tunnel);
    expect(tunnel.tokenExpiresAt).toBe(before);
    expect(home.loadSession()?.token).toBe(creds.session!.token);
    expect(await echoCheck(device.port, 16 * 1024)).toBe(true);
    await device.stop();
  });
});

describe('a disabled account', () => {
  it('cannot enrol or sign in with an ID token issued before it was disabled (regression: tokens were only checked by signature)', async () => {
    const ivy = user('ivy');
    await stack.proxy.store.addIdpUser({ username: 'ivy', email: 'ivy@example.com', name: undefined, groups: [], passwordHash: await hashPassword(ivy.password), disabled: false, createdAt: Date.now() });
    await stack.proxy.store.setTotpSecret('ivy', ivy.totpSecret, Date.now());
    const { home, creds } = await signInDevice(ivy);
    const idToken = await freshIdToken(home, creds);
    const spare = await freshIdToken(home, creds);
    expect(await stack.proxy.store.setIdpUserDisabled('ivy', true)).toBe(true);
    const key = generateDeviceKey();
    const enrol = await proxyRequest(new URL('/v1/enroll', stack.proxy.url), {
      method: 'POST',
      body: { idToken, csr: createCsr(key.privateKeyPem, { commonName: 'second-laptop' }), hostname: 'second-laptop' },
      tls: { ca: creds.caPem },
    });
    expect(enrol.status).toBe(401);
    expect(JSON.parse(enrol.body)).toMatchObject({ code: 'ZG_ERR_AUTH_REAUTH_REQUIRED', reasons: ['user-unauthenticated'] });
    const session = await post(creds, '/v1/session', undefined, { idToken: spare });
    expect(session.status).toBe(401);
    expect(JSON.parse(session.body)).toMatchObject({ code: 'ZG_ERR_AUTH_REAUTH_REQUIRED' });
    await stack.proxy.audit.flush();
    const refused = (await stack.proxy.store.queryAudit({ type: 'login.fail', limit: 50 })).filter((e) => e.detail?.check === 'account');
    expect(refused.length).toBeGreaterThanOrEqual(2);
  });
});

describe('logout', () => {
  it('revokes the session (its live tunnel is cut at once), revokes the IdP refresh token, deletes the local secrets, and the token is refused afterwards', async () => {
    const { home, creds } = await signInDevice(ERIN);
    const { client: oidcClient, state: oidc } = await oidcOf(home, creds);
    const device = await startDevice(creds);
    const stream = await liveStream(device.port);

    const result = await signOut(home);
    const signedOutAt = Date.now();
    expect(result).toEqual({ wasEnrolled: true, sessionRevoked: true, refreshTokenRevoked: true, problems: [] });

    // The revocation watcher cuts the live tunnel with session-revoked.
    const ended = await stream.ended;
    expect(ended.how).toBe('ECONNRESET');
    expect(ended.at - signedOutAt).toBeLessThan(1_000);
    await waitFor(() => device.controls.some((m) => m.type === 'notice' && m.level === 'error'), 2_000, 'the revocation notice');
    expect(device.controls.find((m) => m.type === 'notice' && m.level === 'error')).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_REVOKED', reasons: ['session-revoked'] });
    await waitFor(() => device.client.state === 'denied', 3_000, 'the reconnect to be refused');
    expect(device.client.lastProblem).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_REVOKED', reasons: ['session-revoked'] });
    expect(liveTunnel(creds.enrollment.deviceId)).toBeUndefined();
    expect((await auditEvents('session.logout', creds.enrollment.deviceId)).map((e) => e.decision)).toEqual(['allow']);
    expect((await auditEvents('session.reset', creds.enrollment.deviceId))[0]).toMatchObject({ reasons: ['session-revoked'] });

    // The IdP no longer renews the sign-in.
    const refresh = await refreshTokens(oidcClient, oidc.refreshToken!).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isZerogateError(refresh, 'ZG_ERR_AUTH_REAUTH_REQUIRED')).toBe(true);

    // Nothing secret is left on the device.
    expect(home.isEnrolled()).toBe(false);
    for (const file of [FILES.session, FILES.oidc, FILES.key, FILES.cert, FILES.enrollment]) expect(existsSync(home.path(file)), file).toBe(false);

    // The token (were it kept) no longer opens a tunnel, nor renews.
    expect(await upgrade(creds, creds.session!.token)).toMatchObject({ opened: false, status: 401, body: { code: 'ZG_ERR_AUTH_SESSION_REVOKED', reasons: ['session-revoked'] } });
    const renew = await post(creds, '/v1/session/renew', creds.session!.token, {});
    expect(renew.status).toBe(401);
    expect(JSON.parse(renew.body)).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_REVOKED' });
    await device.stop();
  });
});

describe('renewal over HTTP when no tunnel is up', () => {
  it('renews an expired token with a fresh ID token, and refuses another user\'s ID token with 403 ZG_ERR_AUTH_USER_MISMATCH', async () => {
    const { home, creds } = await signInDevice(BOB);
    const other = await signInDevice(FRANK);
    const expired = await tokenExpiringAt(creds, Date.now() - 60_000);
    expect(await upgrade(creds, expired.token)).toMatchObject({ status: 401, body: { code: 'ZG_ERR_AUTH_SESSION_EXPIRED', reasons: ['token-expired'] } });

    // An IdP session cannot be renewed with the certificate alone.
    const bare = await post(creds, '/v1/session/renew', expired.token, {});
    expect(bare.status).toBe(401);
    expect(JSON.parse(bare.body)).toMatchObject({ code: 'ZG_ERR_AUTH_REAUTH_REQUIRED' });

    // Another user's (valid) ID token is refused.
    const foreign = await post(creds, '/v1/session/renew', expired.token, { idToken: await freshIdToken(other.home, other.creds) });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ code: 'ZG_ERR_AUTH_USER_MISMATCH', reasons: ['user-not-allowed'] });

    // The user's own fresh ID token renews it.
    const renewed = await post(creds, '/v1/session/renew', expired.token, { idToken: await freshIdToken(home, creds) });
    expect(renewed.status, renewed.body).toBe(200);
    const issued = parseJsonResponse<SessionState>(renewed, 'renewal');
    expect(issued).toMatchObject({ sessionId: creds.session!.sessionId, user: 'bob' });
    expect(Date.parse(issued.expiresAt)).toBeGreaterThan(Date.now() + 60_000);
    expect(await upgrade(creds, issued.token)).toEqual({ opened: true });

    // The agent does the same by itself before connecting: its keeper renews the expired token over HTTP.
    home.saveSession(expired);
    const warnings: string[] = [];
    const keeper = new SessionKeeper({ home, credentials: { ...creds, session: expired }, warn: (m) => warnings.push(m) });
    await keeper.ensureFresh();
    const saved = home.loadSession();
    expect(saved?.token).not.toBe(expired.token);
    expect(saved?.token).toBe(keeper.bearer());
    expect(Date.parse(saved!.expiresAt)).toBeGreaterThan(Date.now() + 60_000);
    expect(warnings).toEqual([]);
    const device = await startDevice({ ...creds, session: saved }, keeper);
    expect(await echoCheck(device.port, 16 * 1024)).toBe(true);
    await device.stop();
  });
});

describe('SessionService renewal limits (fake clock)', () => {
  const MINUTE = 60_000;
  const ISSUER = 'https://idp.test';
  const lifetimes = { tokenTtlMs: 10 * MINUTE, maxAgeMs: 60 * MINUTE, mfaMaxAgeMs: 30 * MINUTE };
  const policy: IdTokenPolicy = {
    issuer: ISSUER,
    audience: 'zerogate-agent',
    groupsClaim: 'groups',
    userClaim: 'sub',
    mfa: { amr: ['mfa'], acr: [] },
    mfaMaxAgeMs: lifetimes.mfaMaxAgeMs,
  };
  let store: SqliteStore;
  let audit: AuditLog;
  let service: SessionService;
  let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let now = Date.parse('2030-01-01T08:00:00Z');
  const device: Device = {
    id: 'dev-unit',
    user: 'alice',
    hostname: 'unit',
    status: 'active',
    createdAt: now,
    lastSeenAt: undefined,
    revokedAt: undefined,
    certSerial: '01',
    certNotAfter: now + 7 * 24 * 60 * MINUTE,
    certFingerprint: 'ff',
  };
  const presented: PresentedDevice = { device, certThumbprint: 'thumbprint-of-the-device-certificate', certNotAfter: device.certNotAfter };

  beforeAll(async () => {
    store = SqliteStore.open(':memory:');
    audit = new AuditLog(store, 'none');
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const keys = createLocalJWKSet({ keys: [jwk] });
    service = new SessionService({
      store,
      audit,
      tokens: await SessionTokens.ephemeral('https://proxy.test'),
      verifyIdToken: (idToken, at) => verifyIdToken(idToken, keys, policy, at),
      lifetimes,
      now: () => now,
    });
  });
  afterAll(async () => {
    await audit?.close();
    await store?.close();
  });

  /** An ID token of the test IdP, issued now, for a sign-in with MFA at `authTime`. */
  function idToken(sub: string, authTime: number): Promise<string> {
    return new SignJWT({ amr: ['pwd', 'otp', 'mfa'], auth_time: Math.floor(authTime / 1000), groups: ['staff'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('zerogate-agent')
      .setSubject(sub)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + 300)
      .sign(signingKey);
  }

  /** A sign-in now, as `zerogate login` starts one. */
  async function startSession(): Promise<{ token: string; sessionId: string; signedInAt: number }> {
    const token = await idToken('alice', now);
    const identity = await service.verifyIdToken(token, 'test', 'session');
    const issued = await service.start(presented, identity, token, 'test');
    return { token: issued.token, sessionId: issued.sessionId, signedInAt: now };
  }

  it('refuses a renewal whose ID token carries an MFA older than mfaMaxAge with ZG_ERR_AUTH_TOO_OLD, audited', async () => {
    const { token, signedInAt } = await startSession();
    now += 31 * MINUTE;
    const current = await service.authenticate(token, presented, { allowExpired: true });
    // A refresh at the IdP keeps the original auth_time: the MFA is now 31 minutes old.
    const stale = await idToken('alice', signedInAt);
    const error = await service.renew(current, presented, stale, 'test').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isZerogateError(error, 'ZG_ERR_AUTH_TOO_OLD')).toBe(true);
    expect((error as { reasons: string[] }).reasons).toEqual(['auth-too-old']);
    await audit.flush();
    const failures = await store.queryAudit({ type: 'login.fail' });
    expect(failures[0]).toMatchObject({ decision: 'deny', reasons: ['auth-too-old'], detail: { code: 'ZG_ERR_AUTH_TOO_OLD', route: 'session.renew', check: 'auth-time' } });

    // A fresh MFA (a new sign-in at the IdP) renews it.
    const renewed = await service.renew(current, presented, await idToken('alice', now - MINUTE), 'test');
    expect(Date.parse(renewed.expiresAt)).toBe(now + lifetimes.tokenTtlMs);
  });

  it('never issues a token that outlives the session (maxAge) or the device certificate, and refuses the session past its end', async () => {
    const { token, sessionId, signedInAt } = await startSession();
    const sessionEnd = signedInAt + lifetimes.maxAgeMs;
    let current = await service.authenticate(token, presented);
    expect(current.session.maxExpiresAt).toBe(sessionEnd);

    // Renewed regularly with fresh MFA, the tokens still stop at the session's end.
    let last = 0;
    for (const at of [8, 16, 24, 32, 40, 48, 56, 59]) {
      now = signedInAt + at * MINUTE;
      const issued = await service.renew(current, presented, await idToken('alice', now - MINUTE), 'test');
      const expiresAt = Date.parse(issued.expiresAt);
      expect(expiresAt).toBe(Math.min(now + lifetimes.tokenTtlMs, sessionEnd));
      expect(expiresAt).toBeLessThanOrEqual(sessionEnd);
      expect(Date.parse(issued.sessionExpiresAt)).toBe(sessionEnd);
      expect((await store.getSession(sessionId))?.tokenExpiresAt).toBe(expiresAt);
      current = await service.authenticate(issued.token, presented);
      last = expiresAt;
    }
    expect(last).toBe(sessionEnd);

    // A certificate that ends sooner caps the token too.
    now = signedInAt + 20 * MINUTE;
    const { token: other } = await startSession();
    const shortCert = { ...presented, certNotAfter: now + 3 * MINUTE };
    const capped = await service.renew(await service.authenticate(other, presented), shortCert, await idToken('alice', now), 'test');
    expect(Date.parse(capped.expiresAt)).toBe(now + 3 * MINUTE);

    // At the session's end nothing renews it, not even with a fresh sign-in at the IdP.
    now = sessionEnd;
    const error = await service.authenticate(token, presented, { allowExpired: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isZerogateError(error, 'ZG_ERR_AUTH_SESSION_EXPIRED')).toBe(true);
    expect((error as { message: string }).message).toContain('zerogate login');
  });

  it('refuses an expired token for access but accepts it for renewal', async () => {
    const { token } = await startSession();
    now += lifetimes.tokenTtlMs;
    const denied = await service.authenticate(token, presented).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isZerogateError(denied, 'ZG_ERR_AUTH_SESSION_EXPIRED')).toBe(true);
    expect((denied as { reasons: string[] }).reasons).toEqual(['token-expired']);
    const current = await service.authenticate(token, presented, { allowExpired: true });
    const renewed = await service.renew(current, presented, await idToken('alice', now), 'test');
    expect((await service.authenticate(renewed.token, presented)).session.id).toBe(current.session.id);
  });
});
