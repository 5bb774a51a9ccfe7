/**
 * Client-side routes under /console/ (the proxy answers index.html for every non-asset path, so
 * each page has a real, linkable URL). Pure: the path is parsed into a Route, and which role
 * may open which page is one table.
 */
import type { Role } from './types.ts';

export const BASE = '/console';

export type Route =
  | { page: 'home' }
  | { page: 'apps' }
  | { page: 'inventory'; app: string }
  | { page: 'policies' }
  | { page: 'policy'; name: string }
  | { page: 'policy-new' }
  | { page: 'devices' }
  | { page: 'device'; id: string }
  | { page: 'why-blocked' }
  | { page: 'sessions' }
  | { page: 'audit' }
  | { page: 'tokens' }
  | { page: 'my-devices' }
  | { page: 'not-found'; path: string };

export type PageName = Route['page'];

const STAFF: readonly Role[] = ['admin', 'helpdesk'];
const ADMIN: readonly Role[] = ['admin'];
const EVERYONE: readonly Role[] = ['admin', 'helpdesk', 'employee'];

/** Who may open each page; the proxy enforces the same per API route, this only hides what would fail. */
export const PAGE_ROLES: Record<PageName, readonly Role[]> = {
  home: EVERYONE,
  apps: STAFF,
  inventory: STAFF,
  policies: STAFF,
  policy: STAFF,
  'policy-new': ADMIN,
  devices: STAFF,
  device: STAFF,
  'why-blocked': STAFF,
  sessions: STAFF,
  audit: ADMIN,
  tokens: ADMIN,
  'my-devices': EVERYONE,
  'not-found': EVERYONE,
};

/** Decodes one path segment; a malformed escape makes the path unknown rather than throwing. */
function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function parseRoute(pathname: string): Route {
  const notFound: Route = { page: 'not-found', path: pathname };
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) return notFound;
  const parts = pathname.slice(BASE.length).split('/').filter((p) => p !== '');
  const [first, second, ...rest] = parts;
  // An HTTP app's API inventory: /console/apps/<id>/inventory.
  if (first === 'apps' && second !== undefined && rest.length === 1 && rest[0] === 'inventory') {
    const app = decode(second);
    return app === undefined || app === '' ? notFound : { page: 'inventory', app };
  }
  if (rest.length > 0) return notFound;
  if (first === undefined) return { page: 'home' };
  const simple: Record<string, Route> = {
    apps: { page: 'apps' },
    policies: { page: 'policies' },
    devices: { page: 'devices' },
    'why-blocked': { page: 'why-blocked' },
    sessions: { page: 'sessions' },
    audit: { page: 'audit' },
    tokens: { page: 'tokens' },
    'my-devices': { page: 'my-devices' },
  };
  if (second === undefined) return Object.hasOwn(simple, first) ? simple[first]! : notFound;
  const value = decode(second);
  if (value === undefined || value === '') return notFound;
  if (first === 'policies') return value === 'new' && second === 'new' ? { page: 'policy-new' } : { page: 'policy', name: value };
  if (first === 'devices') return { page: 'device', id: value };
  return notFound;
}

/** The URL path of a route (segments escaped). */
export function pathOf(route: Route): string {
  switch (route.page) {
    case 'home':
      return `${BASE}/`;
    case 'policy':
      return `${BASE}/policies/${encodeURIComponent(route.name)}`;
    case 'policy-new':
      return `${BASE}/policies/new`;
    case 'device':
      return `${BASE}/devices/${encodeURIComponent(route.id)}`;
    case 'inventory':
      return `${BASE}/apps/${encodeURIComponent(route.app)}/inventory`;
    case 'not-found':
      return route.path;
    default:
      return `${BASE}/${route.page}`;
  }
}

export function mayOpen(route: Route, role: Role): boolean {
  return PAGE_ROLES[route.page].includes(role);
}

/** The first page a role lands on at /console/. */
export function homeOf(role: Role): Route {
  return role === 'employee' ? { page: 'my-devices' } : { page: 'apps' };
}

export interface NavItem {
  label: string;
  route: Route;
}

const NAV: readonly NavItem[] = [
  { label: 'Apps', route: { page: 'apps' } },
  { label: 'Policies', route: { page: 'policies' } },
  { label: 'Devices', route: { page: 'devices' } },
  { label: 'Why blocked?', route: { page: 'why-blocked' } },
  { label: 'Sessions', route: { page: 'sessions' } },
  { label: 'Audit', route: { page: 'audit' } },
  { label: 'API tokens', route: { page: 'tokens' } },
  { label: 'My devices', route: { page: 'my-devices' } },
];

export function navFor(role: Role): NavItem[] {
  return NAV.filter((item) => mayOpen(item.route, role));
}

/** Which nav item a route belongs to (a device page belongs to Devices). */
export function sectionOf(route: Route): PageName {
  if (route.page === 'device') return 'devices';
  if (route.page === 'inventory') return 'apps';
  if (route.page === 'policy' || route.page === 'policy-new') return 'policies';
  return route.page;
}

/**
 * Where the sign-in may send the user back to: only a path of this console (the proxy checks
 * `next` again; this keeps the link honest).
 */
export function loginHref(pathname: string, search: string): string {
  const next = pathname === BASE || pathname.startsWith(`${BASE}/`) ? `${pathname}${search}` : `${BASE}/`;
  return `${BASE}/login?next=${encodeURIComponent(next)}`;
}
