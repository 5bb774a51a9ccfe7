import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAsset, readIndex } from './static.ts';

const dir = mkdtempSync(join(tmpdir(), 'zg-console-static-'));
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'index.html'), '<!doctype html>');
writeFileSync(join(dir, 'secret.txt'), 'outside assets');
writeFileSync(join(dir, 'assets', 'app-Q2W3E4R5.js'), 'js');
writeFileSync(join(dir, 'assets', 'app-Q2W3E4R5.css'), 'css');
writeFileSync(join(dir, 'assets', 'plain.js'), 'js');
writeFileSync(join(dir, 'assets', 'run.sh'), 'sh');
symlinkSync(join(dir, 'secret.txt'), join(dir, 'assets', 'link.txt'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readAsset', () => {
  it('serves files of assets/ with their type; hashed names immutable', async () => {
    expect(await readAsset('app-Q2W3E4R5.js', dir)).toMatchObject({ contentType: 'text/javascript; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable' });
    expect((await readAsset('app-Q2W3E4R5.css', dir))?.contentType).toBe('text/css; charset=utf-8');
    expect((await readAsset('plain.js', dir))?.cacheControl).toBe('no-cache');
  });

  it.each(['../secret.txt', '..', '.', '..%2fsecret.txt', 'sub/app.js', '/etc/passwd', '.hidden.js', 'run.sh', 'link.txt', 'missing.js', 'a\0.js', ''])(
    'serves nothing for %j',
    async (name) => {
      expect(await readAsset(name, dir)).toBeUndefined();
    },
  );
});

describe('readIndex', () => {
  it('reads the page, or nothing when the bundle is missing', async () => {
    expect((await readIndex(dir))?.toString()).toBe('<!doctype html>');
    expect(await readIndex(join(dir, 'nowhere'))).toBeUndefined();
  });
});
