/**
 * The store contract: behaviour every {@link Store} implementation must show, written against
 * the interface only, so SQLite and PostgreSQL run the same suite
 * (`describeStoreContract('name', harness)`; sqlite-contract.test.ts, postgres-contract.test.ts).
 * Test-only: imported by `*.test.ts` files, never by the proxy.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isZerogateError } from '../../shared/errors.ts';
import { API_TOKENS_LIST_MAX, POSTURE_HISTORY_PER_DEVICE, REVOCATIONS_PAGE } from './sqlite.ts';
import type { Device, SessionRecord, Store, StoreChange } from './types.ts';

const NOW = Date.UTC(2030, 0, 1);

/** One store under test, on data of its own. */
export interface OpenedStore {
  store: Store;
  /** Another store on the same data: a second node (SQLite: a second connection to the file). */
  another(): Promise<Store>;
  /** Opens the data again, as a restarting node does (the caller closes the result). */
  reopen(): Promise<Store>;
  /** Overwrites the stored schema version (a newer proxy's schema). */
  setSchemaVersion(version: number): Promise<void>;
  /** Closes every store this harness opened and deletes the data. */
  dispose(): Promise<void>;
}

export interface StoreHarness {
  open(): Promise<OpenedStore>;
  /** True when another instance's change feed sees this one's changes (PostgreSQL). */
  sharedFeed: boolean;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function deviceInput(id: string, createdAt = NOW) {
  return { id, hostname: `host-${id}`, createdAt, certSerial: `SERIAL-${id}`.toUpperCase(), certNotAfter: createdAt + 86_400_000, certFingerprint: 'AA' };
}

function session(id: string, user: string, deviceId: string, createdAt = NOW, maxExpiresAt = NOW + 3_600_000): SessionRecord {
  return {
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
  };
}

async function addToken(store: Store, id: string, user = 'alice@example.com', expiresAt = NOW + 3_600_000) {
  await store.createEnrollmentToken({ id, secretHash: sha(`secret-${id}`), user, createdAt: NOW, expiresAt });
  return { tokenId: id, secretHash: sha(`secret-${id}`) };
}

async function addDevice(store: Store, id: string, user: string, createdAt = NOW): Promise<Device> {
  const result = await store.enrollDevice({ ...(await addToken(store, `tok-${id}`, user, createdAt + 60_000)), now: createdAt, device: deviceInput(id, createdAt) });
  if (!result.ok) throw new Error(`enrolment of ${id} refused: ${result.refusal}`);
  return result.device;
}

/** Waits until `check` passes (change feeds deliver asynchronously). */
async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function describeStoreContract(name: string, harness: StoreHarness): void {
  const withStore = (fn: (store: Store, opened: OpenedStore) => Promise<void>) => async () => {
    const opened = await harness.open();
    try {
      await fn(opened.store, opened);
    } finally {
      await opened.dispose();
    }
  };

  describe(`${name}: enrolment tokens and devices`, () => {
    it(
      'consumes a token once, recording the device (and its first session) under the token\'s user',
      withStore(async (store) => {
        const token = await addToken(store, 'tok-1');
        expect(await store.checkEnrollmentToken(token.tokenId, token.secretHash, NOW)).toMatchObject({ ok: true });
        const first = await store.enrollDevice({ ...token, now: NOW, device: deviceInput('dev-1'), session: { ...session('s-1', 'ignored', 'dev-1'), method: 'token' } });
        expect(first).toEqual({
          ok: true,
          device: { ...deviceInput('dev-1'), user: 'alice@example.com', status: 'active', lastSeenAt: undefined, revokedAt: undefined },
        });
        expect(await store.getSession('s-1')).toMatchObject({ user: 'alice@example.com', deviceId: 'dev-1', method: 'token' });
        expect(await store.enrollDevice({ ...token, now: NOW, device: deviceInput('dev-2') })).toEqual({ ok: false, refusal: 'token-used', user: 'alice@example.com' });
        expect(await store.checkEnrollmentToken(token.tokenId, token.secretHash, NOW)).toEqual({ ok: false, refusal: 'token-used', user: 'alice@example.com' });
        expect(await store.getDevice('dev-2')).toBeUndefined();
        expect(await store.getDevice('dev-1')).toEqual((first as { device: Device }).device);
      }),
    );

    it(
      'refuses expired, unknown and wrong-secret tokens, recording nothing',
      withStore(async (store) => {
        const token = await addToken(store, 'tok-1', 'bob', NOW + 1000);
        expect(await store.checkEnrollmentToken(token.tokenId, token.secretHash, NOW + 1000)).toEqual({ ok: false, refusal: 'token-expired', user: 'bob' });
        expect(await store.enrollDevice({ ...token, now: NOW + 1000, device: deviceInput('dev-1') })).toEqual({ ok: false, refusal: 'token-expired', user: 'bob' });
        expect(await store.enrollDevice({ ...token, secretHash: sha('guess'), now: NOW, device: deviceInput('dev-1') })).toEqual({ ok: false, refusal: 'token-unknown', user: undefined });
        expect(await store.enrollDevice({ tokenId: 'nope', secretHash: token.secretHash, now: NOW, device: deviceInput('dev-1') })).toEqual({ ok: false, refusal: 'token-unknown', user: undefined });
        expect(await store.checkEnrollmentToken('nope', token.secretHash, NOW)).toEqual({ ok: false, refusal: 'token-unknown', user: undefined });
        expect(await store.listDevices()).toEqual([]);
        // Still usable before it expires.
        expect((await store.enrollDevice({ ...token, now: NOW, device: deviceInput('dev-1') })).ok).toBe(true);
      }),
    );

    it(
      'lets exactly one of many concurrent enrolments (on two nodes) use a token',
      withStore(async (store, opened) => {
        const other = await opened.another();
        const token = await addToken(store, 'tok-race');
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? store : other).enrollDevice({ ...token, now: NOW, device: deviceInput(`dev-${i}`) })),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.refusal === 'token-used')).toBe(true);
        expect(await store.listDevices()).toHaveLength(1);
      }),
    );

    it(
      'records a device enrolled by sign-in with its session in one transaction: both or neither',
      withStore(async (store) => {
        const device = { ...deviceInput('dev-1'), user: 'carol' };
        expect(await store.enrollDeviceForUser(device, session('s-1', 'carol', 'dev-1'))).toEqual({ ...device, status: 'active', lastSeenAt: undefined, revokedAt: undefined });
        expect(await store.getSession('s-1')).toMatchObject({ user: 'carol', deviceId: 'dev-1' });
        // The same device id again: refused as a store failure, and the session is not kept.
        await expect(store.enrollDeviceForUser(device, session('s-2', 'carol', 'dev-1'))).rejects.toSatisfy((e) => isZerogateError(e, 'ZG_ERR_STORE_UNAVAILABLE'));
        expect(await store.getSession('s-2')).toBeUndefined();
        expect(await store.isSerialRevoked(device.certSerial)).toBe(false);
      }),
    );

    it(
      'lists devices oldest first, by user, and records when one was last seen',
      withStore(async (store) => {
        await addDevice(store, 'dev-b', 'bob', NOW + 1);
        await addDevice(store, 'dev-a', 'alice', NOW);
        await addDevice(store, 'dev-c', 'alice', NOW + 2);
        expect((await store.listDevices()).map((d) => d.id)).toEqual(['dev-a', 'dev-b', 'dev-c']);
        expect((await store.listDevices({ user: 'alice' })).map((d) => d.id)).toEqual(['dev-a', 'dev-c']);
        expect(await store.listDevices({ user: 'nobody' })).toEqual([]);
        await store.touchDevice('dev-b', NOW + 50);
        await store.touchDevice('unknown', NOW + 50);
        expect((await store.getDevice('dev-b'))?.lastSeenAt).toBe(NOW + 50);
        expect((await store.getDevice('dev-a'))?.lastSeenAt).toBeUndefined();
      }),
    );

    it(
      'searches devices by user, hostname substring (wildcards literal, any case) and status, newest first, by pages',
      withStore(async (store) => {
        await addDevice(store, 'dev-1', 'alice', NOW);
        await addDevice(store, 'dev-2', 'alice', NOW + 1);
        await addDevice(store, 'dev-3', 'bob', NOW + 2);
        await addDevice(store, 'dev-4', 'bob', NOW + 2);
        await store.revokeDevice('dev-1', NOW + 3, 'lost');
        expect((await store.searchDevices({ limit: 10 })).map((d) => d.id)).toEqual(['dev-4', 'dev-3', 'dev-2', 'dev-1']);
        expect((await store.searchDevices({ user: 'alice', limit: 10 })).map((d) => d.id)).toEqual(['dev-2', 'dev-1']);
        expect((await store.searchDevices({ hostname: 'HOST-DEV-3', limit: 10 })).map((d) => d.id)).toEqual(['dev-3']);
        expect((await store.searchDevices({ hostname: '_', limit: 10 })).map((d) => d.id)).toEqual([]);
        expect((await store.searchDevices({ hostname: '%', limit: 10 })).map((d) => d.id)).toEqual([]);
        expect((await store.searchDevices({ status: 'revoked', limit: 10 })).map((d) => d.id)).toEqual(['dev-1']);
        const first = await store.searchDevices({ limit: 2 });
        expect(first.map((d) => d.id)).toEqual(['dev-4', 'dev-3']);
        expect((await store.searchDevices({ limit: 2, before: 'dev-3' })).map((d) => d.id)).toEqual(['dev-2', 'dev-1']);
        expect(await store.searchDevices({ limit: 2, before: 'unknown' })).toEqual([]);
      }),
    );
  });

  describe(`${name}: revocations`, () => {
    it(
      'revokes a device and every serial issued to it, once; unknown serials count as revoked',
      withStore(async (store) => {
        await addDevice(store, 'dev-1', 'alice');
        expect(await store.isSerialRevoked('SERIAL-DEV-1')).toBe(false);
        expect(await store.isSerialRevoked('NEVER-ISSUED')).toBe(true);
        expect(await store.revokeDevice('dev-1', NOW + 5, 'lost laptop')).toBe(true);
        expect(await store.revokeDevice('dev-1', NOW + 6, 'again')).toBe(false);
        expect(await store.revokeDevice('nope', NOW, 'x')).toBe(false);
        expect(await store.isSerialRevoked('SERIAL-DEV-1')).toBe(true);
        expect(await store.getDevice('dev-1')).toMatchObject({ status: 'revoked', revokedAt: NOW + 5 });
        const entries = await store.revocationsAfter(0);
        expect(entries).toEqual([{ seq: entries[0]!.seq, deviceId: 'dev-1' }]);
        expect(await store.revocationsAfter(entries[0]!.seq)).toEqual([]);
      }),
    );

    it(
      'pages the revocation sequence in growing order, session revocations naming their session',
      withStore(async (store) => {
        const total = REVOCATIONS_PAGE + 3;
        for (let i = 0; i < total; i += 100) {
          await Promise.all(Array.from({ length: Math.min(100, total - i) }, (_, j) => store.createSession(session(`s-${i + j}`, 'mallory', `dev-${(i + j) % 7}`, NOW + i + j))));
        }
        expect(await store.revokeUserSessions('mallory', NOW)).toBe(total);
        expect(await store.revokeUserSessions('mallory', NOW)).toBe(0);
        const first = await store.revocationsAfter(0);
        expect(first).toHaveLength(REVOCATIONS_PAGE);
        const second = await store.revocationsAfter(first.at(-1)!.seq);
        expect(second).toHaveLength(3);
        const all = [...first, ...second];
        for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
        expect(new Set(all.map((r) => r.sessionId)).size).toBe(total);
        for (const entry of all) expect(entry.deviceId).toBe(`dev-${Number(entry.sessionId!.slice(2)) % 7}`);
      }),
    );

    it(
      'never lets a watcher skip a revocation while two nodes revoke concurrently',
      withStore(async (store, opened) => {
        const other = await opened.another();
        const count = 60;
        await Promise.all(Array.from({ length: count }, (_, i) => store.createSession(session(`s-${i}`, `user-${i}`, `dev-${i}`))));
        const seen = new Set<string>();
        let cursor = 0;
        let writing = true;
        const watcher = (async () => {
          while (writing || (await store.revocationsAfter(cursor)).length > 0) {
            for (const entry of await store.revocationsAfter(cursor)) {
              expect(entry.seq).toBeGreaterThan(cursor);
              cursor = entry.seq;
              seen.add(entry.sessionId!);
            }
            await sleep(1);
          }
        })();
        await Promise.all(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? store : other).revokeSession(`s-${i}`, NOW)));
        writing = false;
        await watcher;
        expect(seen.size).toBe(count);
      }),
    );
  });

  describe(`${name}: sessions`, () => {
    it(
      'creates, renews and revokes sessions; a revoked one cannot be renewed',
      withStore(async (store) => {
        await store.createSession(session('s1', 'alice', 'd1'));
        await store.createSession(session('s2', 'alice', 'd2'));
        await store.createSession(session('s3', 'bob', 'd3'));
        expect(await store.getSession('s1')).toEqual(session('s1', 'alice', 'd1'));
        expect(await store.getSession('nope')).toBeUndefined();
        expect(await store.revokeSession('s1', NOW + 1)).toBe(true);
        expect(await store.revokeSession('s1', NOW + 2)).toBe(false);
        expect(await store.revokeSession('nope', NOW + 2)).toBe(false);
        expect((await store.getSession('s1'))?.revokedAt).toBe(NOW + 1);
        expect(await store.revokeUserSessions('alice', NOW + 3)).toBe(1);
        expect(await store.renewSession('s2', { authTime: NOW, groups: [], amr: [], acr: undefined, tokenExpiresAt: NOW + 1 })).toBe(false);
        expect(await store.renewSession('nope', { authTime: NOW, groups: [], amr: [], acr: undefined, tokenExpiresAt: NOW + 1 })).toBe(false);
        expect(await store.renewSession('s3', { authTime: NOW + 7, groups: ['g'], amr: ['pwd'], acr: 'x', tokenExpiresAt: NOW + 5 })).toBe(true);
        expect(await store.getSession('s3')).toEqual({ ...session('s3', 'bob', 'd3'), authTime: NOW + 7, groups: ['g'], amr: ['pwd'], acr: 'x', tokenExpiresAt: NOW + 5 });
        expect((await store.revocationsAfter(0)).map((r) => [r.deviceId, r.sessionId])).toEqual([
          ['d1', 's1'],
          ['d2', 's2'],
        ]);
      }),
    );

    it(
      'finds the newest unrevoked session of a device',
      withStore(async (store) => {
        expect(await store.latestSessionOfDevice('dev-1')).toBeUndefined();
        await store.createSession(session('s1', 'alice', 'dev-1', NOW));
        await store.createSession(session('s2', 'alice', 'dev-1', NOW + 10));
        await store.createSession(session('s3', 'alice', 'dev-2', NOW + 20));
        expect((await store.latestSessionOfDevice('dev-1'))?.id).toBe('s2');
        await store.revokeSession('s2', NOW + 20);
        expect((await store.latestSessionOfDevice('dev-1'))?.id).toBe('s1');
      }),
    );

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

  describe(`${name}: browser sessions (console sign-ins)`, () => {
    const browser = (id: string, user: string, createdAt = NOW, expiresAt = NOW + 3_600_000) => ({ id, user, createdAt, expiresAt });

    it(
      'a browser session is live until revoked or past its end; unknown ids are never live',
      withStore(async (store) => {
        await store.createBrowserSession(browser('b1', 'alice'), NOW);
        await store.createBrowserSession(browser('b2', 'alice'), NOW);
        await store.createBrowserSession(browser('b3', 'bob', NOW, NOW + 10), NOW);
        expect(await store.browserSessionLive('b1', NOW + 1)).toBe(true);
        expect(await store.browserSessionLive('nope', NOW + 1)).toBe(false);
        expect(await store.browserSessionLive('b3', NOW + 9)).toBe(true);
        expect(await store.browserSessionLive('b3', NOW + 10)).toBe(false);
        expect(await store.revokeBrowserSession('b1', NOW + 2)).toBe(true);
        expect(await store.revokeBrowserSession('b1', NOW + 3)).toBe(false);
        expect(await store.revokeBrowserSession('nope', NOW + 3)).toBe(false);
        expect(await store.revokeBrowserSession('b3', NOW + 10)).toBe(false);
        expect(await store.browserSessionLive('b1', NOW + 3)).toBe(false);
        expect(await store.browserSessionLive('b2', NOW + 3)).toBe(true);
        // An id is a credential's handle: a second sign-in with the same id is refused.
        await expect(store.createBrowserSession(browser('b2', 'mallory'), NOW + 3)).rejects.toThrow();
      }),
    );

    it(
      "ends every live browser session of a user, not others'; agent sessions are apart",
      withStore(async (store) => {
        await store.createBrowserSession(browser('b1', 'alice'), NOW);
        await store.createBrowserSession(browser('b2', 'alice'), NOW);
        await store.createBrowserSession(browser('b3', 'bob'), NOW);
        await store.createSession(session('s1', 'alice', 'd1'));
        await store.revokeBrowserSession('b1', NOW + 1);
        expect(await store.revokeUserBrowserSessions('alice', NOW + 2)).toBe(1);
        expect(await store.revokeUserBrowserSessions('alice', NOW + 3)).toBe(0);
        expect(await store.browserSessionLive('b2', NOW + 3)).toBe(false);
        expect(await store.browserSessionLive('b3', NOW + 3)).toBe(true);
        expect((await store.getSession('s1'))?.revokedAt).toBeUndefined();
      }),
    );

    it(
      'forgets sessions past their end when a new one is recorded, and a revocation is seen by another node at once',
      withStore(async (store, opened) => {
        await store.createBrowserSession(browser('old', 'alice', NOW, NOW + 10), NOW);
        await store.createBrowserSession(browser('new', 'alice', NOW + 20, NOW + 3_600_000), NOW + 20);
        // Recording "old" again works only because it was forgotten.
        await store.createBrowserSession(browser('old', 'alice', NOW + 30, NOW + 3_600_000), NOW + 30);
        const other = await opened.another();
        expect(await other.browserSessionLive('new', NOW + 40)).toBe(true);
        expect(await store.revokeBrowserSession('new', NOW + 41)).toBe(true);
        expect(await other.browserSessionLive('new', NOW + 42)).toBe(false);
      }),
    );
  });

  describe(`${name}: posture`, () => {
    it(
      'keeps the latest report per device and a bounded history, newest first',
      withStore(async (store) => {
        for (let i = 0; i < POSTURE_HISTORY_PER_DEVICE + 5; i++) await store.savePosture({ deviceId: 'd1', receivedAt: 1000 + i, report: { n: i, nested: { ok: true } } });
        await store.savePosture({ deviceId: 'd2', receivedAt: 5, report: { n: 'other' } });
        expect(await store.latestPosture('d1')).toEqual({ deviceId: 'd1', receivedAt: 1000 + POSTURE_HISTORY_PER_DEVICE + 4, report: { n: POSTURE_HISTORY_PER_DEVICE + 4, nested: { ok: true } } });
        const history = await store.postureHistory('d1', 1000);
        expect(history).toHaveLength(POSTURE_HISTORY_PER_DEVICE);
        expect(history[0]?.report.n).toBe(POSTURE_HISTORY_PER_DEVICE + 4);
        expect(history.at(-1)?.report.n).toBe(5);
        expect((await store.postureHistory('d1', 2)).map((r) => r.receivedAt)).toEqual([1000 + POSTURE_HISTORY_PER_DEVICE + 4, 1000 + POSTURE_HISTORY_PER_DEVICE + 3]);
        expect(await store.latestPosture('d2')).toMatchObject({ report: { n: 'other' } });
        expect(await store.latestPosture('nobody')).toBeUndefined();
        expect(await store.postureHistory('nobody', 10)).toEqual([]);
      }),
    );
  });

  describe(`${name}: audit`, () => {
    it(
      'appends events in order and pages through them newest first with filters',
      withStore(async (store) => {
        await store.appendAudit([]);
        for (let i = 0; i < 5; i++) {
          await store.appendAudit([
            { time: NOW + i, type: i % 2 === 0 ? 'stream.open' : 'stream.deny', user: i < 2 ? 'alice' : 'bob', device: 'd1', app: 'wiki', source: '10.0.0.1', decision: i % 2 ? 'deny' : 'allow', reasons: i % 2 ? ['app-not-found'] : undefined, detail: { i } },
          ]);
        }
        const denies = await store.queryAudit({ type: 'stream.deny' });
        expect(denies.map((e) => e.detail)).toEqual([{ i: 3 }, { i: 1 }]);
        expect(denies[1]).toEqual({ id: denies[1]!.id, time: NOW + 1, type: 'stream.deny', user: 'alice', device: 'd1', app: 'wiki', source: '10.0.0.1', decision: 'deny', reasons: ['app-not-found'], detail: { i: 1 } });
        expect((await store.queryAudit({ user: 'alice' })).map((e) => e.detail)).toEqual([{ i: 1 }, { i: 0 }]);
        expect(await store.queryAudit({ device: 'd2' })).toEqual([]);
        const page1 = await store.queryAudit({ limit: 2 });
        const page2 = await store.queryAudit({ limit: 2, before: page1[1]!.id });
        expect([...page1, ...page2].map((e) => e.detail)).toEqual([{ i: 4 }, { i: 3 }, { i: 2 }, { i: 1 }]);
        expect(await store.queryAudit({ limit: 1_000_000 })).toHaveLength(5);
        expect(await store.queryAudit({ limit: 0 })).toHaveLength(1);
      }),
    );

    it(
      'writes a batch all or none, in the order given',
      withStore(async (store) => {
        await store.appendAudit(Array.from({ length: 50 }, (_, i) => ({ time: NOW, type: 'stream.open', detail: { i } })));
        expect((await store.queryAudit({ limit: 100 })).map((e) => e.detail?.i)).toEqual(Array.from({ length: 50 }, (_, i) => 49 - i));
        const broken = [{ time: NOW, type: 'a' }, { time: NOW, type: null as unknown as string }];
        await expect(store.appendAudit(broken)).rejects.toSatisfy((e) => isZerogateError(e, 'ZG_ERR_STORE_UNAVAILABLE'));
        expect(await store.queryAudit({ type: 'a' })).toEqual([]);
      }),
    );

    it(
      'returns only stream.deny and stream.reset events as decisions, filtered, newest first',
      withStore(async (store) => {
        await store.appendAudit([
          { time: NOW, type: 'stream.deny', user: 'alice', device: 'd1', app: 'wiki', reasons: ['disk-unencrypted'] },
          { time: NOW, type: 'stream.open', user: 'alice', device: 'd1', app: 'wiki' },
          { time: NOW, type: 'stream.reset', user: 'bob', device: 'd2', app: 'db', reasons: ['edr-missing'] },
          { time: NOW, type: 'stream.deny', user: 'alice', device: 'd1', app: 'db', reasons: ['posture-missing'] },
        ]);
        expect((await store.queryDecisions({ limit: 10 })).map((e) => e.type)).toEqual(['stream.deny', 'stream.reset', 'stream.deny']);
        expect((await store.queryDecisions({ user: 'alice', limit: 10 })).map((e) => e.app)).toEqual(['db', 'wiki']);
        expect((await store.queryDecisions({ device: 'd2', limit: 10 })).map((e) => e.user)).toEqual(['bob']);
        expect((await store.queryDecisions({ app: 'wiki', limit: 10 })).map((e) => e.reasons)).toEqual([['disk-unencrypted']]);
        const [newest] = await store.queryDecisions({ limit: 1 });
        expect(await store.queryDecisions({ limit: 10, before: newest!.id })).toHaveLength(2);
      }),
    );
  });

  describe(`${name}: API tokens`, () => {
    it(
      'stores, finds, revokes once and lists tokens newest first, bounded',
      withStore(async (store) => {
        expect(await store.listApiTokens(10)).toEqual([]);
        for (let i = 0; i < 3; i++) {
          await store.createApiToken({ id: `t${i}`, secretHash: `h${i}`, name: `n${i}`, role: i === 0 ? 'admin' : 'helpdesk', createdAt: NOW + i, expiresAt: NOW + 1000, revokedAt: undefined });
        }
        expect(await store.getApiToken('t0')).toEqual({ id: 't0', secretHash: 'h0', name: 'n0', role: 'admin', createdAt: NOW, expiresAt: NOW + 1000, revokedAt: undefined });
        expect(await store.getApiToken('nope')).toBeUndefined();
        expect(await store.revokeApiToken('t1', NOW + 10)).toBe(true);
        expect(await store.revokeApiToken('t1', NOW + 11)).toBe(false);
        expect(await store.revokeApiToken('nope', NOW + 11)).toBe(false);
        const all = await store.listApiTokens(10);
        expect(all.map((t) => t.id)).toEqual(['t2', 't1', 't0']);
        expect(all[1]).toMatchObject({ name: 'n1', role: 'helpdesk', revokedAt: NOW + 10 });
        expect((await store.listApiTokens(2)).map((t) => t.id)).toEqual(['t2', 't1']);
        expect(await store.listApiTokens(API_TOKENS_LIST_MAX * 10)).toHaveLength(3);
        await expect(store.createApiToken({ id: 't0', secretHash: 'x', name: 'dup', role: 'admin', createdAt: NOW, expiresAt: NOW, revokedAt: undefined })).rejects.toSatisfy((e) =>
          isZerogateError(e, 'ZG_ERR_STORE_UNAVAILABLE'),
        );
      }),
    );
  });

  describe(`${name}: embedded IdP users and TOTP`, () => {
    const user = (username: string) => ({ username, email: `${username}@example.com`, name: undefined, groups: ['eng'], passwordHash: 'scrypt$x', disabled: false, createdAt: NOW });

    it(
      'adds users once, lists them by name, disables them and sets passwords',
      withStore(async (store) => {
        expect(await store.addIdpUser(user('bob'))).toBe(true);
        expect(await store.addIdpUser({ ...user('alice'), name: 'Alice', groups: ['admin', 'eng'] })).toBe(true);
        expect(await store.addIdpUser({ ...user('bob'), email: 'other@example.com' })).toBe(false);
        expect(await store.getIdpUser('bob')).toEqual(user('bob'));
        expect(await store.getIdpUser('nobody')).toBeUndefined();
        expect((await store.listIdpUsers()).map((u) => [u.username, u.name, u.groups])).toEqual([
          ['alice', 'Alice', ['admin', 'eng']],
          ['bob', undefined, ['eng']],
        ]);
        expect(await store.setIdpUserDisabled('bob', true)).toBe(true);
        expect((await store.getIdpUser('bob'))?.disabled).toBe(true);
        expect(await store.setIdpUserDisabled('bob', false)).toBe(true);
        expect((await store.getIdpUser('bob'))?.disabled).toBe(false);
        expect(await store.setIdpUserDisabled('nobody', true)).toBe(false);
        expect(await store.setIdpUserPassword('bob', 'scrypt$new')).toBe(true);
        expect((await store.getIdpUser('bob'))?.passwordHash).toBe('scrypt$new');
        expect(await store.setIdpUserPassword('nobody', 'scrypt$new')).toBe(false);
      }),
    );

    it(
      'stores a first TOTP secret only, and clears it on reset',
      withStore(async (store) => {
        expect(await store.getTotpSecret('alice')).toBeUndefined();
        expect(await store.setTotpSecret('alice', 'JBSWY3DPEHPK3PXP', NOW)).toBe(true);
        expect(await store.setTotpSecret('alice', 'OTHERSECRETAAAAA', NOW)).toBe(false);
        expect(await store.getTotpSecret('alice')).toBe('JBSWY3DPEHPK3PXP');
        expect(await store.clearTotpSecret('alice')).toBe(true);
        expect(await store.clearTotpSecret('alice')).toBe(false);
        expect(await store.setTotpSecret('alice', 'OTHERSECRETAAAAA', NOW)).toBe(true);
        expect(await store.getTotpSecret('alice')).toBe('OTHERSECRETAAAAA');
      }),
    );
  });

  describe(`${name}: embedded IdP payloads`, () => {
    it(
      'upserts, finds (by id, user code, uid), consumes, destroys, revokes by grant and sweeps',
      withStore(async (store) => {
        await store.idpPayloadUpsert({ model: 'Session', id: 'a', payload: { uid: 'u1', n: 1 }, expiresAt: NOW + 1000 }, { uid: 'u1' });
        await store.idpPayloadUpsert({ model: 'DeviceCode', id: 'b', payload: { userCode: 'ABCD' }, expiresAt: NOW + 1000 }, { userCode: 'ABCD', grantId: 'g1' });
        await store.idpPayloadUpsert({ model: 'RefreshToken', id: 'c', payload: { grantId: 'g1' }, expiresAt: undefined }, { grantId: 'g1' });
        await store.idpPayloadUpsert({ model: 'Grant', id: 'd', payload: {}, expiresAt: NOW + 10 }, {});
        expect(await store.idpPayloadFind('Session', 'a', NOW)).toEqual({ model: 'Session', id: 'a', payload: { uid: 'u1', n: 1 }, expiresAt: NOW + 1000 });
        expect(await store.idpPayloadFind('Session', 'b', NOW)).toBeUndefined();
        expect(await store.idpPayloadFindBy('Session', 'uid', 'u1', NOW)).toMatchObject({ id: 'a' });
        expect(await store.idpPayloadFindBy('DeviceCode', 'userCode', 'ABCD', NOW)).toMatchObject({ id: 'b' });
        expect(await store.idpPayloadFindBy('DeviceCode', 'uid', 'ABCD', NOW)).toBeUndefined();
        // Expired: absent.
        expect(await store.idpPayloadFind('Session', 'a', NOW + 1000)).toBeUndefined();
        // An upsert replaces the payload.
        await store.idpPayloadUpsert({ model: 'Session', id: 'a', payload: { uid: 'u1', n: 2 }, expiresAt: NOW + 2000 }, { uid: 'u1' });
        expect((await store.idpPayloadFind('Session', 'a', NOW + 1000))?.payload).toEqual({ uid: 'u1', n: 2 });
        // Consumed: carries `consumed` in seconds.
        await store.idpPayloadConsume('DeviceCode', 'b', NOW + 1500);
        expect((await store.idpPayloadFind('DeviceCode', 'b', NOW))?.payload).toEqual({ userCode: 'ABCD', consumed: Math.floor((NOW + 1500) / 1000) });
        await store.idpPayloadRevokeByGrantId('g1');
        expect(await store.idpPayloadFind('DeviceCode', 'b', NOW)).toBeUndefined();
        expect(await store.idpPayloadFind('RefreshToken', 'c', NOW)).toBeUndefined();
        await store.idpPayloadDestroy('Session', 'a');
        expect(await store.idpPayloadFind('Session', 'a', NOW)).toBeUndefined();
        // Sweep: only the expired record (Grant d) goes; records without expiry stay.
        await store.idpPayloadUpsert({ model: 'Client', id: 'e', payload: {}, expiresAt: undefined }, {});
        expect(await store.idpPayloadSweep(NOW + 100)).toBe(1);
        expect(await store.idpPayloadSweep(NOW + 100)).toBe(0);
        expect(await store.idpPayloadFind('Client', 'e', NOW + 1e9)).toMatchObject({ id: 'e', expiresAt: undefined });
      }),
    );

    it(
      'advances a stored step only forward, once per step (TOTP replay protection)',
      withStore(async (store) => {
        const now = 1_000_000;
        expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 10, now + 60_000, now)).toBe(true);
        expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 10, now + 60_000, now)).toBe(false);
        expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 9, now + 60_000, now)).toBe(false);
        expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 11, now + 60_000, now)).toBe(true);
        expect(await store.idpPayloadAdvanceStep('Steps', 'bob', 5, now + 60_000, now)).toBe(true);
        // An expired record no longer blocks anything.
        expect(await store.idpPayloadAdvanceStep('Steps', 'alice', 3, now + 200_000, now + 120_000)).toBe(true);
      }),
    );

    it(
      'lets exactly one of many concurrent uses of one TOTP step (on two nodes) win',
      withStore(async (store, opened) => {
        const other = await opened.another();
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? store : other).idpPayloadAdvanceStep('Steps', 'alice', 42, NOW + 60_000, NOW)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }),
    );

    it(
      'marks a one-time credential used once until it expires, then forgets it',
      withStore(async (store) => {
        expect(await store.markUsedOnce('id-token', 'h1', 2_000, 1_000)).toBe(true);
        expect(await store.markUsedOnce('id-token', 'h1', 2_000, 1_500)).toBe(false);
        expect(await store.markUsedOnce('other-scope', 'h1', 2_000, 1_500)).toBe(true);
        expect(await store.markUsedOnce('id-token', 'h1', 4_000, 2_500)).toBe(true);
        expect(await store.markUsedOnce('id-token', 'h1', 4_000, 3_000)).toBe(false);
      }),
    );

    it(
      'lets exactly one of many concurrent uses of one credential (on two nodes) succeed',
      withStore(async (store, opened) => {
        const other = await opened.another();
        // Also over an expired earlier use of the same key.
        expect(await store.markUsedOnce('id-token', 'race', NOW, NOW - 10)).toBe(true);
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? store : other).markUsedOnce('id-token', 'race', NOW + 60_000, NOW)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }),
    );
  });

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
      'records tombstones without a definition, lists rows in id order, and a later write brings the entry back',
      withStore(async (store) => {
        await store.putCatalog('policy', { id: 'managed', definition: { mode: 'enforce' }, deleted: false, updatedAt: NOW, updatedBy: 'a' });
        await store.putCatalog('policy', { id: 'managed', definition: undefined, deleted: true, updatedAt: NOW + 1, updatedBy: 'b' });
        await store.putCatalog('policy', { id: 'config-only', definition: undefined, deleted: true, updatedAt: NOW + 2, updatedBy: 'c' });
        await store.putCatalog('policy', { id: 'Zeta', definition: {}, deleted: false, updatedAt: NOW + 2, updatedBy: 'c' });
        expect(await store.listCatalog('policy')).toEqual([
          { id: 'Zeta', definition: {}, deleted: false, updatedAt: NOW + 2, updatedBy: 'c' },
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

  describe(`${name}: schema, lifecycle`, () => {
    it(
      'keeps data across a reopen, and refuses to open a schema newer than it knows, changing nothing',
      withStore(async (store, opened) => {
        await addDevice(store, 'dev-1', 'alice');
        const again = await opened.reopen();
        expect((await again.listDevices()).map((d) => d.id)).toEqual(['dev-1']);
        await again.close();
        await opened.setSchemaVersion(999);
        await expect(opened.reopen()).rejects.toSatisfy((e) => isZerogateError(e, 'ZG_ERR_STORE_SCHEMA_NEWER') && /newer than this proxy knows/.test((e as Error).message));
        // The running store is untouched.
        expect((await store.listDevices()).map((d) => d.id)).toEqual(['dev-1']);
      }),
    );

    it(
      'answers pings, and fails closed with ZG_ERR_STORE_UNAVAILABLE once closed',
      withStore(async (store, opened) => {
        await store.ping();
        const again = await opened.reopen();
        await again.close();
        await again.close();
        await expect(again.getDevice('x')).rejects.toSatisfy((e) => isZerogateError(e, 'ZG_ERR_STORE_UNAVAILABLE'));
        await expect(again.isSerialRevoked('x')).rejects.toSatisfy((e) => isZerogateError(e, 'ZG_ERR_STORE_UNAVAILABLE'));
        await expect(again.ping()).rejects.toSatisfy((e) => isZerogateError(e, 'ZG_ERR_STORE_UNAVAILABLE'));
      }),
    );
  });

  describe(`${name}: change feed`, () => {
    it(
      'tells subscribers of revocations, catalogue writes, API token revocations and IdP user changes, only after the data is there',
      withStore(async (store) => {
        const changes: StoreChange[] = [];
        const visible: boolean[] = [];
        const unsubscribe = store.subscribe((change) => {
          changes.push(change);
          if (change.kind === 'api-token') void store.getApiToken(change.id).then((t) => visible.push(t?.revokedAt !== undefined));
        });
        await addDevice(store, 'dev-1', 'alice');
        await store.createSession(session('s1', 'alice', 'dev-1'));
        await store.createApiToken({ id: 't1', secretHash: 'h', name: 'ci', role: 'admin', createdAt: NOW, expiresAt: NOW + 1000, revokedAt: undefined });
        await store.addIdpUser({ username: 'bob', email: 'bob@example.com', name: undefined, groups: [], passwordHash: 'scrypt$x', disabled: false, createdAt: NOW });
        await store.setTotpSecret('bob', 'JBSWY3DPEHPK3PXP', NOW);

        await store.revokeDevice('dev-1', NOW, 'lost');
        await store.revokeSession('s1', NOW);
        await store.createSession(session('s2', 'carol', 'dev-2'));
        await store.revokeUserSessions('carol', NOW);
        await store.putCatalog('app', { id: 'wiki', definition: { id: 'wiki' }, deleted: false, updatedAt: NOW, updatedBy: 'a' });
        await store.putCatalog('policy', { id: 'strict', definition: undefined, deleted: true, updatedAt: NOW, updatedBy: 'a' });
        await store.revokeApiToken('t1', NOW);
        await store.setIdpUserDisabled('bob', true);
        await store.setIdpUserPassword('bob', 'scrypt$y');
        await store.clearTotpSecret('bob');
        // No-ops announce nothing.
        await store.revokeDevice('dev-1', NOW, 'again');
        await store.revokeSession('s1', NOW);
        await store.revokeUserSessions('carol', NOW);
        await store.revokeApiToken('t1', NOW);
        await store.setIdpUserDisabled('nobody', true);
        await store.clearTotpSecret('bob');

        const expected: StoreChange[] = [
          { kind: 'revocation' },
          { kind: 'revocation' },
          { kind: 'revocation' },
          { kind: 'catalog', catalog: 'app', id: 'wiki' },
          { kind: 'catalog', catalog: 'policy', id: 'strict' },
          { kind: 'api-token', id: 't1' },
          { kind: 'idp-user', username: 'bob' },
          { kind: 'idp-user', username: 'bob' },
          { kind: 'idp-user', username: 'bob' },
        ];
        await eventually(() => expect(changes).toEqual(expected));
        await eventually(() => expect(visible).toEqual([true]));
        unsubscribe();
        await store.putCatalog('app', { id: 'after', definition: {}, deleted: false, updatedAt: NOW, updatedBy: 'a' });
        await sleep(100);
        expect(changes).toHaveLength(expected.length);
      }),
    );

    it(
      'keeps telling other subscribers when one throws, and the write still succeeds',
      withStore(async (store) => {
        const seen: string[] = [];
        store.subscribe(() => {
          throw new Error('listener bug');
        });
        store.subscribe((change) => seen.push(change.kind));
        await store.putCatalog('app', { id: 'wiki', definition: {}, deleted: false, updatedAt: NOW, updatedBy: 'a' });
        await eventually(() => expect(seen).toEqual(['catalog']));
        expect(await store.listCatalog('app')).toHaveLength(1);
      }),
    );

    if (harness.sharedFeed) {
      it(
        'tells another node\'s subscribers, whose reads then see the change',
        withStore(async (store, opened) => {
          const other = await opened.another();
          const seen: unknown[] = [];
          other.subscribe((change) => {
            if (change.kind === 'catalog') void other.listCatalog('app').then((rows) => seen.push(rows.map((r) => r.id)));
            if (change.kind === 'revocation') void other.revocationsAfter(0).then((rows) => seen.push(rows.length));
          });
          await store.putCatalog('app', { id: 'wiki', definition: {}, deleted: false, updatedAt: NOW, updatedBy: 'a' });
          await eventually(() => expect(seen).toEqual([['wiki']]));
          await addDevice(store, 'dev-1', 'alice');
          await store.revokeDevice('dev-1', NOW, 'lost');
          await eventually(() => expect(seen).toEqual([['wiki'], 1]));
        }),
      );
    }
  });
}
