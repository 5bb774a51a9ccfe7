/** The store contract (contract.ts) against the embedded SQLite store, and its migration 6. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from './contract.ts';
import { SqliteStore } from './sqlite.ts';

describeStoreContract('SqliteStore', async () => SqliteStore.open(':memory:'));

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
    expect((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version).toBe(6);
    db.close();
  });
});
