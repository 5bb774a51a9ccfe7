import { describe, expect, it } from 'vitest';
import { defaultConfig, type AppConfig, type PolicyConfig } from '../config/index.ts';
import { SqliteStore, type CatalogRecord } from '../store/index.ts';
import { appsUsing, CatalogService, overlayCatalog, parseAppDefinition, policyInputOf } from './catalog.ts';
import { validatePolicy } from './policies.ts';

const config = defaultConfig({
  apps: [
    { id: 'wiki', upstream: 'http://wiki.internal:8080', policy: 'managed' },
    { id: 'db', upstream: 'tcp://db.internal:5432', users: ['a@example.com'] },
  ],
  policies: {
    managed: {
      mode: 'report-only',
      allow: [{ groups: ['eng'] }],
      require: { mfa: true, maxAuthAge: '1h30m', posture: { maxAge: '10m', diskEncryption: true, edr: ['crowdstrike'], screenLock: { maxTimeout: '5m' }, osMinVersion: { darwin: '14.0' } }, sourceCidrs: ['10.0.0.0/8', '2001:db8::/32'] },
    },
    open: {},
  },
});
const base = { apps: config.apps, policies: config.policies };
const row = (id: string, definition: Record<string, unknown> | undefined, updatedAt = 1): CatalogRecord => ({ id, definition, deleted: definition === undefined, updatedAt, updatedBy: 'api-token:ops' });

describe('policyInputOf', () => {
  it('writes a typed policy back in the config file shape, which validates to the same policy', () => {
    const managed = config.policies.managed as PolicyConfig;
    const written = policyInputOf(managed);
    expect(written.require).toMatchObject({ maxAuthAge: '1h30m', posture: { maxAge: '10m', screenLock: { maxTimeout: '5m' } }, sourceCidrs: ['10.0.0.0/8', '2001:db8::/32'] });
    const again = validatePolicy(written);
    expect(again).toEqual({ valid: true, policy: managed });
    expect(validatePolicy(policyInputOf(config.policies.open as PolicyConfig))).toEqual({ valid: true, policy: config.policies.open });
  });
});

describe('parseAppDefinition', () => {
  it('accepts what the config loader accepts and names the field of a problem', () => {
    const ok = parseAppDefinition({ id: 'crm', upstream: 'https://crm.internal', policy: 'open' }, config.policies);
    expect(ok).toMatchObject({ ok: true, app: { id: 'crm', name: 'crm', upstream: { protocol: 'https', host: 'crm.internal', port: 443, url: 'https://crm.internal' }, users: [], policy: 'open' } });
    // An https app is HTTP-aware: the gateway's defaults are filled in.
    expect(ok.ok && ok.app.http).toMatchObject({ assertion: true, clientless: false, requestValidation: 'off' });
    expect(parseAppDefinition({ id: 'crm', upstream: 'ftp://x' }, {})).toMatchObject({ ok: false, message: expect.stringMatching(/^upstream: expected/) });
    expect(parseAppDefinition({ id: 'crm', upstream: 'tcp://x' }, {})).toMatchObject({ ok: false, message: expect.stringMatching(/^upstream:/) });
    expect(parseAppDefinition({ id: 'crm', upstream: 'tcp://x:1', policy: 'nope' }, config.policies)).toMatchObject({ ok: false, message: expect.stringContaining('defined: managed, open') });
  });
});

describe('parseAppDefinition: the http block through the API', () => {
  const document = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/health': { get: { responses: { '200': { description: 'ok' } } } } } };

  it('takes gateway settings with an inline OpenAPI document', () => {
    const parsed = parseAppDefinition({ id: 'api', upstream: 'http://api.internal:8080', http: { openapi: document, requestValidation: 'enforce', clientless: true } }, {}, { clientlessAllowed: true });
    expect(parsed).toMatchObject({ ok: true, app: { http: { requestValidation: 'enforce', clientless: true, openapi: { document: { paths: { '/health': {} } } } } } });
    // Clientless needs the apps origin (server.appsUrl) of the running proxy.
    expect(parseAppDefinition({ id: 'api', upstream: 'http://api.internal:8080', http: { clientless: true } }, {})).toMatchObject({ ok: false, message: expect.stringMatching(/^http\.clientless: expected false while server\.appsUrl is unset/) });
  });

  it('never reads a file named by an API caller, and refuses unknown keys', () => {
    expect(parseAppDefinition({ id: 'api', upstream: 'http://api.internal', http: { openapi: '/etc/passwd' } }, {})).toMatchObject({ ok: false, message: expect.stringMatching(/^http\.openapi/) });
    expect(parseAppDefinition({ id: 'api', upstream: 'http://api.internal', http: { sneaky: true } }, {})).toMatchObject({ ok: false, message: expect.stringMatching(/^http/) });
  });
});

describe('overlayCatalog', () => {
  it('is the config alone without rows, every entry from the config', () => {
    const catalog = overlayCatalog(base, { apps: [], policies: [] });
    expect([...catalog.apps.keys()]).toEqual(['wiki', 'db']);
    expect([...catalog.apps.values()].every((a) => a.source === 'config')).toBe(true);
    expect(catalog.policies.get('managed')).toMatchObject({ source: 'config', written: { mode: 'report-only' } });
    expect(catalog.warnings).toEqual([]);
  });

  it('lets a row replace a config entry, a tombstone hide one, and new rows add entries', () => {
    const catalog = overlayCatalog(base, {
      apps: [row('db', { id: 'db', upstream: 'tcp://db2.internal:5432', policy: 'strict' }, 7), row('wiki', undefined), row('crm', { id: 'crm', upstream: 'http://crm.internal', allowRestrictedUpstream: true })],
      policies: [row('strict', { require: { maxAuthAge: '15m' } }), row('open', undefined)],
    });
    expect([...catalog.apps.keys()]).toEqual(['db', 'crm']);
    expect(catalog.apps.get('db')).toMatchObject({ source: 'api', updatedAt: 7, updatedBy: 'api-token:ops', allowRestrictedUpstream: false, app: { upstream: { host: 'db2.internal' }, policy: 'strict' } });
    expect(catalog.apps.get('crm')?.allowRestrictedUpstream).toBe(true);
    expect([...catalog.policies.keys()]).toEqual(['managed', 'strict']);
    // Stored as written: durations stay strings; the typed policy has them in ms.
    expect(catalog.policies.get('strict')).toMatchObject({ source: 'api', written: { require: { maxAuthAge: '15m' } }, policy: { require: { maxAuthAgeMs: 900_000 } } });
    expect(appsUsing(catalog, 'strict')).toEqual(['db']);
    expect(appsUsing(catalog, 'managed')).toEqual([]);
  });

  it('leaves out (fails closed) rows that no longer apply, with a warning', () => {
    const catalog = overlayCatalog(base, {
      apps: [row('crm', { id: 'crm', upstream: 'http://crm.internal', policy: 'gone' })],
      policies: [row('managed', undefined), row('broken', { require: { unknown: true } })],
    });
    // wiki (config) names managed, deleted by a tombstone; crm names a policy that does not exist.
    expect([...catalog.apps.keys()]).toEqual(['db']);
    expect(catalog.policies.has('broken')).toBe(false);
    expect(catalog.warnings).toHaveLength(3);
  });
});

describe('CatalogService', () => {
  it('applies the overlay, marks API apps without the override for the dial-time check, and serialises changes', async () => {
    const store = SqliteStore.open(':memory:');
    const applied: { apps: AppConfig[]; policies: Record<string, PolicyConfig> }[] = [];
    const service = new CatalogService({ store, base, apply: (apps, policies) => applied.push({ apps, policies }) });
    await service.load();
    expect(applied.at(-1)?.apps.map((a) => a.id)).toEqual(['wiki', 'db']);
    await service.exclusive(() => service.write('app', row('crm', { id: 'crm', upstream: 'http://crm.internal' })));
    await service.exclusive(() => service.write('app', row('raw', { id: 'raw', upstream: 'http://169.254.169.254', allowRestrictedUpstream: true })));
    const live = applied.at(-1)!;
    expect(live.apps.map((a) => a.id)).toEqual(['wiki', 'db', 'crm', 'raw']);
    expect(service.isGuarded(live.apps[2]!)).toBe(true);
    expect(service.isGuarded(live.apps[3]!)).toBe(false);
    expect(service.isGuarded(live.apps[0]!)).toBe(false);
    // A reload makes new app objects; a live stream may still hold the old ones: the API app's
    // old object stays guarded (it used to be forgotten, and so unchecked), approved ones stay so.
    await service.reload();
    const reloaded = applied.at(-1)!;
    expect(reloaded.apps[2]).not.toBe(live.apps[2]);
    expect([live.apps[2], reloaded.apps[2]].map((a) => service.isGuarded(a!))).toEqual([true, true]);
    expect([live.apps[3], reloaded.apps[3]].map((a) => service.isGuarded(a!))).toEqual([false, false]);
    // An app object the catalogue never made (not approved by anyone) is checked: fail closed.
    expect(service.isGuarded({ ...live.apps[0]! })).toBe(true);

    // A reload keeps the overlay: the new config's apps plus the store's.
    await service.setBase({ apps: [], policies: config.policies });
    expect(applied.at(-1)?.apps.map((a) => a.id)).toEqual(['crm', 'raw']);

    const order: string[] = [];
    const slow = service.exclusive(async () => {
      await new Promise((r) => setTimeout(r, 30));
      order.push('first');
    });
    const fast = service.exclusive(async () => {
      order.push('second');
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['first', 'second']);
    // A failing change does not block the next.
    await expect(service.exclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await service.exclusive(async () => 'ran')).toBe('ran');
    await store.close();
  });
});
