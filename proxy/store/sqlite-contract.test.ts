/** The store contract (contract.ts) against the embedded SQLite store (a file per test), and its migration 6. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './types.ts';

describeStoreContract('SqliteStore', {
  // One file, one process: other connections to the file share the data but not the feed.
  sharedFeed: false,
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'zg-store-'));
    const file = join(dir, 'zerogate.db');
    const opened: Store[] = [];
    const track = (store: Store) => (opened.push(store), store);
    return {
      store: track(SqliteStore.open(file)),
      another: async () => track(SqliteStore.open(file)),
      reopen: async () => track(SqliteStore.open(file)),
      async setSchemaVersion(version: number) {
        const db = new Database(file);
        db.prepare('UPDATE schema_version SET version = ?').run(version);
        db.close();
      },
      async dispose() {
        for (const store of opened) await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});

describe('SqliteStore: catalogue migration', () => {
  it('keeps catalogue rows across a reopen of the same file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zg-store-')), 'z.db');
    const first = SqliteStore.open(file);
    await first.putCatalog('app', { id: 'wiki', definition: { id: 'wiki', upstream: 'tcp://10.0.0.1:80' }, deleted: false, updatedAt: 1, updatedBy: 'a' });
    await first.close();
    const second = SqliteStore.open(file);
    expect((await second.listCatalog('app')).map((r) => r.id)).toEqual(['wiki']);
    await second.close();
    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version).toBe(7);
    db.close();
  });

  it('upgrades a version 6 file (before browser sessions) to 7, keeping its rows', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'zg-store-')), 'z.db');
    const first = SqliteStore.open(file);
    await first.putCatalog('app', { id: 'wiki', definition: { id: 'wiki', upstream: 'tcp://10.0.0.1:80' }, deleted: false, updatedAt: 1, updatedBy: 'a' });
    await first.close();
    // What a version 6 proxy left: no browser_sessions table.
    const v6 = new Database(file);
    v6.exec('DROP TABLE browser_sessions; UPDATE schema_version SET version = 6;');
    v6.close();
    const second = SqliteStore.open(file);
    expect((await second.listCatalog('app')).map((r) => r.id)).toEqual(['wiki']);
    await second.createBrowserSession({ id: 'b1', user: 'alice', createdAt: 1, expiresAt: Date.now() + 60_000 }, 1);
    expect(await second.browserSessionLive('b1', Date.now())).toBe(true);
    await second.close();
    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version).toBe(7);
    db.close();
  });
});
