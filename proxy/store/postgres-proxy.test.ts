/**
 * A proxy node on PostgreSQL (`store.url`): it migrates and uses the database, /readyz follows
 * the database going away (503, ZG_ERR_STORE_UNAVAILABLE: fail closed) and coming back, with no
 * restart of the node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TEST_USER } from '../../test/helpers/stack.ts';
import { sqlIn, startPrivatePostgres, type PrivatePostgres } from '../../test/helpers/postgres.ts';

describe('proxy on PostgreSQL', () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });

  it('keeps devices in PostgreSQL and is not ready while the database is down', async () => {
    const stack = await startStack({ store: { url: server.url } });
    try {
      const creds = await stack.enroll(TEST_USER);
      const rows = await sqlIn(server.url, 'SELECT id, user_id FROM devices');
      expect(rows).toEqual([{ id: creds.enrollment.deviceId, user_id: TEST_USER }]);
      const ready = () => stack.proxy.built.app.inject({ url: '/readyz' });
      expect((await ready()).statusCode).toBe(200);

      await server.stop('fast');
      const down = await ready();
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ code: 'ZG_ERR_STORE_UNAVAILABLE' });

      await server.start();
      const end = Date.now() + 15_000;
      while ((await ready()).statusCode !== 200 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect((await ready()).statusCode).toBe(200);
      expect(await stack.proxy.store.getDevice(creds.enrollment.deviceId)).toMatchObject({ user: TEST_USER, status: 'active' });
    } finally {
      await stack.close();
    }
  }, 60_000);
});
