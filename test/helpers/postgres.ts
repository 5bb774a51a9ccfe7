/**
 * PostgreSQL for tests. `freshSchema` gives a private schema on the shared server (127.0.0.1:5432,
 * database `test`, trust auth; `ZG_TEST_PG_URL` overrides), so test files running in parallel
 * never share tables. `startPrivatePostgres` runs a throwaway server in a temp dir that a test
 * may stop and start (outage and recovery tests).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './processes.ts';

const run = promisify(execFile);

/** The shared test server. */
export const TEST_PG_URL = process.env.ZG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `base` with its sessions' search_path set to `schema` (the store creates its tables there). */
export function urlWithSchema(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export interface TestSchema {
  schema: string;
  /** A `store.url` whose tables live in this schema only. */
  url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

async function admin<T>(base: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty schema `zg_test_<random>` on the shared server (or on `base`). */
export async function freshSchema(base: string = TEST_PG_URL): Promise<TestSchema> {
  const schema = `zg_test_${randomBytes(6).toString('hex')}`;
  await admin(base, (c) => c.query(`CREATE SCHEMA ${schema}`));
  return {
    schema,
    url: urlWithSchema(base, schema),
    drop: () => admin(base, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => undefined),
  };
}

/** Runs SQL against a test schema (a test poking at the store's tables, e.g. its schema version). */
export async function sqlIn(url: string, sql: string, args: unknown[] = []): Promise<pg.QueryResultRow[]> {
  return admin(url, async (c) => (await c.query(sql, args)).rows);
}

/** The newest installed PostgreSQL's bin folder (Debian layout), or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  url: string;
  port: number;
  /** Stops the server: `fast` ends sessions cleanly, `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and deletes its files. */
  destroy(): Promise<void>;
}

/**
 * A throwaway PostgreSQL server in a temp dir, on a free port on 127.0.0.1, trust auth. Run as
 * root (CI containers), the server runs as the `postgres` OS user, as PostgreSQL requires.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const root = mkdtempSync(join(tmpdir(), 'zg-pg-'));
  const data = join(root, 'data');
  mkdirSync(data, { mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
    chownSync(data, Number(stdout.trim()), Number(gid.trim()));
  }
  const pgRun = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);
  await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => void (await pgRun('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', 'start']));
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => void (await pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']));
  await start();
  let destroyed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop('immediate').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
