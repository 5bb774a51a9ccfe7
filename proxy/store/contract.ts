/**
 * Store contract tests of the admin API's catalogue, API-token listing and live-session
 * listing, written against the {@link Store} interface only, so any implementation (SQLite
 * today, PostgreSQL in issue 7) runs the same suite: `describeStoreContract('name', open)`.
 * Test-only: imported by `*.test.ts` files, never by the proxy.
 */
import { describe, expect, it } from 'vitest';
import type { SessionRecord, Store } from './types.ts';

const NOW = Date.UTC(2030, 0, 1);

/** `open` returns an empty store; `close` is called after each test. */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  describe(`${name}: catalogue (apps and policies written through the API)`, () => {
    it(
      'starts empty, keeps definitions as written and replaces a row on a second write',
      withStore(async (store) => {
        expect(await store.listCatalog('app')).toEqual([]);
        expect(await store.listCatalog('policy')).toEqual([]);
        const definition = { id: 'wiki', upstream: 'http://wiki.internal:8080', users: ['a@example.com'], nested: { maxAge: '5m' } };
        await store.putCatalog('app', { id: 'wiki', definition, deleted: false, updatedAt: NOW, updatedBy: 'api-token:ops' });
        expect(await store.listCatalog('app')).toEqual([{ id: 'wiki', definition, deleted: false, updatedAt: NOW, updatedBy: 'api-token:ops' }]);
        await store.putCatalog('app', { id: 'wiki', definition: { id: 'wiki', upstream: 'tcp://10.0.0.1:22' }, deleted: false, updatedAt: NOW + 1, updatedBy: 'user:bob' });
        expect(await store.listCatalog('app')).toEqual([{ id: 'wiki', definition: { id: 'wiki', upstream: 'tcp://10.0.0.1:22' }, deleted: false, updatedAt: NOW + 1, updatedBy: 'user:bob' }]);
        // Apps and policies are separate namespaces.
        expect(await store.listCatalog('policy')).toEqual([]);
      }),
    );

    it(
      'records tombstones without a definition, and a later write brings the entry back',
      withStore(async (store) => {
        await store.putCatalog('policy', { id: 'managed', definition: { mode: 'enforce' }, deleted: false, updatedAt: NOW, updatedBy: 'a' });
        await store.putCatalog('policy', { id: 'managed', definition: undefined, deleted: true, updatedAt: NOW + 1, updatedBy: 'b' });
        await store.putCatalog('policy', { id: 'config-only', definition: undefined, deleted: true, updatedAt: NOW + 2, updatedBy: 'c' });
        expect(await store.listCatalog('policy')).toEqual([
          { id: 'config-only', definition: undefined, deleted: true, updatedAt: NOW + 2, updatedBy: 'c' },
          { id: 'managed', definition: undefined, deleted: true, updatedAt: NOW + 1, updatedBy: 'b' },
        ]);
        await store.putCatalog('policy', { id: 'managed', definition: { allow: [] }, deleted: false, updatedAt: NOW + 3, updatedBy: 'd' });
        expect((await store.listCatalog('policy')).find((r) => r.id === 'managed')).toEqual({ id: 'managed', definition: { allow: [] }, deleted: false, updatedAt: NOW + 3, updatedBy: 'd' });
      }),
    );

    it(
      'refuses a live row without a definition',
      withStore(async (store) => {
        await expect(store.putCatalog('app', { id: 'x', definition: undefined, deleted: false, updatedAt: NOW, updatedBy: 'a' })).rejects.toThrow();
        expect(await store.listCatalog('app')).toEqual([]);
      }),
    );
  });

  describe(`${name}: API token listing`, () => {
    it(
      'lists tokens newest first with their state, bounded by the limit',
      withStore(async (store) => {
        expect(await store.listApiTokens(10)).toEqual([]);
        for (let i = 0; i < 3; i++) {
          await store.createApiToken({ id: `t${i}`, secretHash: `h${i}`, name: `n${i}`, role: i === 0 ? 'admin' : 'helpdesk', createdAt: NOW + i, expiresAt: NOW + 1000, revokedAt: undefined });
        }
        await store.revokeApiToken('t1', NOW + 10);
        const all = await store.listApiTokens(10);
        expect(all.map((t) => t.id)).toEqual(['t2', 't1', 't0']);
        expect(all[1]).toMatchObject({ name: 'n1', role: 'helpdesk', revokedAt: NOW + 10 });
        expect(all[2]).toMatchObject({ role: 'admin', revokedAt: undefined });
        expect((await store.listApiTokens(2)).map((t) => t.id)).toEqual(['t2', 't1']);
      }),
    );
  });

  describe(`${name}: live sessions`, () => {
    const session = (id: string, user: string, deviceId: string, createdAt: number, maxExpiresAt = NOW + 3_600_000): SessionRecord => ({
      id,
      user,
      deviceId,
      method: 'idp',
      groups: ['eng'],
      amr: ['mfa'],
      acr: undefined,
      authTime: createdAt,
      createdAt,
      maxExpiresAt,
      tokenExpiresAt: createdAt + 600_000,
      revokedAt: undefined,
    });

    it(
      'lists sessions neither revoked nor past their end, newest first, by user, with the device hostname, by pages',
      withStore(async (store) => {
        await store.enrollDeviceForUser(
          { id: 'dev-a', user: 'alice', hostname: 'alice-laptop', createdAt: NOW, certSerial: 'S1', certNotAfter: NOW + 86_400_000, certFingerprint: 'AA' },
          session('s1', 'alice', 'dev-a', NOW),
        );
        await store.createSession(session('s2', 'bob', 'dev-b', NOW + 1));
        await store.createSession(session('s3', 'alice', 'dev-a', NOW + 2));
        await store.createSession(session('s4', 'alice', 'dev-a', NOW + 3, NOW + 5));
        await store.createSession(session('s5', 'alice', 'dev-a', NOW + 4));
        await store.revokeSession('s5', NOW + 6);

        const live = await store.listLiveSessions({ now: NOW + 10, limit: 10 });
        expect(live.map((l) => l.session.id)).toEqual(['s3', 's2', 's1']);
        expect(live[0]).toMatchObject({ hostname: 'alice-laptop', session: { user: 'alice', groups: ['eng'], method: 'idp' } });
        expect(live[1]?.hostname).toBeUndefined();
        expect((await store.listLiveSessions({ now: NOW + 10, limit: 10, user: 'alice' })).map((l) => l.session.id)).toEqual(['s3', 's1']);
        // s4 ended at NOW + 5: live before then.
        expect((await store.listLiveSessions({ now: NOW + 4, limit: 10, user: 'alice' })).map((l) => l.session.id)).toEqual(['s4', 's3', 's1']);

        const first = await store.listLiveSessions({ now: NOW + 10, limit: 2 });
        expect(first.map((l) => l.session.id)).toEqual(['s3', 's2']);
        const second = await store.listLiveSessions({ now: NOW + 10, limit: 2, before: first.at(-1)!.cursor });
        expect(second.map((l) => l.session.id)).toEqual(['s1']);
      }),
    );
  });
}
