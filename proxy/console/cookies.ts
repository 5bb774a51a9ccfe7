/**
 * The console's cookies (RFC 6265bis). Both carry the `__Host-` prefix, so a browser only
 * accepts them Secure, from this origin, with `Path=/` and no `Domain`: a sibling subdomain
 * cannot plant or overwrite them.
 */

/** The session: HttpOnly, Secure, SameSite=Strict. */
export const SESSION_COOKIE = '__Host-zg_console';
/**
 * The sign-in state between `/console/login` and `/console/callback`. SameSite=Lax, not Strict:
 * an external IdP sends the browser back with a cross-site navigation, which carries Lax cookies
 * only. It is useless on its own (the state in it must match the callback's) and used once.
 */
export const LOGIN_COOKIE = '__Host-zg_console_login';

const COOKIE_VALUE = /^[A-Za-z0-9._~-]{1,8192}$/;
/** Most cookies looked at in one header (a bound on work, not a browser limit). */
const MAX_COOKIES = 100;

/** The value of cookie `name` in a Cookie header; undefined when absent, or present more than once. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 16 * 1024) return undefined;
  let found: string | undefined;
  let count = 0;
  for (const part of header.split(';', MAX_COOKIES)) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    count++;
    found = part.slice(eq + 1).trim();
  }
  // Two cookies of one name (one planted by an attacker) are ambiguous: neither is trusted.
  if (count !== 1 || found === undefined || !COOKIE_VALUE.test(found)) return undefined;
  return found;
}

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  sameSite: 'Strict' | 'Lax';
}

/** A Set-Cookie value with the attributes the `__Host-` prefix requires, and HttpOnly. */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  if (!COOKIE_VALUE.test(value) && value !== '') throw new TypeError('cookie values are base64url or JWT text');
  const expires = options.maxAge === 0 ? '; Expires=Thu, 01 Jan 1970 00:00:00 GMT' : '';
  return `${name}=${value}; Path=/; Max-Age=${options.maxAge}${expires}; HttpOnly; Secure; SameSite=${options.sameSite}`;
}

/** A Set-Cookie value that deletes cookie `name`. */
export function clearCookie(name: string, sameSite: CookieOptions['sameSite']): string {
  return setCookie(name, '', { maxAge: 0, sameSite });
}

/**
 * The clientless apps' own session (proxy/console/handoff.ts), set on `server.appsUrl`'s origin
 * only: the console's cookie never reaches that origin, and this one never reaches the console's.
 * SameSite=Lax: it is set at the end of a cross-site redirect (console origin to apps origin),
 * and a link to an app from another site must still open it.
 */
export const APPS_COOKIE = '__Host-zg_apps';
