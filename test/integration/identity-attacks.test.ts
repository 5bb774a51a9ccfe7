import { randomUUID } from 'node:crypto';
/**
 * Attacks on sign-in and sessions against a real proxy over real TLS, with an external OIDC IdP
 * (a test issuer on HTTPS that the proxy trusts through a pinned CA): each forged, stale or
 * misused credential must be refused with the right status, code and reasons, audited with the
 * check that failed, and never echoed back.
 *
 * Every request to an enrolment or session route comes from its own loopback address
 * (127.0.0.0/8 is all local on Linux), as a real attacker's would: the per-source rate limits
 * then never interfere, and each test finds its own audit events by `source`.
 */
import type { JWTPayload } from 'jose';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createCsr, generateDeviceKey } from '../../agent/core/enroll/index.ts';
import type { DeviceKeyPair } from '../../agent/core/enroll/keys.ts';
import { createEnrollmentToken } from '../../proxy/devices/index.ts';
import { createCa, type CaKeyPair } from '../../proxy/pki/index.ts';
import type { AuditEvent } from '../../proxy/store/index.ts';
import { CLOSE_POLICY } from '../../proxy/tunnel/session.ts';
import { createIssuerKey, startTestIssuer, type IssuerKey, type TestIssuer } from '../helpers/oidc-issuer.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { tryUpgrade } from '../helpers/agent.ts';
import { requestJson, type JsonReply } from '../helpers/http.ts';

const CLIENT_ID = 'zerogate-agent';
const USER = 'carol@example.com';
const MFA_ACR = 'urn:test:mfa';

/** One throwaway CA for both test issuers (RSA 3072 generation is the slow part). */
let issuerCa: CaKeyPair | undefined;
const sharedIssuerCa = (): CaKeyPair => (issuerCa ??= createCa({ commonName: 'Test IdP CA' }));

const identityConfig = (issuer: string) => ({
  identity: {
    oidc: { issuer, clientId: CLIENT_ID, groupsClaim: 'groups', userClaim: 'email', mfa: { amr: ['mfa', 'otp', 'hwk'], acr: [MFA_ACR] } },
    session: { mfaMaxAge: '1h' },
  },
});

type Reply = JsonReply;

interface ClientTls {
  ca: string;
  cert?: string;
  key?: string;
}

/** One HTTPS request to the proxy from `source`, with an optional client certificate and bearer token. */
function call(url: string, method: 'GET' | 'POST', path: string, options: { tls: ClientTls; source: string; body?: unknown; bearer?: string }): Promise<Reply> {
  return requestJson(`${url}${path}`, { method, ...options });
}

/** A tunnel that stays open until the proxy closes it. */
function openTunnel(url: string, tls: ClientTls, bearer: string, source: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('https:', 'wss:')}/v1/tunnel`, { ...tls, localAddress: source, perMessageDeflate: false, headers: { authorization: `Bearer ${bearer}` } });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('open', () => resolve({ ws, closed }));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`tunnel refused with HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

/** The pieces of a token long enough to be recognisable if a message or an audit event quoted them. */
function fragments(token: string): string[] {
  return [token, ...token.split('.').filter((part) => part.length >= 16)];
}

function expectNoTokenText(text: string, token: string): void {
  for (const fragment of fragments(token)) expect(text.includes(fragment), 'a token fragment was echoed').toBe(false);
}

describe('identity attacks: each refused with the right code, audited, never echoed', () => {
  let issuer: TestIssuer;
  let stack: Stack;
  /** The IdP's signing keys (both published). */
  let rsa: IssuerKey;
  let ec: IssuerKey;
  /** An attacker's key: never published. */
  let rogue: IssuerKey;
  /** Reused by every request that must be refused before any certificate is signed. */
  let spareKey: DeviceKeyPair;
  let spareCsr: string;
  /** Every token this file sent, for the final leak check over the whole audit trail. */
  const sentTokens: string[] = [];
  let nextSource = 2;
  const source = (): string => `127.0.0.${nextSource++}`;

  beforeAll(async () => {
    [rsa, ec, rogue] = await Promise.all([createIssuerKey('RS256', 'idp-rsa-1'), createIssuerKey('ES256', 'idp-ec-1'), createIssuerKey('RS256', 'attacker-1')]);
    issuer = await startTestIssuer({ keys: [rsa, ec], ca: sharedIssuerCa() });
    stack = await startStack(identityConfig(issuer.issuer), { identity: { fetch: issuer.fetch } });
    spareKey = generateDeviceKey();
    spareCsr = createCsr(spareKey.privateKeyPem, { commonName: 'attacker' });
  });
  afterAll(async () => {
    await stack?.close();
    await issuer?.close();
  });

  const proxyTls = (): ClientTls => ({ ca: stack.proxy.pki.ca.certPem });
  const now = (): number => Math.floor(Date.now() / 1000);

  /** A good ID token's claims, as the IdP issues them after an MFA sign-in. */
  function claims(overrides: Record<string, unknown> = {}, omit: string[] = []): JWTPayload {
    const t = now();
    const base: Record<string, unknown> = {
      iss: issuer.issuer,
      aud: CLIENT_ID,
      sub: 'idp-user-0042',
      email: USER,
      email_verified: true,
      // Real IdPs make every token unique (jti, nonce); RS256 signatures are deterministic.
      jti: randomUUID(),
      groups: ['engineering'],
      amr: ['pwd', 'mfa'],
      auth_time: t,
      iat: t,
      exp: t + 300,
      ...overrides,
    };
    for (const name of omit) delete base[name];
    return base;
  }

  async function sign(payload: JWTPayload, key: IssuerKey = rsa): Promise<string> {
    const token = await issuer.sign(payload, key);
    sentTokens.push(token);
    return token;
  }

  /** The newest audit event id: events of a test are those after it. */
  async function mark(): Promise<number> {
    await stack.proxy.audit.flush();
    const [latest] = await stack.proxy.store.queryAudit({ limit: 1 });
    return latest?.id ?? 0;
  }

  async function eventsSince(since: number, type: string): Promise<AuditEvent[]> {
    await stack.proxy.audit.flush();
    return (await stack.proxy.store.queryAudit({ type, limit: 500 })).filter((e) => (e.id ?? 0) > since).reverse();
  }

  function enroll(body: Record<string, unknown>, from: string): Promise<Reply> {
    if (typeof body.idToken === 'string') sentTokens.push(body.idToken);
    if (typeof body.token === 'string') sentTokens.push(body.token);
    return call(stack.proxy.url, 'POST', '/v1/enroll', { tls: proxyTls(), source: from, body });
  }

  /**
   * Posts `idToken` to /v1/enroll from a fresh address and checks the refusal: status, code,
   * reasons, exactly one `login.fail` audit event naming the failed check, no certificate
   * signed, and no token text in the answer or the event.
   */
  async function expectIdTokenRefused(idToken: string, expected: { status: number; code: string; reasons: string[]; check?: string }): Promise<Reply> {
    const from = source();
    const since = await mark();
    const reply = await enroll({ idToken, csr: spareCsr, hostname: 'attacker-laptop' }, from);
    expect(reply.status).toBe(expected.status);
    expect(reply.json).toMatchObject({ statusCode: expected.status, code: expected.code });
    if (expected.reasons.length > 0) expect(reply.json.reasons).toEqual(expected.reasons);
    expectNoTokenText(reply.text, idToken);
    const failures = (await eventsSince(since, 'login.fail')).filter((e) => e.source === from);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ decision: 'deny', source: from, detail: { code: expected.code, route: 'enroll' } });
    if (expected.reasons.length > 0) expect(failures[0]?.reasons).toEqual(expected.reasons);
    if (expected.check !== undefined) expect(failures[0]?.detail?.check).toBe(expected.check);
    expectNoTokenText(JSON.stringify(failures), idToken);
    const enrolled = (await eventsSince(since, 'device.enroll')).filter((e) => e.source === from);
    expect(enrolled, 'a refused sign-in must not get a certificate').toEqual([]);
    return reply;
  }

  interface Enrolled {
    deviceId: string;
    tls: Required<ClientTls>;
    token: string;
    sessionId: string;
  }

  /** Enrols a new device with a good ID token (a fresh device key each time). */
  async function enrollDevice(hostname: string, overrides: Record<string, unknown> = {}): Promise<Enrolled> {
    const key = generateDeviceKey();
    const idToken = await sign(claims(overrides));
    const reply = await enroll({ idToken, csr: createCsr(key.privateKeyPem, { commonName: hostname }), hostname }, source());
    expect(reply.status, reply.text).toBe(200);
    const session = reply.json.session as { token: string; sessionId: string };
    sentTokens.push(session.token);
    return {
      deviceId: reply.json.deviceId as string,
      tls: { ca: stack.proxy.pki.ca.certPem, cert: reply.json.certificate as string, key: key.privateKeyPem },
      token: session.token,
      sessionId: session.sessionId,
    };
  }

  it('positive control: a good ID token enrols the device, and its certificate + session token open the tunnel', async () => {
    const since = await mark();
    const key = generateDeviceKey();
    const idToken = await sign(claims());
    const from = source();
    const reply = await enroll({ idToken, csr: createCsr(key.privateKeyPem, { commonName: 'good-laptop' }), hostname: 'good-laptop' }, from);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toMatchObject({ user: USER, ca: stack.proxy.pki.ca.certPem });
    expect(reply.json.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const session = reply.json.session as { token: string; user: string; sessionId: string };
    expect(session.user).toBe(USER);
    expect(session.token.split('.')).toHaveLength(3);
    expectNoTokenText(reply.text, idToken);

    const tls = { ca: stack.proxy.pki.ca.certPem, cert: reply.json.certificate as string, key: key.privateKeyPem };
    expect(await tryUpgrade(stack.proxy.url, tls, session.token, from)).toEqual({ opened: true });

    const me = await call(stack.proxy.url, 'GET', '/v1/session', { tls, source: from, bearer: session.token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ user: USER, groups: ['engineering'], amr: ['pwd', 'mfa'], method: 'idp' });

    expect(await eventsSince(since, 'login.fail')).toEqual([]);
    const enrolled = await eventsSince(since, 'device.enroll');
    expect(enrolled).toHaveLength(1);
    expect(enrolled[0]).toMatchObject({ decision: 'allow', user: USER, device: reply.json.deviceId, source: from, detail: { method: 'oidc', amr: ['pwd', 'mfa'] } });
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBe(1);
  });

  it('also accepts a token signed with the IdP\'s other published key (ES256)', async () => {
    const key = generateDeviceKey();
    const reply = await enroll({ idToken: await sign(claims(), ec), csr: createCsr(key.privateKeyPem, { commonName: 'ec' }), hostname: 'ec-laptop' }, source());
    expect(reply.status, reply.text).toBe(200);
  });

  it('1. refuses an unsigned token (alg: none) with 401 ZG_ERR_AUTH_ID_TOKEN_INVALID [token-invalid]', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const payload = encode(claims());
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${encode({ alg, typ: 'JWT' })}.${payload}.`;
      sentTokens.push(unsigned);
      await expectIdTokenRefused(unsigned, { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'alg' });
    }
    // A real RS256 token with its signature stripped is refused too.
    const [header, body] = (await sign(claims())).split('.');
    const stripped = `${header}.${body}.`;
    sentTokens.push(stripped);
    await expectIdTokenRefused(stripped, { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'] });
  });

  it('2. refuses HS256 keyed with the IdP\'s public key (key confusion) with 401 ZG_ERR_AUTH_ID_TOKEN_INVALID', async () => {
    const secrets = [Buffer.from(rsa.publicPem), Buffer.from(JSON.stringify(rsa.publicJwk))];
    for (const secret of secrets) {
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: rsa.kid, typ: 'JWT' }).sign(new Uint8Array(secret));
      sentTokens.push(forged);
      await expectIdTokenRefused(forged, { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'alg' });
    }
  });

  it('3. refuses a token from another issuer with 401, check iss', async () => {
    await expectIdTokenRefused(await sign(claims({ iss: 'https://evil.example.com' })), { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'iss' });
    // A look-alike of the real issuer (trailing slash) is another issuer.
    await expectIdTokenRefused(await sign(claims({ iss: `${issuer.issuer}/` })), { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'iss' });
  });

  it('4. refuses a token issued to another client with 401, check aud', async () => {
    await expectIdTokenRefused(await sign(claims({ aud: 'some-other-app' })), { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'aud' });
    await expectIdTokenRefused(await sign(claims({ aud: ['some-other-app', 'another-one'] })), { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'aud' });
  });

  it('5. refuses an expired token (past the clock tolerance) with 401 [token-expired]', async () => {
    const t = now();
    const expired = await sign(claims({ iat: t - 600, auth_time: t - 600, exp: t - 120 }));
    await expectIdTokenRefused(expired, { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-expired'], check: 'exp' });
  });

  it('6. refuses a token that is not valid yet (nbf in the future) with 401, check nbf', async () => {
    await expectIdTokenRefused(await sign(claims({ nbf: now() + 600 })), { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'nbf' });
  });

  it('6b. refuses a token issued in the future (iat past the clock tolerance) with 401, check iat', async () => {
    const t = now();
    await expectIdTokenRefused(await sign(claims({ iat: t + 3600, exp: t + 3900 })), { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'iat' });
  });

  it('7. refuses a signature by a key the IdP does not publish with 401, check key, without hammering the IdP', async () => {
    const jwksBefore = issuer.requests.jwks;
    for (let i = 0; i < 3; i++) {
      await expectIdTokenRefused(await sign(claims(), rogue), { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'key' });
    }
    // Unknown kids may trigger one JWKS refetch per cooldown, never one per token.
    expect(issuer.requests.jwks - jwksBefore).toBeLessThanOrEqual(1);
    // The attacker's key under the IdP's own kid: the signature does not verify.
    const spoofed = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: rsa.kid, typ: 'JWT' }).sign(rogue.privateKey);
    sentTokens.push(spoofed);
    await expectIdTokenRefused(spoofed, { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'signature' });
    // A good token whose payload was edited after signing.
    const [header, , signature] = (await sign(claims())).split('.');
    const edited = `${header}.${Buffer.from(JSON.stringify(claims({ email: 'admin@example.com' }))).toString('base64url')}.${signature}`;
    sentTokens.push(edited);
    await expectIdTokenRefused(edited, { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'signature' });
  });

  it('8. refuses a sign-in without MFA with 401 ZG_ERR_AUTH_MFA_REQUIRED [mfa-required]; acr alone counts as MFA', async () => {
    await expectIdTokenRefused(await sign(claims({ amr: ['pwd'] })), { status: 401, code: 'ZG_ERR_AUTH_MFA_REQUIRED', reasons: ['mfa-required'], check: 'mfa' });
    await expectIdTokenRefused(await sign(claims({}, ['amr'])), { status: 401, code: 'ZG_ERR_AUTH_MFA_REQUIRED', reasons: ['mfa-required'], check: 'mfa' });
    await expectIdTokenRefused(await sign(claims({ amr: ['pwd'], acr: 'urn:test:weak' })), { status: 401, code: 'ZG_ERR_AUTH_MFA_REQUIRED', reasons: ['mfa-required'], check: 'mfa' });
    // Positive control: the configured acr with a password-only amr is MFA.
    const device = await enrollDevice('acr-laptop', { amr: ['pwd'], acr: MFA_ACR });
    expect(device.deviceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('9. refuses a sign-in older than mfaMaxAge with 401 ZG_ERR_AUTH_TOO_OLD [auth-too-old]', async () => {
    await expectIdTokenRefused(await sign(claims({ auth_time: now() - 2 * 3600 })), { status: 401, code: 'ZG_ERR_AUTH_TOO_OLD', reasons: ['auth-too-old'], check: 'auth-time' });
    await expectIdTokenRefused(await sign(claims({}, ['auth_time'])), { status: 401, code: 'ZG_ERR_AUTH_TOO_OLD', reasons: ['auth-too-old'], check: 'auth-time' });
  });

  it('10. refuses device A\'s session token with device B\'s certificate with 401 ZG_ERR_AUTH_SESSION_INVALID, audited with check cnf', async () => {
    const a = await enrollDevice('laptop-a');
    const b = await enrollDevice('laptop-b');
    const from = source();
    const since = await mark();
    const outcome = await tryUpgrade(stack.proxy.url, b.tls, a.token, from);
    expect(outcome.status).toBe(401);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_INVALID', reasons: ['token-invalid'] });
    expectNoTokenText(outcome.text ?? '', a.token);
    const denied = (await eventsSince(since, 'session.deny')).filter((e) => e.source === from);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ decision: 'deny', device: b.deviceId, reasons: ['token-invalid'], detail: { code: 'ZG_ERR_AUTH_SESSION_INVALID', route: '/v1/tunnel', check: 'cnf' } });
    expectNoTokenText(JSON.stringify(denied), a.token);
    // The same on the session API; each device's own token still works.
    const me = await call(stack.proxy.url, 'GET', '/v1/session', { tls: b.tls, source: from, bearer: a.token });
    expect(me.status).toBe(401);
    expect(me.json).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_INVALID', reasons: ['token-invalid'] });
    expect(await tryUpgrade(stack.proxy.url, a.tls, a.token, from)).toEqual({ opened: true });
    expect(await tryUpgrade(stack.proxy.url, b.tls, b.token, from)).toEqual({ opened: true });
  });

  it('11. refuses a replayed one-time enrolment token with 401 ZG_ERR_AUTH_TOKEN_INVALID, audited', async () => {
    const { token } = await createEnrollmentToken(stack.proxy.store, USER, 60_000);
    const first = await enroll({ token, csr: createCsr(generateDeviceKey().privateKeyPem, { commonName: 'server-1' }), hostname: 'server-1' }, source());
    expect(first.status, first.text).toBe(200);
    sentTokens.push((first.json.session as { token: string }).token);
    const from = source();
    const since = await mark();
    const replay = await enroll({ token, csr: spareCsr, hostname: 'server-2' }, from);
    expect(replay.status).toBe(401);
    expect(replay.json).toMatchObject({ code: 'ZG_ERR_AUTH_TOKEN_INVALID', reasons: ['user-unauthenticated'] });
    expectNoTokenText(replay.text, token);
    const denied = (await eventsSince(since, 'device.enroll')).filter((e) => e.source === from);
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ decision: 'deny', user: USER, reasons: ['user-unauthenticated'], detail: { refusal: 'token-used' } });
    expectNoTokenText(JSON.stringify(denied), token);
  });

  it('11b. refuses a replayed ID token: one sign-in enrols one device, audited with check replay', async () => {
    const idToken = await sign(claims());
    const first = await enroll({ idToken, csr: createCsr(generateDeviceKey().privateKeyPem, { commonName: 'laptop-1' }), hostname: 'laptop-1' }, source());
    expect(first.status, first.text).toBe(200);
    sentTokens.push((first.json.session as { token: string }).token);
    await expectIdTokenRefused(idToken, { status: 401, code: 'ZG_ERR_AUTH_ID_TOKEN_INVALID', reasons: ['token-invalid'], check: 'replay' });
  });

  it('12. refuses a revoked device at the tunnel and at sign-in with 403 ZG_ERR_AUTH_DEVICE_REVOKED [device-revoked]', async () => {
    const device = await enrollDevice('stolen-laptop');
    expect(await stack.proxy.store.revokeDevice(device.deviceId, Date.now(), 'reported stolen')).toBe(true);
    const from = source();
    const since = await mark();
    const outcome = await tryUpgrade(stack.proxy.url, device.tls, device.token, from);
    expect(outcome.status).toBe(403);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_DEVICE_REVOKED', reasons: ['device-revoked'] });
    expectNoTokenText(outcome.text ?? '', device.token);

    const idToken = await sign(claims());
    const signIn = await call(stack.proxy.url, 'POST', '/v1/session', { tls: device.tls, source: from, body: { idToken } });
    expect(signIn.status).toBe(403);
    expect(signIn.json).toMatchObject({ code: 'ZG_ERR_AUTH_DEVICE_REVOKED', reasons: ['device-revoked'] });
    expectNoTokenText(signIn.text, idToken);

    const denied = (await eventsSince(since, 'session.deny')).filter((e) => e.source === from);
    expect(denied.map((e) => e.detail?.route)).toEqual(['/v1/tunnel', '/v1/session']);
    for (const event of denied) expect(event).toMatchObject({ decision: 'deny', device: device.deviceId, reasons: ['device-revoked'], detail: { code: 'ZG_ERR_AUTH_DEVICE_REVOKED' } });
    expect((await eventsSince(since, 'session.start')).filter((e) => e.device === device.deviceId)).toEqual([]);
  });

  it('13. after logout the token is refused with 401 ZG_ERR_AUTH_SESSION_REVOKED [session-revoked] and the live tunnel is cut', async () => {
    const device = await enrollDevice('shared-desk');
    const from = source();
    const live = await openTunnel(stack.proxy.url, device.tls, device.token, from);

    const logout = await call(stack.proxy.url, 'POST', '/v1/session/logout', { tls: device.tls, source: from, bearer: device.token });
    expect(logout.status, logout.text).toBe(200);
    expect(logout.json).toEqual({ revoked: true });

    const closed = await live.closed;
    expect(closed).toEqual({ code: CLOSE_POLICY, reason: 'ZG_ERR_AUTH_SESSION_REVOKED' });

    const since = await mark();
    const outcome = await tryUpgrade(stack.proxy.url, device.tls, device.token, from);
    expect(outcome.status).toBe(401);
    expect(outcome.body).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_REVOKED', reasons: ['session-revoked'] });
    expectNoTokenText(outcome.text ?? '', device.token);
    const renew = await call(stack.proxy.url, 'POST', '/v1/session/renew', { tls: device.tls, source: from, bearer: device.token, body: { idToken: await sign(claims()) } });
    expect(renew.status).toBe(401);
    expect(renew.json).toMatchObject({ code: 'ZG_ERR_AUTH_SESSION_REVOKED', reasons: ['session-revoked'] });

    const denied = (await eventsSince(since, 'session.deny')).filter((e) => e.source === from);
    expect(denied.map((e) => e.detail?.route)).toEqual(['/v1/tunnel', '/v1/session/renew']);
    for (const event of denied) expect(event).toMatchObject({ decision: 'deny', device: device.deviceId, reasons: ['session-revoked'], detail: { code: 'ZG_ERR_AUTH_SESSION_REVOKED' } });
    const logouts = (await stack.proxy.store.queryAudit({ type: 'session.logout', device: device.deviceId })).filter((e) => e.source === from);
    expect(logouts).toHaveLength(1);
    expect(logouts[0]?.detail).toMatchObject({ session: device.sessionId, revoked: true });
  });

  it('no refusal message and no audit event contains any token text', async () => {
    await stack.proxy.audit.flush();
    const everything = JSON.stringify(await stack.proxy.store.queryAudit({ limit: 1000 }));
    expect(sentTokens.length).toBeGreaterThan(30);
    for (const token of sentTokens) expectNoTokenText(everything, token);
  });
});

describe('identity: an unreachable IdP fails closed', () => {
  let issuer: TestIssuer;
  let stack: Stack;
  let key: IssuerKey;

  beforeAll(async () => {
    key = await createIssuerKey('ES256', 'flaky-1');
    issuer = await startTestIssuer({ keys: [key], path: '/flaky', ca: sharedIssuerCa() });
    stack = await startStack(identityConfig(issuer.issuer), { identity: { fetch: issuer.fetch } });
  });
  afterAll(async () => {
    await stack?.close();
    await issuer?.close();
  });

  async function attempt(idToken: string): Promise<{ reply: Reply; events: AuditEvent[] }> {
    await stack.proxy.audit.flush();
    const [latest] = await stack.proxy.store.queryAudit({ limit: 1 });
    const since = latest?.id ?? 0;
    const csr = createCsr(generateDeviceKey().privateKeyPem, { commonName: 'x' });
    const reply = await call(stack.proxy.url, 'POST', '/v1/enroll', { tls: { ca: stack.proxy.pki.ca.certPem }, source: '127.0.0.1', body: { idToken, csr, hostname: 'x' } });
    await stack.proxy.audit.flush();
    const events = (await stack.proxy.store.queryAudit({ type: 'login.fail' })).filter((e) => (e.id ?? 0) > since);
    expect(reply.text).not.toContain(idToken);
    return { reply, events };
  }

  const goodToken = () => {
    const t = Math.floor(Date.now() / 1000);
    return issuer.sign({ iss: issuer.issuer, aud: CLIENT_ID, sub: 's', email: USER, email_verified: true, amr: ['mfa'], auth_time: t, iat: t, exp: t + 300 }, key);
  };

  it('answers 503 ZG_ERR_AUTH_IDP_UNAVAILABLE while the IdP\'s port is closed, audited', async () => {
    await issuer.stop();
    const { reply, events } = await attempt(await goodToken());
    expect(reply.status).toBe(503);
    expect(reply.json).toMatchObject({ code: 'ZG_ERR_AUTH_IDP_UNAVAILABLE' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ decision: 'deny', detail: { code: 'ZG_ERR_AUTH_IDP_UNAVAILABLE', route: 'enroll' } });
    const ready = await stack.proxy.built.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
  });

  it('answers 503 ZG_ERR_AUTH_IDP_UNAVAILABLE when the IdP is up but its JWKS endpoint fails', async () => {
    issuer.mode = 'jwks-error';
    await issuer.resume();
    const { reply, events } = await attempt(await goodToken());
    expect(reply.status, reply.text).toBe(503);
    expect(reply.json).toMatchObject({ code: 'ZG_ERR_AUTH_IDP_UNAVAILABLE' });
    expect(events[0]).toMatchObject({ decision: 'deny', detail: { code: 'ZG_ERR_AUTH_IDP_UNAVAILABLE', route: 'enroll' } });
  });

  it('signs in again once the IdP is back (no failure is cached)', async () => {
    issuer.mode = 'up';
    const { reply, events } = await attempt(await goodToken());
    expect(reply.status, reply.text).toBe(200);
    expect(events).toEqual([]);
    expect((await stack.proxy.built.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });
});
