/**
 * The desktop agent's electron-builder configuration (installers/agent/electron-builder.yml).
 * electron-builder cannot run here (it downloads Electron): the config is parsed and its
 * targets and the fields that make the packages safe are checked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/processes.ts';

type Obj = Record<string, any>;
const AGENT = join(ROOT, 'installers/agent');
const config = parse(readFileSync(join(AGENT, 'electron-builder.yml'), 'utf8')) as Obj;

/** Plist keys of the entitlements file (a flat dict of booleans). */
function entitlements(file: string): Record<string, boolean> {
  const text = readFileSync(file, 'utf8');
  expect(text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<!DOCTYPE plist /);
  return Object.fromEntries([...text.matchAll(/<key>([^<]+)<\/key>\s*<(true|false)\/>/g)].map((m) => [m[1]!, m[2] === 'true']));
}

describe('electron-builder.yml', () => {
  it('names the app and builds every package format of issue 6', () => {
    expect(config).toMatchObject({ appId: 'dev.zerogate.agent', productName: 'Zerogate' });
    expect(config.linux.target).toEqual(['deb', 'rpm', 'AppImage']);
    expect(config.win.target).toEqual(['nsis', 'msi']);
    expect(config.mac.target).toEqual(['dmg', 'pkg']);
    for (const section of ['deb', 'rpm', 'appImage', 'nsis', 'msi', 'dmg', 'pkg']) expect(config[section], section).toBeTypeOf('object');
  });

  it('packages the bundled desktop app only: no node_modules, nothing to rebuild', () => {
    expect(config.extraMetadata.main).toMatch(/^agent\/desktop\/dist\/main\.js$/);
    expect(config.files).toContain('agent/desktop/dist/**');
    expect(config.files).toContain('!**/node_modules/**');
    expect(config).toMatchObject({ npmRebuild: false, nodeGypRebuild: false, asar: true });
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true });
  });

  it('installs for the user: no install scripts of our own, per-user NSIS, no clash with the CLI package', () => {
    const yaml = JSON.stringify(config);
    for (const hook of ['afterInstall', 'afterRemove', 'fpm', 'include', 'scripts']) expect(yaml, hook).not.toContain(`"${hook}"`);
    expect(config.nsis).toMatchObject({ perMachine: false, allowElevation: false });
    // The CLI .deb (zerogate-agent) owns /usr/bin/zerogate.
    expect(config.linux.executableName).not.toBe('zerogate');
    expect(config.deb.packageName).not.toBe('zerogate-agent');
    expect(config.linux.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect(config.msi.upgradeCode).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('signs macOS builds with the hardened runtime and only the entitlements Electron needs', () => {
    expect(config.mac).toMatchObject({ hardenedRuntime: true, notarize: true });
    const file = join(ROOT, config.mac.entitlements as string);
    expect(existsSync(file)).toBe(true);
    expect(config.mac.entitlementsInherit).toBe(config.mac.entitlements);
    expect(entitlements(file)).toEqual({
      'com.apple.security.cs.allow-jit': true,
      'com.apple.security.network.client': true,
      'com.apple.security.network.server': true,
    });
    expect(config.pkg).toMatchObject({ installLocation: '/Applications', isRelocatable: false });
  });
});
