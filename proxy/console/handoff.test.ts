import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppsTokens, appNext, HANDOFF_CODE_TTL_S } from './handoff.ts';
import { ConsoleTokens } from './session.ts';
import { safeNext } from './index.ts';

const ISSUER = 'https://console.example:8443';
const APPS = 'https://apps.example:8443';
const master = randomBytes(32);
const tokens = new AppsTokens(master, ISSUER, APPS);
const person = { sid: ConsoleTokens.sid(), user: 'ann', name: 'Ann', email: 'ann@example.com', groups: ['staff'], amr: ['pwd', 'otp'], authTime: 1_700_000_000_000 };
const NOW = 1_700_000_100_000;

describe('AppsTokens handoff code', () => {
  it('carries the person, a jti and a 60 s expiry', async () => {
    const code = await tokens.mintCode(person, NOW);
    const verified = await tokens.verifyCode(code, NOW + 1000);
    expect(verified?.identity).toEqual(person);
    expect(verified?.jti).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(verified?.expiresAt).toBe(Math.floor(NOW / 1000) * 1000 + HANDOFF_CODE_TTL_S * 1000);
    const other = await tokens.verifyCode(await tokens.mintCode(person, NOW), NOW);
    expect(other?.jti).not.toBe(verified?.jti);
  });

  it('refuses an expired code, one for another origin or key, altered or used as a session', async () => {
    const code = await tokens.mintCode(person, NOW);
    expect(await tokens.verifyCode(code, NOW + (HANDOFF_CODE_TTL_S + 5) * 1000)).toBeUndefined();
    expect(await new AppsTokens(master, ISSUER, 'https://other.example').verifyCode(code, NOW)).toBeUndefined();
    expect(await new AppsTokens(randomBytes(32), ISSUER, APPS).verifyCode(code, NOW)).toBeUndefined();
    expect(await tokens.verifyCode(`${code.slice(0, -2)}AA`, NOW)).toBeUndefined();
    expect(await tokens.verifySession(code, NOW)).toBeUndefined();
  });

  it('signs an apps session that is neither a code nor a console session', async () => {
    const session = { ...person, issuedAt: NOW, expiresAt: NOW + 3_600_000 };
    const cookie = await tokens.signSession(session);
    expect(await tokens.verifySession(cookie, NOW + 1000)).toEqual(session);
    expect(await tokens.verifySession(cookie, NOW + 3_700_000)).toBeUndefined();
    expect(await tokens.verifyCode(cookie, NOW)).toBeUndefined();
  });

  it('refuses a code or session naming no console session (sid), or a malformed one', async () => {
    const { sid: _sid, ...anonymous } = person;
    expect(await tokens.verifyCode(await tokens.mintCode({ ...anonymous, sid: undefined as never }, NOW), NOW)).toBeUndefined();
    expect(await tokens.verifySession(await tokens.signSession({ ...person, sid: 'short', issuedAt: NOW, expiresAt: NOW + 60_000 }), NOW)).toBeUndefined();
  });
});

describe('a console session cookie is no apps session', () => {
  it('is refused by the apps origin even with the same master key', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zg-handoff-')), 'key');
    const consoleTokens = ConsoleTokens.open(file, ISSUER);
    const apps = AppsTokens.open(file, ISSUER, APPS);
    const consoleCookie = await consoleTokens.signSession({ ...person, role: 'admin', csrf: ConsoleTokens.csrf(), issuedAt: NOW, expiresAt: NOW + 3_600_000 }, new Set());
    expect(await apps.verifySession(consoleCookie, NOW)).toBeUndefined();
    expect(await apps.verifyCode(consoleCookie, NOW)).toBeUndefined();
  });
});

describe('next of the handoff', () => {
  it('accepts only an app path, and safeNext lets the console handoff through', () => {
    expect(appNext(safeNext('/a/wiki/x?y=1'))).toBe('/a/wiki/x?y=1');
    expect(appNext(safeNext('/console/'))).toBeUndefined();
    expect(appNext(safeNext('https://evil.example/a/wiki/'))).toBeUndefined();
    expect(appNext(safeNext('/a/wiki/../../console/'))).toBeUndefined();
    expect(safeNext('/console/app-handoff?next=%2Fa%2Fwiki%2F')).toBe('/console/app-handoff?next=%2Fa%2Fwiki%2F');
  });
});
