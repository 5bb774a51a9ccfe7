import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../store/index.ts';
import { PayloadSweeper, storeAdapter } from './adapter.ts';

describe('storeAdapter', () => {
  const Adapter = () => storeAdapter(SqliteStore.open(':memory:'));

  it('stores, finds, consumes and destroys a model instance', async () => {
    const Code = Adapter();
    const codes = new Code('AuthorizationCode');
    await codes.upsert('c1', { jti: 'c1', grantId: 'g1', kind: 'AuthorizationCode' }, 60);
    expect(await codes.find('c1')).toEqual({ jti: 'c1', grantId: 'g1', kind: 'AuthorizationCode' });
    expect(await new Code('AccessToken').find('c1')).toBeUndefined();
    await codes.consume('c1');
    expect((await codes.find('c1'))?.consumed).toEqual(expect.any(Number));
    await codes.destroy('c1');
    expect(await codes.find('c1')).toBeUndefined();
  });

  it('finds sessions by uid and device codes by user code', async () => {
    const Model = Adapter();
    await new Model('Session').upsert('s1', { jti: 's1', uid: 'u-1', accountId: 'alice' }, 60);
    expect(await new Model('Session').findByUid('u-1')).toMatchObject({ accountId: 'alice' });
    await new Model('DeviceCode').upsert('d1', { jti: 'd1', userCode: 'BCDFGHJK', grantId: 'g9' }, 60);
    expect(await new Model('DeviceCode').findByUserCode('BCDFGHJK')).toMatchObject({ jti: 'd1' });
    expect(await new Model('DeviceCode').findByUserCode('XXXXXXXX')).toBeUndefined();
  });

  it('revokes every token of a grant, across models, and nothing else', async () => {
    const Model = Adapter();
    await new Model('RefreshToken').upsert('r1', { jti: 'r1', grantId: 'g1' }, 60);
    await new Model('AccessToken').upsert('a1', { jti: 'a1', grantId: 'g1' }, 60);
    await new Model('AccessToken').upsert('a2', { jti: 'a2', grantId: 'g2' }, 60);
    await new Model('RefreshToken').revokeByGrantId('g1');
    expect(await new Model('RefreshToken').find('r1')).toBeUndefined();
    expect(await new Model('AccessToken').find('a1')).toBeUndefined();
    expect(await new Model('AccessToken').find('a2')).toBeDefined();
  });

  it('treats an expired instance as absent', async () => {
    const Model = Adapter();
    const grants = new Model('Grant');
    await grants.upsert('g1', { jti: 'g1' }, 0.001);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await grants.find('g1')).toBeUndefined();
    await grants.upsert('g2', { jti: 'g2' }, undefined);
    expect(await grants.find('g2')).toEqual({ jti: 'g2' });
  });

  it('sweeps expired payloads from the store on a timer, until stopped', async () => {
    const store = SqliteStore.open(':memory:');
    await store.idpPayloadUpsert({ model: 'Session', id: 's1', payload: {}, expiresAt: Date.now() - 1 }, {});
    await store.idpPayloadUpsert({ model: 'Session', id: 's2', payload: {}, expiresAt: Date.now() + 60_000 }, {});
    const sweeper = new PayloadSweeper(store, 5);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await sweeper.stop();
    // Nothing expired is left to sweep; the live payload is still there.
    expect(await store.idpPayloadSweep(Date.now())).toBe(0);
    expect(await store.idpPayloadFind('Session', 's2', Date.now())).toBeDefined();
  });
});
