/**
 * PostgreSQL going away and coming back, on a private server this test stops and starts: calls
 * fail fast and closed (ZG_ERR_STORE_UNAVAILABLE), and the same store recovers by itself, its
 * change feed saying `resync` and then delivering new changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZerogateError } from '../../shared/errors.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../../test/helpers/postgres.ts';
import { CONNECT_TIMEOUT_MS, PostgresStore } from './postgres.ts';
import type { StoreChange } from './types.ts';

async function eventually(check: () => void | Promise<void>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const unavailable = (e: unknown) => isZerogateError(e, 'ZG_ERR_STORE_UNAVAILABLE');

describe('PostgresStore: the server goes away and comes back', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`fails closed while it is down (stop -m ${mode}) and recovers without a restart`, async () => {
      const store = await PostgresStore.open(server.url);
      const changes: StoreChange[] = [];
      store.subscribe((change) => changes.push(change));
      try {
        await store.putCatalog('app', { id: `before-${mode}`, definition: {}, deleted: false, updatedAt: 1, updatedBy: 'a' });
        await eventually(() => expect(changes).toContainEqual({ kind: 'catalog', catalog: 'app', id: `before-${mode}` }));

        await server.stop(mode);
        // Every call fails with the store's code, bounded by the connect timeout: never a hang.
        for (const call of [() => store.ping(), () => store.isSerialRevoked('S1'), () => store.revokeDevice('d1', 1, 'x'), () => store.appendAudit([{ time: 1, type: 'x' }])]) {
          const started = Date.now();
          await expect(call()).rejects.toSatisfy(unavailable);
          expect(Date.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + 2_000);
        }
        const before = changes.length;

        await server.start();
        await eventually(() => store.ping());
        expect((await store.listCatalog('app')).map((r) => r.id)).toContain(`before-${mode}`);
        await eventually(() => expect(changes.slice(before)).toContainEqual({ kind: 'resync' }));
        // After the resync, changes flow again: this node's and another node's.
        await store.putCatalog('app', { id: `after-${mode}`, definition: {}, deleted: false, updatedAt: 2, updatedBy: 'a' });
        const other = await PostgresStore.open(server.url);
        await other.putCatalog('policy', { id: `other-${mode}`, definition: {}, deleted: false, updatedAt: 3, updatedBy: 'b' });
        await other.close();
        await eventually(() => {
          const after = changes.slice(changes.findIndex((c, i) => i >= before && c.kind === 'resync'));
          expect(after).toContainEqual({ kind: 'catalog', catalog: 'app', id: `after-${mode}` });
          expect(after).toContainEqual({ kind: 'catalog', catalog: 'policy', id: `other-${mode}` });
        });
      } finally {
        await store.close();
      }
    }, 60_000);
  }

  it('refuses to open while the server is down, then opens once it is back', async () => {
    await server.stop('fast');
    try {
      await expect(PostgresStore.open(server.url)).rejects.toSatisfy(unavailable);
    } finally {
      await server.start();
    }
    const store = await PostgresStore.open(server.url);
    await store.ping();
    await store.close();
  }, 60_000);
});
