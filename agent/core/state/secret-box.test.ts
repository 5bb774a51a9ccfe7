/**
 * The secret-box seam of AgentHome: without a box (the CLI) secrets are plain 0600 files as
 * before; with one (the desktop app) the device key, session token and refresh token are
 * sealed on disk, a box that cannot encrypt refuses to write, and the CLI says what happened
 * when it meets a sealed file.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ZerogateError } from '../../../shared/errors.ts';
import { AgentHome, FILES, SEALED_PREFIX, type DeviceCredentials, type SecretBox } from './index.ts';

class AesBox implements SecretBox {
  readonly name = 'test keyring';
  available = true;
  readonly #key = randomBytes(32);
  seal(plain: string): Uint8Array {
    if (!this.available) throw new ZerogateError('ZG_ERR_INTERNAL', 'no keyring');
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  }
  open(sealed: Uint8Array): string {
    const b = Buffer.from(sealed);
    const d = createDecipheriv('aes-256-gcm', this.#key, b.subarray(0, 12));
    d.setAuthTag(b.subarray(12, 28));
    return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
  }
}

const KEY = '-----BEGIN PRIVATE KEY-----\nSECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n';
const CREDS: DeviceCredentials = {
  enrollment: { proxyUrl: 'https://proxy.example:8443', deviceId: 'dev-1', user: 'alice', caFingerprint: 'AB', certNotAfter: '2031-01-01T00:00:00.000Z', enrolledAt: '2030-01-01T00:00:00.000Z' },
  keyPem: KEY,
  certPem: 'CERT',
  caPem: 'CA',
};
const SESSION = { sessionId: 's-1', user: 'alice', token: 'SESSION-TOKEN-abc', expiresAt: '2030-01-01T00:10:00.000Z', sessionExpiresAt: '2030-01-01T12:00:00.000Z' };
const OIDC = { issuer: 'https://idp', clientId: 'zg', scopes: ['openid'], acrValues: [], embedded: false, refreshToken: 'REFRESH-TOKEN-xyz' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zg-box-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('AgentHome secrets', () => {
  it('without a box (the CLI) writes plain 0600 files, as before', () => {
    const home = new AgentHome(dir);
    home.saveCredentials(CREDS);
    home.saveSession(SESSION);
    home.saveOidc(OIDC);
    expect(readFileSync(home.path(FILES.session), 'utf8')).toContain('SESSION-TOKEN-abc');
    expect(readFileSync(home.path(FILES.key), 'utf8')).toBe(KEY);
    expect(statSync(home.path(FILES.oidc)).mode & 0o777).toBe(0o600);
    expect(home.sealsSecrets).toBe(false);
    expect(home.loadSession()).toEqual(SESSION);
  });

  it('with a box seals the key, the session token and the refresh token, and reads them back', () => {
    const box = new AesBox();
    const home = new AgentHome(dir, { secrets: box });
    home.saveCredentials(CREDS);
    home.saveSession(SESSION);
    home.saveOidc(OIDC);
    for (const file of [FILES.key, FILES.session, FILES.oidc]) {
      const raw = readFileSync(home.path(file), 'utf8');
      expect(raw.startsWith(SEALED_PREFIX)).toBe(true);
      expect(raw).not.toMatch(/SESSION-TOKEN|REFRESH-TOKEN|SECRET-KEY/);
      expect(statSync(home.path(file)).mode & 0o777).toBe(0o600);
    }
    // Not secrets: the enrolment record, the certificate, the CA.
    expect(readFileSync(home.path(FILES.enrollment), 'utf8')).toContain('dev-1');
    expect(home.loadSession()).toEqual(SESSION);
    expect(home.loadOidc()).toEqual(OIDC);
    expect(home.loadCredentials().keyPem).toBe(KEY);
  });

  it('refuses to write a secret when the box cannot encrypt, leaving nothing in clear', () => {
    const box = new AesBox();
    box.available = false;
    const home = new AgentHome(dir, { secrets: box });
    expect(() => home.saveSession(SESSION)).toThrow(expect.objectContaining({ code: 'ZG_ERR_INTERNAL' }));
    expect(home.read(FILES.session)).toBeUndefined();
  });

  it('seals a plain secret left by an earlier agent when it reads it', () => {
    new AgentHome(dir).saveSession(SESSION);
    const home = new AgentHome(dir, { secrets: new AesBox() });
    expect(home.loadSession()).toEqual(SESSION);
    expect(readFileSync(home.path(FILES.session), 'utf8').startsWith(SEALED_PREFIX)).toBe(true);
  });

  it('treats a sealed file another box (or a tampered file) cannot open as missing', () => {
    new AgentHome(dir, { secrets: new AesBox() }).saveSession(SESSION);
    expect(new AgentHome(dir, { secrets: new AesBox() }).loadSession()).toBeUndefined();
    writeFileSync(join(dir, FILES.session), `${SEALED_PREFIX}not base64!\n`);
    expect(new AgentHome(dir, { secrets: new AesBox() }).loadSession()).toBeUndefined();
  });

  it('tells a CLI user that the desktop app sealed the key, instead of a bare "not enrolled"', () => {
    new AgentHome(dir, { secrets: new AesBox() }).saveCredentials(CREDS);
    const cli = new AgentHome(dir);
    expect(() => cli.loadCredentials()).toThrow(/encrypted by the Zerogate desktop app/);
    expect(cli.loadSession()).toBeUndefined();
  });
});
