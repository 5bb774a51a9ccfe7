import { describe, expect, it } from 'vitest';
import { homeOf, loginHref, mayOpen, navFor, parseRoute, pathOf, sectionOf, type Route } from './router.ts';

describe('parseRoute', () => {
  it.each<[string, Route]>([
    ['/console', { page: 'home' }],
    ['/console/', { page: 'home' }],
    ['/console/apps', { page: 'apps' }],
    ['/console/apps/', { page: 'apps' }],
    ['/console/policies', { page: 'policies' }],
    ['/console/policies/new', { page: 'policy-new' }],
    ['/console/policies/strict%20one', { page: 'policy', name: 'strict one' }],
    ['/console/devices/dev-123', { page: 'device', id: 'dev-123' }],
    ['/console/devices/a%2Fb', { page: 'device', id: 'a/b' }],
    ['/console/why-blocked', { page: 'why-blocked' }],
    ['/console/sessions', { page: 'sessions' }],
    ['/console/audit', { page: 'audit' }],
    ['/console/tokens', { page: 'tokens' }],
    ['/console/my-devices', { page: 'my-devices' }],
    ['/console/apps/orders/inventory', { page: 'inventory', app: 'orders' }],
    ['/console/apps/a%2Fb/inventory', { page: 'inventory', app: 'a/b' }],
  ])('%s', (path, route) => {
    expect(parseRoute(path)).toEqual(route);
  });

  it.each(['/consoleX', '/', '/console/nope', '/console/apps/x', '/console/devices/a/b', '/console/devices/%E0%A4%A', '/console/constructor', '/console/__proto__', '/console/apps/x/inventory/more', '/console/apps/x/other', '/console/apps//inventory'])(
    'answers not-found for %s',
    (path) => {
      expect(parseRoute(path)).toEqual({ page: 'not-found', path });
    },
  );

  it('round-trips through pathOf', () => {
    for (const route of [{ page: 'device', id: 'a b/c?d' }, { page: 'policy', name: 'p#1' }, { page: 'audit' }, { page: 'policy-new' }, { page: 'inventory', app: 'o/r d' }] as Route[]) {
      expect(parseRoute(pathOf(route))).toEqual(route);
    }
  });
});

describe('roles', () => {
  it('shows employees only their own devices', () => {
    expect(navFor('employee').map((n) => n.label)).toEqual(['My devices']);
    expect(mayOpen({ page: 'apps' }, 'employee')).toBe(false);
    expect(mayOpen({ page: 'device', id: 'x' }, 'employee')).toBe(false);
    expect(homeOf('employee')).toEqual({ page: 'my-devices' });
  });

  it('keeps admin-only pages from the helpdesk', () => {
    const labels = navFor('helpdesk').map((n) => n.label);
    expect(labels).toEqual(['Apps', 'Policies', 'Devices', 'Why blocked?', 'Sessions', 'My devices']);
    for (const page of ['audit', 'tokens', 'policy-new'] as const) expect(mayOpen({ page } as Route, 'helpdesk')).toBe(false);
  });

  it('gives admins every page', () => {
    expect(navFor('admin')).toHaveLength(8);
    expect(homeOf('admin')).toEqual({ page: 'apps' });
  });

  it('puts a device page under Devices and a policy under Policies', () => {
    expect(sectionOf({ page: 'device', id: 'x' })).toBe('devices');
    expect(sectionOf({ page: 'policy-new' })).toBe('policies');
    expect(sectionOf({ page: 'inventory', app: 'orders' })).toBe('apps');
  });
});

describe('loginHref', () => {
  it('returns to the page the user asked for', () => {
    expect(loginHref('/console/devices/dev-1', '?x=1')).toBe('/console/login?next=%2Fconsole%2Fdevices%2Fdev-1%3Fx%3D1');
  });

  it('never sends the user outside the console', () => {
    expect(loginHref('//evil.example/console/', '')).toBe('/console/login?next=%2Fconsole%2F');
    expect(loginHref('/other', '')).toBe('/console/login?next=%2Fconsole%2F');
  });
});
