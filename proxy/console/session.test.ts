import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSOLE_KEY_FILE, ConsoleTokens, roleOf, type ConsoleSession } from './session.ts';

const dir = mkdtempSync(join(tmpdir(), 'zg-console-session-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ISSUER = 'https://zerogate.example.com:8443';
const tokens = ConsoleTokens.open(join(dir, CONSOLE_KEY_FILE), ISSUER);
const NOW = Date.UTC(2026, 10, 29, 12);
const session = (overrides: Partial<ConsoleSession> = {}): ConsoleSession => ({
  sid: ConsoleTokens.sid(),
  user: 'alice',
  name: 'Alice Example',
  email: 'alice@example.com',
  groups: ['admin', 'engineering'],
  role: 'admin',
  csrf: ConsoleTokens.csrf(),
  issuedAt: NOW,
  expiresAt: NOW + 3600_000,
  ...overrides,
});

describe('roleOf', () => {
  const roles = { admin: ['zg-admins'], helpdesk: ['it-support'] };
  it('admin wins over helpdesk; anyone else is an employee', () => {
    expect(roleOf(['it-support', 'zg-admins'], roles)).toBe('admin');
    expect(roleOf(['it-support'], roles)).toBe('helpdesk');
    expect(roleOf(['staff'], roles)).toBe('employee');
    expect(roleOf([], roles)).toBe('employee');
    // Exact names only: no prefix or case games.
    expect(roleOf(['ZG-ADMINS', 'zg-admins-old'], roles)).toBe('employee');
  });
});

describe('ConsoleTokens sessions', () => {
  it('carries how the person signed in (amr, auth_time) for policies judged on a console identity', async () => {
    const original = session({ amr: ['pwd', 'otp', 'mfa'], authTime: NOW - 60_000 });
    expect(await tokens.verifySession(await tokens.signSession(original, new Set()), NOW + 1000)).toEqual(original);
    // An auth_time after the cookie was issued is impossible: dropped, so the oldest time is assumed.
    const future = await tokens.verifySession(await tokens.signSession(session({ authTime: NOW + 60_000 }), new Set()), NOW + 1000);
    expect(future?.authTime).toBeUndefined();
  });

  it('round-trips a session, in whole seconds', async () => {
    const original = session();
    const verified = await tokens.verifySession(await tokens.signSession(original, new Set()), NOW + 1000);
    expect(verified).toEqual(original);
  });

  it('refuses an expired session, one from another key, issuer or type, and altered ones', async () => {
    const token = await tokens.signSession(session(), new Set());
    expect(await tokens.verifySession(token, NOW + 3600_000 + 1000)).toBeUndefined();
    const other = ConsoleTokens.open(join(dir, 'other-key'), ISSUER);
    expect(await other.verifySession(token, NOW)).toBeUndefined();
    const otherIssuer = ConsoleTokens.open(join(dir, CONSOLE_KEY_FILE), 'https://other.example.com');
    expect(await otherIssuer.verifySession(token, NOW)).toBeUndefined();
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const altered = Buffer.from(JSON.stringify({ ...payload, role: 'admin', sub: 'mallory' })).toString('base64url');
    expect(await tokens.verifySession(`${h}.${altered}.${s}`, NOW)).toBeUndefined();
    expect(await tokens.verifySession(`eyJhbGciOiJub25lIn0.${p}.`, NOW)).toBeUndefined();
  });

  it('refuses a validly signed token of the wrong shape', async () => {
    // Same key, but a CSRF value that is not ours and a role that does not exist.
    const bad = await tokens.signSession(session({ csrf: 'short' }), new Set());
    expect(await tokens.verifySession(bad, NOW)).toBeUndefined();
    const badRole = await tokens.signSession(session({ role: 'root' as never }), new Set());
    expect(await tokens.verifySession(badRole, NOW)).toBeUndefined();
    // A cookie made before browser sessions were recorded (no sid), or with a made-up one.
    const noSid = await tokens.signSession(session({ sid: undefined as never }), new Set());
    expect(await tokens.verifySession(noSid, NOW)).toBeUndefined();
    const badSid = await tokens.signSession(session({ sid: 'x' }), new Set());
    expect(await tokens.verifySession(badSid, NOW)).toBeUndefined();
  });

  it('refuses a token signed with the public issuer as an HMAC key (a different secret)', async () => {
    const forged = await new SignJWT({ groups: [], role: 'admin', csrf: ConsoleTokens.csrf() })
      .setProtectedHeader({ alg: 'HS256', typ: 'zg-console-session+jwt' })
      .setSubject('mallory')
      .setIssuer(ISSUER)
      .setAudience('zerogate-console-session')
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(NOW / 1000 + 60)
      .sign(new TextEncoder().encode(ISSUER));
    expect(await tokens.verifySession(forged, NOW)).toBeUndefined();
  });

  it('keeps only the role groups when all groups would not fit in a cookie', async () => {
    const groups = Array.from({ length: 300 }, (_, i) => `group-number-${i}`);
    const token = await tokens.signSession(session({ groups: [...groups, 'admin'] }), new Set(['admin', 'helpdesk']));
    expect(token.length).toBeLessThan(4000);
    expect((await tokens.verifySession(token, NOW))?.groups).toEqual(['admin']);
    const small = await tokens.signSession(session({ groups: ['a', 'b'] }), new Set(['admin']));
    expect((await tokens.verifySession(small, NOW))?.groups).toEqual(['a', 'b']);
  });
});

describe('ConsoleTokens sign-in state', () => {
  const login = { state: 's'.repeat(43), nonce: 'n'.repeat(43), verifier: 'v'.repeat(43), next: '/console/apps' };

  it('round-trips, encrypted (nothing of it readable), for 10 minutes', async () => {
    const sealed = await tokens.sealLogin(login, NOW);
    expect(sealed).not.toContain('sss');
    expect(Buffer.from(sealed.split('.')[3] ?? '', 'base64url').toString('latin1')).not.toContain('console/apps');
    expect(await tokens.openLogin(sealed, NOW + 9 * 60_000)).toEqual(login);
    expect(await tokens.openLogin(sealed, NOW + 11 * 60_000)).toBeUndefined();
  });

  it('refuses an altered or foreign state cookie, and a session token in its place', async () => {
    const sealed = await tokens.sealLogin(login, NOW);
    const parts = sealed.split('.');
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    expect(await tokens.openLogin(parts.join('.'), NOW)).toBeUndefined();
    expect(await ConsoleTokens.open(join(dir, 'third-key'), ISSUER).openLogin(sealed, NOW)).toBeUndefined();
    expect(await tokens.openLogin(await tokens.signSession(session(), new Set()), NOW)).toBeUndefined();
  });
});
