import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isZerogateError } from '../../shared/errors.ts';
import { hashSecret } from '../devices/tokens.ts';
import { POSTURE_HISTORY_PER_DEVICE, SqliteStore } from './sqlite.ts';

const NOW = Date.UTC(2030, 0, 1);

function device(id: string) {
  return { id, hostname: 'laptop', createdAt: NOW, certSerial: `SERIAL-${id}`.toUpperCase(), certNotAfter: NOW + 86_400_000, certFingerprint: 'AA' };
}

async function withToken(store: SqliteStore, id = '0123456789abcdef', expiresAt = NOW + 3_600_000) {
  await store.createEnrollmentToken({ id, secretHash: hashSecret('secret'), user: 'alice@example.com', createdAt: NOW, expiresAt });
  return { tokenId: id, secretHash: hashSecret('secret') };
}

describe('SqliteStore', () => {
  it('consumes an enrolment token exactly once and records the device with its user', async () => {
    const store = SqliteStore.open(':memory:');
    const token = await withToken(store);
    const first = await store.enrollDevice({ ...token, now: NOW, device: device('dev-00000001') });
    expect(first).toMatchObject({ ok: true, device: { id: 'dev-00000001', user: 'alice@example.com', status: 'active' } });
    const second = await store.enrollDevice({ ...token, now: NOW, device: device('dev-00000002') });
    expect(second).toEqual({ ok: false, refusal: 'token-used', user: 'alice@example.com' });
    expect(await store.getDevice('dev-00000002')).toBeUndefined();
  });

  it('refuses an expired token and one whose secret does not match, recording nothing', async () => {
    const store = SqliteStore.open(':memory:');
    const token = await withToken(store, '0123456789abcdef', NOW + 1000);
    expect(await store.enrollDevice({ ...token, now: NOW + 1000, device: device('dev-00000001') })).toMatchObject({ ok: false, refusal: 'token-expired' });
    expect(await store.enrollDevice({ ...token, secretHash: hashSecret('guess'), now: NOW, device: device('dev-00000001') })).toEqual({ ok: false, refusal: 'token-unknown', user: undefined });
    expect(await store.enrollDevice({ tokenId: 'ffffffffffffffff', secretHash: token.secretHash, now: NOW, device: device('dev-00000001') })).toMatchObject({ ok: false, refusal: 'token-unknown' });
    expect(await store.listDevices()).toEqual([]);
  });

  it('revokes a device and every serial issued to it; unknown serials count as revoked', async () => {
    const store = SqliteStore.open(':memory:');
    await store.enrollDevice({ ...(await withToken(store)), now: NOW, device: device('dev-00000001') });
    expect(await store.isSerialRevoked('SERIAL-DEV-00000001')).toBe(false);
    expect(await store.isSerialRevoked('NEVER-ISSUED')).toBe(true);
    expect(await store.revokeDevice('dev-00000001', NOW + 5, 'lost laptop')).toBe(true);
    expect(await store.revokeDevice('dev-00000001', NOW + 6, 'again')).toBe(false);
    expect(await store.revokeDevice('nope', NOW, 'x')).toBe(false);
    expect(await store.isSerialRevoked('SERIAL-DEV-00000001')).toBe(true);
    expect(await store.getDevice('dev-00000001')).toMatchObject({ status: 'revoked', revokedAt: NOW + 5 });
    // One sequence entry per effective revocation, whatever its timestamp says.
    expect(await store.revocationsAfter(0)).toEqual([{ seq: 1, deviceId: 'dev-00000001' }]);
    expect(await store.revocationsAfter(1)).toEqual([]);
  });

  it('appends audit events and pages through them newest first with filters', async () => {
    const store = SqliteStore.open(':memory:');
    for (let i = 0; i < 5; i++) {
      await store.appendAudit([{ time: NOW + i, type: i % 2 === 0 ? 'stream.open' : 'stream.deny', device: 'd1', reasons: i % 2 ? ['app-not-found'] : undefined, detail: { i } }]);
    }
    const denies = await store.queryAudit({ type: 'stream.deny' });
    expect(denies.map((e) => e.detail)).toEqual([{ i: 3 }, { i: 1 }]);
    expect(denies[0]).toMatchObject({ reasons: ['app-not-found'], device: 'd1' });
    const page1 = await store.queryAudit({ limit: 2 });
    const page2 = await store.queryAudit({ limit: 2, before: page1[1]!.id });
    expect([...page1, ...page2].map((e) => e.detail)).toEqual([{ i: 4 }, { i: 3 }, { i: 2 }, { i: 1 }]);
    expect((await store.queryAudit({ limit: 1_000_000 })).length).toBe(5);
  });

  it('keeps data across reopen and refuses a schema newer than it knows', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zg-store-')), 'zerogate.db');
    const store = SqliteStore.open(file);
    await store.enrollDevice({ ...(await withToken(store)), now: NOW, device: device('dev-00000001') });
    await store.close();
    const again = SqliteStore.open(file);
    expect((await again.listDevices()).map((d) => d.id)).toEqual(['dev-00000001']);
    await again.close();
    const raw = new Database(file);
    raw.prepare('UPDATE schema_version SET version = 99').run();
    raw.close();
    try {
      SqliteStore.open(file);
      expect.unreachable('opened a newer schema');
    } catch (error) {
      expect(isZerogateError(error, 'ZG_ERR_STORE_SCHEMA_NEWER')).toBe(true);
      expect((error as Error).message).toMatch(/newer than this proxy knows/);
    }
  });

  it('turns a closed database into ZG_ERR_STORE_UNAVAILABLE (fail closed)', async () => {
    const store = SqliteStore.open(':memory:');
    await store.close();
    await expect(store.getDevice('x')).rejects.toMatchObject({ code: 'ZG_ERR_STORE_UNAVAILABLE' });
    await expect(store.ping()).rejects.toMatchObject({ code: 'ZG_ERR_STORE_UNAVAILABLE' });
  });

  it('advances a stored step only forward, once per step (TOTP replay protection)', async () => {
    const store = SqliteStore.open(':memory:');
    const now = 1_000_000;
    expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 10, now + 60_000, now)).toBe(true);
    expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 10, now + 60_000, now)).toBe(false);
    expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 9, now + 60_000, now)).toBe(false);
    expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 11, now + 60_000, now)).toBe(true);
    expect(await store.idpPayloadAdvanceStep('Steps', 'bob', 5, now + 60_000, now)).toBe(true);
    // An expired record no longer blocks anything.
    expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 3, now + 200_000, now + 120_000)).toBe(true);
    await store.close();
  });

  it('marks a one-time credential used once until it expires, then forgets it', async () => {
    const store = SqliteStore.open(':memory:');
    expect(await store.markUsedOnce('id-token', 'h1', 2_000, 1_000)).toBe(true);
    expect(await store.markUsedOnce('id-token', 'h1', 2_000, 1_500)).toBe(false);
    expect(await store.markUsedOnce('other-scope', 'h1', 2_000, 1_500)).toBe(true);
    expect(await store.markUsedOnce('id-token', 'h1', 4_000, 2_500)).toBe(true);
    await store.close();
  });

  it('records session revocations in the revocation sequence, device-wide ones without a session', async () => {
    const store = SqliteStore.open(':memory:');
    const now = Date.now();
    const session = (id: string, user: string, deviceId: string) => ({ id, user, deviceId, method: 'idp' as const, groups: [], amr: [], acr: undefined, authTime: now, createdAt: now, maxExpiresAt: now + 1e6, tokenExpiresAt: now + 1e5, revokedAt: undefined });
    await store.createSession(session('s1', 'alice', 'd1'));
    await store.createSession(session('s2', 'alice', 'd2'));
    await store.createSession(session('s3', 'bob', 'd3'));
    expect(await store.revokeSession('s1', now)).toBe(true);
    expect(await store.revokeSession('s1', now)).toBe(false);
    expect(await store.revokeUserSessions('alice', now)).toBe(1);
    expect(await store.renewSession('s2', { authTime: now, groups: [], amr: [], acr: undefined, tokenExpiresAt: now + 1 })).toBe(false);
    expect(await store.renewSession('s3', { authTime: now, groups: ['g'], amr: ['mfa'], acr: 'x', tokenExpiresAt: now + 5 })).toBe(true);
    expect(await store.getSession('s3')).toMatchObject({ groups: ['g'], amr: ['mfa'], acr: 'x', tokenExpiresAt: now + 5, revokedAt: undefined });
    expect((await store.revocationsAfter(0)).map((r) => [r.deviceId, r.sessionId])).toEqual([['d1', 's1'], ['d2', 's2']]);
    await store.close();
  });

  it('keeps the latest posture report per device and a bounded history, newest first', async () => {
    const store = SqliteStore.open(':memory:');
    for (let i = 0; i < POSTURE_HISTORY_PER_DEVICE + 5; i++) await store.savePosture({ deviceId: 'd1', receivedAt: 1000 + i, report: { n: i } });
    await store.savePosture({ deviceId: 'd2', receivedAt: 5, report: { n: 'other' } });
    expect(await store.latestPosture('d1')).toEqual({ deviceId: 'd1', receivedAt: 1000 + POSTURE_HISTORY_PER_DEVICE + 4, report: { n: POSTURE_HISTORY_PER_DEVICE + 4 } });
    const history = await store.postureHistory('d1', 1000);
    expect(history).toHaveLength(POSTURE_HISTORY_PER_DEVICE);
    expect(history[0]?.report).toEqual({ n: POSTURE_HISTORY_PER_DEVICE + 4 });
    expect(await store.latestPosture('d2')).toMatchObject({ report: { n: 'other' } });
    expect(await store.latestPosture('nobody')).toBeUndefined();
    await store.close();
  });
});
