/**
 * The CLI-only agent .deb (scripts/package-deb.ts, `npm run package:deb`): built into a temp
 * dir, inspected with dpkg-deb (fields, files, modes, root ownership, md5sums), checked by
 * lintian when it is installed, then extracted and run: the packaged agent prints its version,
 * enrols with a one-time token at a real proxy and carries bytes through the tunnel, from a
 * folder with no node_modules anywhere above it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnrollmentToken } from '../../proxy/devices/index.ts';
import { buildDeb, BUNDLE_FILE, DOC_DIR, WRAPPER, type DebResult } from '../../scripts/package-deb.ts';
import { ROOT, freePort, spawnCli } from '../helpers/processes.ts';
import { startEchoStack, TEST_USER } from '../helpers/stack.ts';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const installed = (tool: string): boolean => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasLintian = installed('lintian');
/** Debian and Ubuntu always have dpkg-deb; elsewhere (macOS) the package cannot be built. */
const hasDpkgDeb = installed('dpkg-deb');

let work: string;
let deb: DebResult;
let tree: string;
/** usr/bin/zerogate with /usr/bin/node and /usr/lib/zerogate pointed at this Node and the tree. */
let wrapper: string;

interface Entry {
  mode: string;
  owner: string;
  size: number;
  path: string;
  target?: string;
}

function contents(): Entry[] {
  return execFileSync('dpkg-deb', ['--contents', deb.path], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [mode, owner, size, , , ...rest] = line.split(/\s+/);
      const [path, target] = rest.join(' ').split(' -> ');
      return { mode: mode!, owner: owner!, size: Number(size), path: path!.replace(/^\.\//, '').replace(/\/$/, ''), ...(target === undefined ? {} : { target }) };
    });
}

/** Runs the packaged wrapper; asynchronous, so a proxy in this process can answer it. */
async function runPackaged(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('sh', [wrapper, ...args], { cwd: tree, env: { ...process.env, ...env }, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  if (!hasDpkgDeb) return;
  work = mkdtempSync(join(tmpdir(), 'zg-deb-test-'));
  deb = await buildDeb({ outDir: join(work, 'out') });
  tree = join(work, 'root');
  execFileSync('dpkg-deb', ['-x', deb.path, tree]);
  execFileSync('dpkg-deb', ['-e', deb.path, join(tree, 'DEBIAN')]);
  wrapper = join(work, 'zerogate');
  writeFileSync(wrapper, readFileSync(join(tree, 'usr/bin/zerogate'), 'utf8').replace('/usr/bin/node', process.execPath).replace('/usr/lib/zerogate', join(tree, 'usr/lib/zerogate')));
});

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!hasDpkgDeb)('the agent .deb', () => {
  it('is named and versioned from package.json, architecture all, depending only on Node.js 20', () => {
    expect(deb.path).toBe(join(work, 'out', `zerogate-agent_${PACKAGE_VERSION}_all.deb`));
    const field = (name: string): string => execFileSync('dpkg-deb', ['--field', deb.path, name], { encoding: 'utf8' }).trim();
    expect(field('Package')).toBe('zerogate-agent');
    expect(field('Version')).toBe(PACKAGE_VERSION);
    expect(field('Architecture')).toBe('all');
    expect(field('Depends')).toBe('nodejs (>= 20)');
    expect(field('Maintainer')).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect(field('Description')).toMatch(/^Zerogate agent: .+\n .+/);
    // Installed-Size (KiB) covers at least the bundle itself.
    const bundle = contents().find((e) => e.path === BUNDLE_FILE)!;
    expect(Number(field('Installed-Size'))).toBeGreaterThanOrEqual(Math.ceil(bundle.size / 1024));
    expect(execFileSync('dpkg-deb', ['--info', deb.path], { encoding: 'utf8' })).toMatch(/control\s*\n[\s\S]*md5sums/);
  });

  it('holds exactly the bundle, its wrapper, the man page and the docs, owned by root with Debian modes', () => {
    const entries = contents();
    const files = entries.filter((e) => !e.mode.startsWith('d')).map((e) => e.path).sort();
    expect(files).toEqual([
      'usr/bin/zerogate',
      BUNDLE_FILE,
      `${DOC_DIR}/changelog.gz`,
      `${DOC_DIR}/copyright`,
      'usr/share/man/man1/zerogate.1.gz',
    ]);
    for (const entry of entries) {
      expect(entry.owner, entry.path).toBe('root/root');
      const expected = entry.mode.startsWith('d') || entry.path === 'usr/bin/zerogate' ? (entry.mode.startsWith('d') ? 'drwxr-xr-x' : '-rwxr-xr-x') : '-rw-r--r--';
      expect(entry.mode, entry.path).toBe(expected);
    }
    // One file of JavaScript: no node_modules, no TypeScript sources, no tsx.
    expect(entries.some((e) => /node_modules|\.ts$/.test(e.path))).toBe(false);
    expect(readFileSync(join(tree, 'usr/bin/zerogate'), 'utf8')).toBe(WRAPPER);
  });

  it('lists a correct md5sum for every file', () => {
    const lines = readFileSync(join(tree, 'DEBIAN/md5sums'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      const [sum, path] = line.split(/\s+/);
      expect(createHash('md5').update(readFileSync(join(tree, path!))).digest('hex'), path).toBe(sum);
    }
  });

  it('credits every bundled npm package in the copyright file, and ships a compressed changelog', () => {
    const copyright = readFileSync(join(tree, DOC_DIR, 'copyright'), 'utf8');
    expect(copyright).toMatch(/^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\//);
    expect(deb.bundled.map((p) => p.name)).toEqual(expect.arrayContaining(['ws', 'node-forge', 'openid-client', 'systeminformation']));
    for (const p of deb.bundled) expect(copyright).toContain(` ${p.name} ${p.version} (${p.license})`);
    expect(gunzipSync(readFileSync(join(tree, DOC_DIR, 'changelog.gz'))).toString()).toMatch(new RegExp(`^zerogate-agent \\(${PACKAGE_VERSION.replace(/\./g, '\\.')}\\) `));
  });

  it.skipIf(!hasLintian)('passes lintian without errors', () => {
    let output: string;
    try {
      output = execFileSync('lintian', ['--no-tag-display-limit', '-I', '-E', '--pedantic', deb.path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      output = (error as { stdout: string }).stdout;
    }
    // Measured on lintian 2.116 (Debian 12): no tag at all, not even pedantic or experimental ones.
    // Only errors fail the test, so that a newer lintian's new warnings do not break the build.
    const tags = output.split('\n').filter((l) => /^[EWIPX]: /.test(l));
    expect(tags.filter((t) => t.startsWith('E: '))).toEqual([]);
  });

  it('runs the packaged zerogate --version from the extracted tree', async () => {
    // The tree is under the temp dir: no node_modules can be found above it.
    expect(existsSync(join(tree, 'node_modules'))).toBe(false);
    const result = await runPackaged(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
    const usage = await runPackaged(['no-such-command']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('error ZG_ERR_USAGE: unknown command "no-such-command"');
  });

  it('enrols with a one-time token at a real proxy and carries bytes through the tunnel', async () => {
    const stack = await startEchoStack();
    const home = join(work, 'home');
    const connectChild = { current: undefined as ReturnType<typeof spawnCli> | undefined };
    try {
      const { token } = await createEnrollmentToken(stack.proxy.store, TEST_USER, 60_000);
      const login = await runPackaged(['login', '--proxy', stack.proxy.url, '--ca-fingerprint', stack.proxy.pki.caFingerprint, '--token', token], { ZEROGATE_HOME: home });
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout).toMatch(new RegExp(`enrolled device \\S+ for ${TEST_USER.replace('.', '\\.')}`));

      const port = await freePort();
      // spawnCli runs `node <file>`: the bundle itself, with the wrapper's interpreter.
      connectChild.current = spawnCli(join(tree, BUNDLE_FILE), ['connect', 'echo', '--listen', `127.0.0.1:${port}`], { ZEROGATE_HOME: home });
      await connectChild.current.waitFor(/tunnel: connected/);
      const echoed = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('through the packaged agent'));
        socket.once('data', (data) => {
          socket.destroy();
          resolve(data.toString());
        });
        socket.once('error', reject);
      });
      expect(echoed).toBe('through the packaged agent');
    } finally {
      await connectChild.current?.kill();
      await stack.close();
    }
  });
});
