/**
 * The store contract (contract.ts) against PostgreSQL: the shared test server
 * (127.0.0.1:5432, database `test`), a schema of its own per test.
 */
import { describe, expect, it } from 'vitest';
import { freshSchema, sqlIn } from '../../test/helpers/postgres.ts';
import { describeStoreContract } from './contract.ts';
import { PG_SCHEMA_VERSION, PostgresStore } from './postgres.ts';
import type { Store } from './types.ts';

describeStoreContract('PostgresStore', {
  sharedFeed: true,
  async open() {
    const schema = await freshSchema();
    const opened: Store[] = [];
    const track = (store: Store) => (opened.push(store), store);
    return {
      store: track(await PostgresStore.open(schema.url)),
      another: async () => track(await PostgresStore.open(schema.url)),
      reopen: async () => track(await PostgresStore.open(schema.url)),
      setSchemaVersion: async (version: number) => void (await sqlIn(schema.url, 'UPDATE schema_version SET version = $1', [version])),
      async dispose() {
        for (const store of opened) await store.close();
        await schema.drop();
      },
    };
  },
});

describe('PostgresStore: migrations', () => {
  it('records its schema version, and nodes starting together migrate once without a race', async () => {
    const schema = await freshSchema();
    try {
      const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open(schema.url)));
      expect(await sqlIn(schema.url, 'SELECT version FROM schema_version')).toEqual([{ version: PG_SCHEMA_VERSION }]);
      await stores[0]!.putCatalog('app', { id: 'wiki', definition: {}, deleted: false, updatedAt: 1, updatedBy: 'a' });
      expect((await stores[3]!.listCatalog('app')).map((r) => r.id)).toEqual(['wiki']);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await schema.drop();
    }
  });

  it('fails with ZG_ERR_STORE_UNAVAILABLE, without the password, when the server cannot be reached', async () => {
    const started = Date.now();
    const error = await PostgresStore.open('postgres://zg:hunter2-secret@127.0.0.1:1/test').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ZG_ERR_STORE_UNAVAILABLE' });
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('names a missing schema clearly', async () => {
    const error = await PostgresStore.open('postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3Dzg_no_such_schema').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ZG_ERR_STORE_UNAVAILABLE', message: expect.stringMatching(/no schema/) });
  });
});
