import { afterEach, describe, expect, it } from 'vitest';
import { CatalogService } from '../api/catalog.ts';
import { AuditLog } from '../audit/index.ts';
import { defaultConfig, type AppConfig } from '../config/index.ts';
import { RevocationWatcher } from '../devices/revocation-watcher.ts';
import { SqliteStore } from '../store/sqlite.ts';
import type { SessionRegistry } from '../tunnel/registry.ts';
import { followCluster } from './cluster.ts';

const NOW = Date.now();
const config = defaultConfig({ apps: [{ id: 'wiki', upstream: 'http://wiki.internal:8080' }] });

/** A node's catalogue on `store`: what `apply` made live last, and how often. */
function node(store: SqliteStore) {
  const state = { applied: [] as string[][], service: undefined as unknown as CatalogService };
  state.service = new CatalogService({ store, base: { apps: config.apps, policies: config.policies }, apply: (apps: AppConfig[]) => state.applied.push(apps.map((a) => a.id)) });
  return state;
}

const appRow = (id: string) => ({ id, definition: { id, upstream: `tcp://${id}.internal:22` }, deleted: false, updatedAt: NOW, updatedBy: 'api-token:ops' });

describe('followCluster', () => {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it('reloads the catalogue on a node that did not make the change, coalescing a burst', async () => {
    const store = SqliteStore.open(':memory:');
    stores.push(store);
    const a = node(store);
    const b = node(store);
    await a.service.load();
    await b.service.load();
    const follower = followCluster({ store, catalog: b.service, coalesceMs: 30 });
    const before = b.applied.length;

    // Node A publishes ten apps; node B never called write() itself.
    for (let i = 0; i < 10; i++) await a.service.exclusive(() => a.service.write('app', appRow(`app${i}`)));
    await follower.settled();
    expect(b.service.current().apps.has('app9')).toBe(true);
    expect(b.applied.at(-1)).toEqual(['wiki', ...Array.from({ length: 10 }, (_, i) => `app${i}`)]);
    const reloads = b.applied.length - before;
    expect(reloads).toBeGreaterThanOrEqual(1);
    expect(reloads).toBeLessThan(10);

    follower.stop();
    await a.service.exclusive(() => a.service.write('app', appRow('late')));
    await new Promise((r) => setTimeout(r, 80));
    expect(b.service.current().apps.has('late')).toBe(false);
  });

  it('reloads on resync and retries a reload that failed, keeping the current catalogue meanwhile', async () => {
    const store = SqliteStore.open(':memory:');
    stores.push(store);
    const b = node(store);
    await b.service.load();
    let fail = true;
    const listeners: ((change: { kind: 'resync' }) => void)[] = [];
    const warnings: string[] = [];
    const follower = followCluster({
      store: { subscribe: (l) => (listeners.push(l as (change: { kind: 'resync' }) => void), () => undefined) },
      catalog: { reload: () => (fail ? Promise.reject(new Error('store down')) : b.service.reload()) },
      warn: (line) => warnings.push(line),
      coalesceMs: 5,
      retryMs: 20,
    });
    await store.putCatalog('app', appRow('crm'));
    for (const l of listeners) l({ kind: 'resync' });
    await new Promise((r) => setTimeout(r, 60));
    expect(b.service.current().apps.has('crm')).toBe(false);
    expect(warnings.some((w) => /could not reload/.test(w))).toBe(true);
    fail = false;
    await new Promise((r) => setTimeout(r, 60));
    await follower.settled();
    expect(b.service.current().apps.has('crm')).toBe(true);
    expect(warnings.some((w) => /reloaded from the store again/.test(w))).toBe(true);
    follower.stop();
  });
});

describe('RevocationWatcher on the change feed', () => {
  it('cuts a revoked device at once on a revocation change, without waiting for its poll', async () => {
    const store = SqliteStore.open(':memory:');
    const audit = new AuditLog(store, 'none');
    await store.enrollDeviceForUser(
      { id: 'dev-1', user: 'alice@example.com', hostname: 'laptop', createdAt: NOW, certSerial: 'AB01', certNotAfter: NOW + 86_400_000, certFingerprint: 'AA' },
      { id: 'sess-1', user: 'alice@example.com', deviceId: 'dev-1', method: 'idp', groups: [], amr: [], acr: undefined, authTime: NOW, createdAt: NOW, maxExpiresAt: NOW + 3_600_000, tokenExpiresAt: NOW + 600_000, revokedAt: undefined },
    );
    const cut: { id: string; at: number }[] = [];
    const registry = { terminateDevice: (id: string) => (cut.push({ id, at: Date.now() }), 1), terminateSession: () => 0 } as unknown as SessionRegistry;
    const watcher = new RevocationWatcher(store, registry, audit);
    watcher.start(60_000); // the poll would take a minute: only the feed can be this quick
    await watcher.check(); // caught up with the (empty) history
    const revokedAt = Date.now();
    await store.revokeDevice('dev-1', revokedAt, 'lost laptop');
    for (let i = 0; i < 40 && cut.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(cut.map((c) => c.id)).toEqual(['dev-1']);
    await audit.flush();
    expect(await store.queryAudit({ type: 'session.reset', device: 'dev-1' })).toHaveLength(1);
    watcher.stop();
    await audit.close();
    await store.close();
  });
});
