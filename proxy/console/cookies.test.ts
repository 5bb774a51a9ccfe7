import { describe, expect, it } from 'vitest';
import { clearCookie, readCookie, SESSION_COOKIE, setCookie } from './cookies.ts';

describe('readCookie', () => {
  it('finds one cookie among others', () => {
    expect(readCookie(`a=1; ${SESSION_COOKIE}=abc.def-ghi_jk; b=2`, SESSION_COOKIE)).toBe('abc.def-ghi_jk');
    expect(readCookie('a=1', SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(undefined, SESSION_COOKIE)).toBeUndefined();
  });

  it('trusts neither of two cookies with the same name (one could be planted)', () => {
    expect(readCookie(`${SESSION_COOKIE}=one; ${SESSION_COOKIE}=two`, SESSION_COOKIE)).toBeUndefined();
  });

  it('refuses values that are not token text, and a prefix-less look-alike', () => {
    expect(readCookie(`${SESSION_COOKIE}="quoted"`, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(`${SESSION_COOKIE}=`, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie('zg_console=abc', SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(`x${SESSION_COOKIE}=abc`, SESSION_COOKIE)).toBeUndefined();
  });
});

describe('setCookie', () => {
  it('writes the attributes the __Host- prefix requires, HttpOnly and SameSite', () => {
    expect(setCookie(SESSION_COOKIE, 'abc', { maxAge: 60, sameSite: 'Strict' })).toBe(`${SESSION_COOKIE}=abc; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Strict`);
    expect(clearCookie(SESSION_COOKIE, 'Strict')).toBe(`${SESSION_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict`);
  });

  it('refuses values that could add attributes', () => {
    expect(() => setCookie(SESSION_COOKIE, 'a; Domain=evil.example', { maxAge: 1, sameSite: 'Lax' })).toThrow(TypeError);
  });
});
