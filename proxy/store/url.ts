/** `store.url` helpers: which URLs name PostgreSQL, and how to show one without its password. */

const POSTGRES_SCHEMES = new Set(['postgres:', 'postgresql:']);

/** True for a parseable `postgres://` or `postgresql://` URL with a host. */
export function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return POSTGRES_SCHEMES.has(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * The URL with its password (and any `password=` query parameter) replaced by `***`, for
 * errors and logs. Text that does not parse as a URL is withheld entirely: it may be a
 * password pasted in the wrong place.
 */
export function redactStoreUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '(not a URL; not shown)';
  }
  if (url.password !== '') url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (/pass|secret|key|token/i.test(key)) url.searchParams.set(key, '***');
  }
  return url.toString();
}
