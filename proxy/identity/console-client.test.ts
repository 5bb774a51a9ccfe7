import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isZerogateError } from '../../shared/errors.ts';
import { CONSOLE_CLIENT_ID, consoleClient, loadOrCreateConsoleSecret } from './console-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'zg-console-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadOrCreateConsoleSecret', () => {
  it('makes a secret once, 0600, and reads the same one afterwards', () => {
    const file = join(dir, 'console-client-secret');
    const secret = loadOrCreateConsoleSecret(file);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateConsoleSecret(file)).toBe(secret);
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
  });

  it('refuses a file that does not hold a secret, rather than using it', () => {
    const file = join(dir, 'bad-secret');
    writeFileSync(file, 'hunter2\n', { mode: 0o600 });
    try {
      loadOrCreateConsoleSecret(file);
      expect.unreachable();
    } catch (error) {
      expect(isZerogateError(error, 'ZG_ERR_IDP_KEYS_INVALID')).toBe(true);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

describe('consoleClient', () => {
  it('is a confidential web client with one exact redirect URI', () => {
    expect(consoleClient('https://zerogate.example.com:8443', 's'.repeat(43))).toEqual({
      client_id: CONSOLE_CLIENT_ID,
      client_secret: 's'.repeat(43),
      client_name: 'Zerogate console',
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['https://zerogate.example.com:8443/console/callback'],
    });
  });
});
