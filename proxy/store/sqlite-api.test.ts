/** Store methods of the admin and helpdesk API (migration 5): API tokens, device search, decisions. */
import { describe, expect, it } from 'vitest';
import { hashSecret } from '../devices/tokens.ts';
import { SqliteStore } from './sqlite.ts';

const NOW = Date.UTC(2030, 0, 1);

async function addDevice(store: SqliteStore, id: string, user: string, hostname: string, createdAt: number) {
  const tokenId = id.padEnd(16, '0').slice(0, 16);
  await store.createEnrollmentToken({ id: tokenId, secretHash: hashSecret('s'), user, createdAt, expiresAt: createdAt + 60_000 });
  const result = await store.enrollDevice({
    tokenId,
    secretHash: hashSecret('s'),
    now: createdAt,
    device: { id, hostname, createdAt, certSerial: `S-${id}`, certNotAfter: createdAt + 86_400_000, certFingerprint: 'AA' },
  });
  expect(result.ok).toBe(true);
}

describe('SqliteStore: API tokens', () => {
  it('stores, finds and revokes a token once', async () => {
    const store = SqliteStore.open(':memory:');
    await store.createApiToken({ id: 'a1', secretHash: 'h', name: 'ci', role: 'helpdesk', createdAt: NOW, expiresAt: NOW + 1000, revokedAt: undefined });
    expect(await store.getApiToken('a1')).toEqual({ id: 'a1', secretHash: 'h', name: 'ci', role: 'helpdesk', createdAt: NOW, expiresAt: NOW + 1000, revokedAt: undefined });
    expect(await store.getApiToken('nope')).toBeUndefined();
    expect(await store.revokeApiToken('a1', NOW + 5)).toBe(true);
    expect(await store.revokeApiToken('a1', NOW + 6)).toBe(false);
    expect((await store.getApiToken('a1'))?.revokedAt).toBe(NOW + 5);
  });
});

describe('SqliteStore: device search', () => {
  it('filters by user, hostname substring (LIKE wildcards literal) and status, newest first, by pages', async () => {
    const store = SqliteStore.open(':memory:');
    await addDevice(store, 'dev-1', 'alice', 'alice-laptop', NOW);
    await addDevice(store, 'dev-2', 'alice', 'alice_desk', NOW + 1);
    await addDevice(store, 'dev-3', 'bob', 'bob-laptop', NOW + 2);
    await store.revokeDevice('dev-1', NOW + 3, 'lost');
    expect((await store.searchDevices({ limit: 10 })).map((d) => d.id)).toEqual(['dev-3', 'dev-2', 'dev-1']);
    expect((await store.searchDevices({ user: 'alice', limit: 10 })).map((d) => d.id)).toEqual(['dev-2', 'dev-1']);
    expect((await store.searchDevices({ hostname: 'LAPTOP', limit: 10 })).map((d) => d.id)).toEqual(['dev-3', 'dev-1']);
    expect((await store.searchDevices({ hostname: '_', limit: 10 })).map((d) => d.id)).toEqual(['dev-2']);
    expect((await store.searchDevices({ hostname: '%', limit: 10 })).map((d) => d.id)).toEqual([]);
    expect((await store.searchDevices({ status: 'revoked', limit: 10 })).map((d) => d.id)).toEqual(['dev-1']);
    const first = await store.searchDevices({ limit: 2 });
    expect(first.map((d) => d.id)).toEqual(['dev-3', 'dev-2']);
    expect((await store.searchDevices({ limit: 2, before: 'dev-2' })).map((d) => d.id)).toEqual(['dev-1']);
  });
});

describe('SqliteStore: latest session and decisions', () => {
  it('finds the newest unrevoked session of a device', async () => {
    const store = SqliteStore.open(':memory:');
    await addDevice(store, 'dev-1', 'alice', 'h', NOW);
    const base = { user: 'alice', deviceId: 'dev-1', method: 'idp' as const, groups: ['eng'], amr: ['mfa'], acr: undefined, authTime: NOW, maxExpiresAt: NOW + 1e6, tokenExpiresAt: NOW + 1e5, revokedAt: undefined };
    expect(await store.latestSessionOfDevice('dev-1')).toBeUndefined();
    await store.createSession({ ...base, id: 's1', createdAt: NOW });
    await store.createSession({ ...base, id: 's2', createdAt: NOW + 10 });
    expect((await store.latestSessionOfDevice('dev-1'))?.id).toBe('s2');
    await store.revokeSession('s2', NOW + 20);
    expect((await store.latestSessionOfDevice('dev-1'))?.id).toBe('s1');
  });

  it('returns only stream.deny and stream.reset events, filtered, newest first', async () => {
    const store = SqliteStore.open(':memory:');
    await store.appendAudit([
      { time: NOW, type: 'stream.deny', user: 'alice', device: 'd1', app: 'wiki', reasons: ['disk-unencrypted'] },
      { time: NOW, type: 'stream.open', user: 'alice', device: 'd1', app: 'wiki' },
      { time: NOW, type: 'stream.reset', user: 'bob', device: 'd2', app: 'db', reasons: ['edr-missing'] },
      { time: NOW, type: 'stream.deny', user: 'alice', device: 'd1', app: 'db', reasons: ['posture-missing'] },
    ]);
    expect((await store.queryDecisions({ limit: 10 })).map((e) => e.type)).toEqual(['stream.deny', 'stream.reset', 'stream.deny']);
    expect((await store.queryDecisions({ user: 'alice', limit: 10 })).map((e) => e.app)).toEqual(['db', 'wiki']);
    expect((await store.queryDecisions({ app: 'wiki', limit: 10 })).map((e) => e.reasons)).toEqual([['disk-unencrypted']]);
    const [newest] = await store.queryDecisions({ limit: 1 });
    expect((await store.queryDecisions({ limit: 10, before: newest!.id })).length).toBe(2);
  });
});
