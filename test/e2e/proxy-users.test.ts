/**
 * `zerogate-proxy user ...`: store users of the embedded IdP. Passwords only ever travel on
 * stdin or are generated and printed once; disabling a user ends their sessions.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../proxy/identity/idp/index.ts';
import { SqliteStore } from '../../proxy/store/index.ts';
import { PROXY_BIN } from '../helpers/processes.ts';
import { tempDir } from '../helpers/stack.ts';

function run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PROXY_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('zerogate-proxy user', () => {
  let dir: string;
  let config: string;

  beforeAll(() => {
    dir = tempDir();
    config = join(dir, 'zerogate.yaml');
    writeFileSync(config, 'dataDir: ./data\naudit: { file: none }\n');
  });
  afterAll(() => undefined);

  it('hash-password reads stdin and prints an scrypt hash that verifies', async () => {
    const result = await run(['user', 'hash-password'], 'a long enough password\n');
    expect(result.code).toBe(0);
    const hash = result.stdout.trim();
    expect(hash).toMatch(/^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    await expect(verifyPassword('a long enough password', hash)).resolves.toBe(true);
    expect(result.stdout + result.stderr).not.toContain('a long enough password');
  });

  it('hash-password refuses a short password and empty stdin with a usage error', async () => {
    expect(await run(['user', 'hash-password'], 'short\n')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error ZG_ERR_USAGE: a password must have 8 to 256 characters/) });
    expect(await run(['user', 'hash-password'], '')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error ZG_ERR_USAGE: pipe the password on stdin/) });
  });

  it('add stores a user with a generated password shown once; list never shows the hash', async () => {
    const added = await run(['user', 'add', 'dave', '--email', 'dave@example.com', '--groups', 'helpdesk, support', '--config', config]);
    expect(added.code).toBe(0);
    const password = /password: (\S+)/.exec(added.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    const listed = await run(['user', 'list', '--json', '--config', config]);
    const users = JSON.parse(listed.stdout) as { username: string; groups: string[]; disabled: boolean }[];
    expect(users).toEqual([expect.objectContaining({ username: 'dave', groups: ['helpdesk', 'support'], disabled: false })]);
    expect(listed.stdout).not.toContain('scrypt');
    const store = SqliteStore.open(join(dir, 'data', 'zerogate.db'));
    try {
      await expect(verifyPassword(password!, (await store.getIdpUser('dave'))!.passwordHash)).resolves.toBe(true);
    } finally {
      await store.close();
    }
    expect(await run(['user', 'add', 'dave', '--email', 'd2@example.com', '--config', config], 'another password\n')).toMatchObject({ code: 2, stderr: expect.stringContaining('already exists') });
    expect(await run(['user', 'add', 'Bad Name', '--email', 'x@example.com', '--config', config])).toMatchObject({ code: 2 });
  });

  it('disable ends the user\'s sessions; enable and reset-totp report what they did', async () => {
    const store = SqliteStore.open(join(dir, 'data', 'zerogate.db'));
    const now = Date.now();
    await store.createSession({ id: 's-dave', user: 'dave', deviceId: 'd1', method: 'idp', groups: [], amr: ['mfa'], acr: undefined, authTime: now, createdAt: now, maxExpiresAt: now + 3_600_000, tokenExpiresAt: now + 600_000, revokedAt: undefined });
    await store.setTotpSecret('dave', 'JBSWY3DPEHPK3PXPJBSWY3DP', now);
    // Signed in to the console as well: that ends too.
    await store.createBrowserSession({ id: 'b-dave', user: 'dave', createdAt: now, expiresAt: now + 3_600_000 }, now);
    await store.close();
    expect(await run(['user', 'disable', 'dave', '--config', config])).toMatchObject({ code: 0, stdout: 'disabled dave; ended 2 session(s)\n' });
    const after = SqliteStore.open(join(dir, 'data', 'zerogate.db'));
    try {
      expect((await after.getSession('s-dave'))?.revokedAt).toBeDefined();
      expect((await after.getIdpUser('dave'))?.disabled).toBe(true);
      expect(await after.browserSessionLive('b-dave', Date.now())).toBe(false);
      expect(await after.revocationsAfter(0)).toEqual([expect.objectContaining({ deviceId: 'd1', sessionId: 's-dave' })]);
    } finally {
      await after.close();
    }
    expect(await run(['user', 'enable', 'dave', '--config', config])).toMatchObject({ code: 0, stdout: 'enabled dave\n' });
    expect(await run(['user', 'reset-totp', 'dave', '--config', config])).toMatchObject({ code: 0 });
    expect(await run(['user', 'reset-totp', 'dave', '--config', config])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error ZG_ERR_NOT_FOUND: dave has no authenticator/) });
    expect(await run(['user', 'disable', 'nobody', '--config', config])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error ZG_ERR_NOT_FOUND/) });
  });
});

describe('zerogate-proxy api-token', () => {
  it('creates a helpdesk token that the API accepts, refuses admin routes to it, and revokes it', async () => {
    const { startProxyProcess, freePort } = await import('../helpers/processes.ts');
    const { request } = await import('node:https');
    const dir = tempDir();
    const proxy = await startProxyProcess(dir, await freePort(), '  []\n');
    try {
      const created = await run(['api-token', 'create', '--role', 'helpdesk', '--name', 'ticket-bot', '--ttl', '1h', '--json', '--config', proxy.configFile]);
      expect(created.code).toBe(0);
      const { token, id, role } = JSON.parse(created.stdout) as { token: string; id: string; role: string };
      expect(token).toMatch(/^zga_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(role).toBe('helpdesk');
      const ca = readFileSync(join(dir, 'data', 'ca.pem'), 'utf8');
      const get = (path: string, bearer: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(new URL(path, proxy.url), { ca, headers: { authorization: `Bearer ${bearer}` } }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end();
        });
      expect((await get('/v1/helpdesk/devices', token)).status).toBe(200);
      expect(JSON.parse((await get('/v1/admin/audit', token)).body)).toMatchObject({ statusCode: 403, code: 'ZG_ERR_API_FORBIDDEN' });
      expect(await run(['api-token', 'revoke', id, '--config', proxy.configFile])).toMatchObject({ code: 0, stdout: `revoked API token ${id}\n` });
      expect(JSON.parse((await get('/v1/helpdesk/devices', token)).body)).toMatchObject({ statusCode: 401, code: 'ZG_ERR_API_TOKEN_REVOKED' });
      expect(await run(['api-token', 'create', '--role', 'root', '--name', 'x', '--config', proxy.configFile])).toMatchObject({ code: 2 });
      expect(await run(['api-token', 'create', '--role', 'admin', '--name', 'x', '--ttl', '91d', '--config', proxy.configFile])).toMatchObject({ code: 2 });
    } finally {
      await proxy.kill();
    }
  }, 60_000);
});

describe('zerogate-proxy commands on PostgreSQL (store.url)', () => {
  it('write to the PostgreSQL store the proxy nodes share, not to a SQLite file in the data dir', async () => {
    const { freshSchema } = await import('../helpers/postgres.ts');
    const { PostgresStore } = await import('../../proxy/store/postgres.ts');
    const { existsSync } = await import('node:fs');
    const schema = await freshSchema();
    const dir = tempDir();
    const config = join(dir, 'zerogate.yaml');
    writeFileSync(config, `dataDir: ./data\naudit: { file: none }\nstore: { url: "${schema.url}" }\n`);
    try {
      const created = await run(['api-token', 'create', '--role', 'admin', '--name', 'pg-bot', '--ttl', '1h', '--json', '--config', config]);
      expect(created.code, created.stderr).toBe(0);
      const { id } = JSON.parse(created.stdout) as { id: string };
      const added = await run(['user', 'add', 'pgalice', '--email', 'pgalice@example.com', '--config', config], 'a long enough password\n');
      expect(added.code, added.stderr).toBe(0);
      const store = await PostgresStore.open(schema.url);
      try {
        expect((await store.getApiToken(id))?.name).toBe('pg-bot');
        expect((await store.getIdpUser('pgalice'))?.email).toBe('pgalice@example.com');
      } finally {
        await store.close();
      }
      expect(existsSync(join(dir, 'data', 'zerogate.db'))).toBe(false);
    } finally {
      await schema.drop();
    }
  }, 60_000);
});
